"""How a motion's votes decide it: the quorum first, then the majority. Pure: plain
numbers in, an outcome and its explanation out, no Flask, no database; integers only, so
no rounding can turn a tie into a pass."""

from __future__ import annotations

from dataclasses import dataclass

PASSED, NO_QUORUM, REJECTED, TIED = "passed", "no_quorum", "rejected", "tied"
QUORUM_RULES = ("none", "share", "number")
MAJORITY_RULES = ("simple", "two_thirds", "all_members")


@dataclass(frozen=True)
class Count:
    """The votes of one motion: members when voting opened, and each choice."""

    electorate: int
    votes_for: int
    votes_against: int
    abstentions: int

    @property
    def turnout(self) -> int:
        """Everyone who voted, abstentions included: they count towards the quorum."""
        return self.votes_for + self.votes_against + self.abstentions


@dataclass(frozen=True)
class Outcome:
    outcome: str  # passed | no_quorum | rejected | tied
    quorum_needed: int  # how many had to vote (0: no quorum)
    explanation: str  # the rule that decided it, with the figures, in words

    @property
    def passed(self) -> bool:
        return self.outcome == PASSED


def quorum_needed(rule: str, value: int, electorate: int) -> int:
    """How many members must vote: none, a share of the electorate (rounded up, so a 50 %
    quorum of 7 needs 4), or a number."""
    if rule == "none":
        return 0
    if rule == "share":
        return -(-value * electorate // 100)  # ceiling, in integers
    if rule == "number":
        return value
    raise ValueError(f"unknown quorum rule {rule!r}")


def quorum_words(rule: str, value: int) -> str:
    """The quorum rule as the rules page states it."""
    if rule == "none":
        return "No quorum: the motion is decided however many members vote."
    if rule == "share":
        return (
            f"At least {value}% of the members (when voting opens) must vote, abstaining included."
        )
    return f"At least {value} members must vote, abstaining included."


def majority_words(rule: str) -> str:
    return {
        "simple": "More votes for than against (abstentions are not counted either way).",
        "two_thirds": "At least two thirds of the votes for and against must be for.",
        "all_members": "More than half of all members (when voting opens) must vote for.",
    }[rule]


def decide(count: Count, quorum_rule: str, quorum_value: int, majority_rule: str) -> Outcome:
    """The outcome of a motion. A tie (as many for as against) never passes: under a simple
    or two-thirds majority it is reported as tied; under "all members" only the number
    for decides, so there it is rejected like any other shortfall."""
    if majority_rule not in MAJORITY_RULES:
        raise ValueError(f"unknown majority rule {majority_rule!r}")
    needed = quorum_needed(quorum_rule, quorum_value, count.electorate)
    votes = f"{count.votes_for} for, {count.votes_against} against, {count.abstentions} abstaining"
    of = f"of {count.electorate} member{'' if count.electorate == 1 else 's'}"
    if count.turnout < needed:
        return Outcome(
            NO_QUORUM,
            needed,
            f"Not passed: no quorum. {count.turnout} {of} voted; the rules need {needed}.",
        )
    cast = count.votes_for + count.votes_against
    if majority_rule == "all_members":
        threshold = count.electorate // 2 + 1
        if count.votes_for >= threshold:
            return Outcome(PASSED, needed, f"Passed: {votes}; more than half {of} voted for.")
        return Outcome(
            REJECTED,
            needed,
            f"Not passed: {votes}; it needed {threshold} votes for (more than half {of}).",
        )
    if count.votes_for == count.votes_against:
        return Outcome(TIED, needed, f"Not passed: tied, {votes}.")
    if majority_rule == "simple":
        if count.votes_for > count.votes_against:
            return Outcome(PASSED, needed, f"Passed: {votes}; more for than against.")
        return Outcome(REJECTED, needed, f"Not passed: {votes}; more against than for.")
    # two thirds of the for-and-against votes, compared in integers
    if 3 * count.votes_for >= 2 * cast:
        return Outcome(PASSED, needed, f"Passed: {votes}; at least two thirds voted for.")
    return Outcome(
        REJECTED, needed, f"Not passed: {votes}; fewer than two thirds of the votes were for."
    )
