"""The arithmetic of a public vote and of the decision that must follow it. Pure: no Flask,
no database, integers only (a percentage is compared by cross-multiplying, never rounded).

In-house provision is the default: outsourcing (or selling an asset) may proceed only when
the vote passed AND every minimum standard is met. A council that decides otherwise must
publish its reason for contradicting the vote."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

PASSED = "passed"
REJECTED = "rejected"
QUORUM_NOT_MET = "quorum_not_met"
MAJORITIES = {"simple": Fraction(1, 2), "two_thirds": Fraction(2, 3)}
IN_HOUSE = "in_house"
PROCEED = "proceed"


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


def standards_met(answers: Mapping[str, str | None]) -> bool:
    """Every minimum standard answered, and none answered 'no'."""
    return bool(answers) and all(a in ("yes", "not_applicable") for a in answers.values())


def default_decision(outcome: str, standards_ok: bool) -> str:
    return PROCEED if outcome == PASSED and standards_ok else IN_HOUSE


def decision_problems(
    decision: str, outcome: str, standards_ok: bool, reasons: str, override_reason: str
) -> dict[str, str]:
    """What is wrong with a council's recorded decision; empty when it can be published."""
    problems: dict[str, str] = {}
    if decision not in (IN_HOUSE, PROCEED):
        problems["decision"] = "Choose the council's decision"
    if not reasons.strip():
        problems["reasons"] = "Give the council's reasons; they are published"
    contradicts = decision == PROCEED and default_decision(outcome, standards_ok) == IN_HOUSE
    if contradicts and not override_reason.strip():
        why = "the vote did not pass" if outcome != PASSED else "not every standard is met"
        problems["override_reason"] = (
            f"Going ahead although {why} needs a stated reason, which is published"
        )
    return problems


def weighted_total(scores: Iterable[int], weights: Iterable[int]) -> Fraction:
    """An option's weighted score out of 100: sum(score * weight) / sum(weights)."""
    pairs = list(zip(scores, weights, strict=True))
    total_weight = sum(w for _, w in pairs)
    if total_weight <= 0:
        return Fraction(0)
    return Fraction(sum(s * w for s, w in pairs), total_weight)
