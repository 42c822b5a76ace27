"""The arithmetic of a public vote and of the decision that must follow it. Pure: no Flask,
no database, integers only (a percentage is compared by cross-multiplying, never rounded).

In-house provision is the default: outsourcing (or selling an asset) may proceed only when
the vote passed AND every minimum standard is met. A council that decides otherwise must
publish its reason for contradicting the vote."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

PASSED = "passed"
REJECTED = "rejected"
QUORUM_NOT_MET = "quorum_not_met"
MAJORITIES = {"simple": Fraction(1, 2), "two_thirds": Fraction(2, 3)}
IN_HOUSE = "in_house"
PROCEED = "proceed"
OUTSOURCING = "outsourcing"
DISPOSAL = "disposal"


def _(message: str) -> str:
    """Marks a sentence for the catalogue (`make translations` extracts `_("...")`) without
    translating it here: this module stays pure. Pages translate what it returns with
    gettext (civic.votes.views), and the audit log keeps the English."""
    return message


# What each decision means, in the words of the proposal's kind. A proposal either hands a
# service to an outside provider or sells (disposes of) a public asset; "the service stays
# in-house" is wrong for a library building, so every sentence about the default or the
# decision is looked up here by kind, and a test walks every kind and outcome.
_WORDS: dict[str, dict[str, str]] = {
    OUTSOURCING: {
        "thing": _("the service"),
        "decided_in_house": _("The service stays in-house."),
        "decided_proceed": _("The council will outsource the service."),
        "rule_in_house": _("the service stays in-house"),
        "rule_proceed": _("outsourcing may go ahead"),
        "standards": _("the service stays in-house whatever the vote"),
        "choice_in_house": _("Keep the service in-house"),
        "choice_proceed": _("Outsource the service"),
        "vote_against": _("Against: keep the service in-house"),
        "vote_for": _("For: outsource the service"),
    },
    DISPOSAL: {
        "thing": _("the asset"),
        "decided_in_house": _("The asset stays in public hands."),
        "decided_proceed": _("The council will dispose of the asset."),
        "rule_in_house": _("the asset stays in public hands"),
        "rule_proceed": _("the disposal may go ahead"),
        "standards": _("the asset stays in public hands whatever the vote"),
        "choice_in_house": _("Keep the asset in public hands"),
        "choice_proceed": _("Dispose of the asset"),
        "vote_against": _("Against: keep the asset in public hands"),
        "vote_for": _("For: dispose of the asset"),
    },
}


@dataclass(frozen=True)
class VoteResult:
    outcome: str  # passed | rejected | quorum_not_met
    eligible: int
    votes_for: int
    votes_against: int

    @property
    def turnout(self) -> Fraction:
        return Fraction(self.votes_for + self.votes_against, self.eligible or 1)


def vote_outcome(
    eligible: int, votes_for: int, votes_against: int, quorum_percent: int, majority: str
) -> VoteResult:
    """Quorum first (share of eligible residents who voted), then the majority of votes cast.

    Simple majority means more than half; two-thirds means at least two thirds.
    """
    if majority not in MAJORITIES:
        raise ValueError(f"unknown majority rule {majority!r}")
    cast = votes_for + votes_against
    if eligible <= 0 or cast * 100 < quorum_percent * eligible:
        outcome = QUORUM_NOT_MET
    elif majority == "simple":
        outcome = PASSED if votes_for * 2 > cast else REJECTED
    else:
        outcome = PASSED if cast and votes_for * 3 >= cast * 2 else REJECTED
    return VoteResult(outcome, eligible, votes_for, votes_against)


def majority_reached(votes_for: int, votes_against: int, majority: str) -> bool:
    """Whether `votes_for` is the `majority` of the votes cast (none cast: not reached)."""
    if majority not in MAJORITIES:
        raise ValueError(f"unknown majority rule {majority!r}")
    cast = votes_for + votes_against
    if majority == "simple":
        return votes_for * 2 > cast
    return bool(cast) and votes_for * 3 >= cast * 2


def failed_classes(classes: Iterable[tuple[str, int, int]], majority: str) -> list[str]:
    """The multi-stakeholder rule: the names, of (name, for, against) per class, of every
    class whose own votes did not give the majority. A class where nobody voted fails: a
    majority "in every class" cannot be claimed for a class that was silent."""
    return [name for name, yes, no in classes if not majority_reached(yes, no, majority)]


def class_outcome(result: VoteResult, failed: Sequence[str]) -> str:
    """The outcome once every class must agree: a vote that passed overall is rejected
    when any class failed; quorum and rejection stand as they were."""
    return REJECTED if result.outcome == PASSED and failed else result.outcome


def standards_met(answers: Mapping[str, str | None]) -> bool:
    """Every minimum standard answered, and none answered 'no'."""
    return bool(answers) and all(a in ("yes", "not_applicable") for a in answers.values())


def default_decision(outcome: str, standards_ok: bool) -> str:
    return PROCEED if outcome == PASSED and standards_ok else IN_HOUSE


def _words(kind: str) -> dict[str, str]:
    if kind not in _WORDS:
        raise ValueError(f"unknown proposal kind {kind!r}")
    return _WORDS[kind]


def decision_headline(kind: str, decision: str) -> str:
    """The published decision's headline: "The asset stays in public hands." for a disposal
    kept public, "The council will outsource the service." for an outsourcing that goes
    ahead."""
    return _words(kind)["decided_proceed" if decision == PROCEED else "decided_in_house"]


def rule_wording(kind: str, default: str) -> str:
    """What Civic's rule gives after the count (`default_decision`), for this kind."""
    return _words(kind)["rule_proceed" if default == PROCEED else "rule_in_house"]


def standards_wording(kind: str) -> str:
    """Why a missed standard settles the matter: "the service stays in-house whatever the
    vote", or the asset's equivalent."""
    return _words(kind)["standards"]


def decision_choices(kind: str) -> list[tuple[str, str]]:
    """The council's two possible decisions, as the decision form offers them."""
    words = _words(kind)
    return [(IN_HOUSE, words["choice_in_house"]), (PROCEED, words["choice_proceed"])]


def vote_choices(kind: str) -> list[tuple[str, str]]:
    """A resident's two possible votes, against first (the default stands)."""
    words = _words(kind)
    return [("against", words["vote_against"]), ("for", words["vote_for"])]


def decision_problems(
    decision: str, outcome: str, standards_ok: bool, reasons: str, override_reason: str
) -> dict[str, str]:
    """What is wrong with a council's recorded decision; empty when it can be published."""
    problems: dict[str, str] = {}
    if decision not in (IN_HOUSE, PROCEED):
        problems["decision"] = _("Choose the council's decision")
    if not reasons.strip():
        problems["reasons"] = _("Give the council's reasons; they are published")
    contradicts = decision == PROCEED and default_decision(outcome, standards_ok) == IN_HOUSE
    if contradicts and not override_reason.strip():
        problems["override_reason"] = (
            _(
                "Going ahead although the vote did not pass needs a stated reason, "
                "which is published"
            )
            if outcome != PASSED
            else _(
                "Going ahead although not every standard is met needs a stated reason, "
                "which is published"
            )
        )
    return problems


def weighted_total(scores: Iterable[int], weights: Iterable[int]) -> Fraction:
    """An option's weighted score out of 100: sum(score * weight) / sum(weights)."""
    pairs = list(zip(scores, weights, strict=True))
    total_weight = sum(w for _, w in pairs)
    if total_weight <= 0:
        return Fraction(0)
    return Fraction(sum(s * w for s, w in pairs), total_weight)
