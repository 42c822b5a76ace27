"""The counting rules alone: each quorum rule and each majority rule, passing, failing on
quorum, failing on majority, and ties."""

from __future__ import annotations

import pytest

from civic.groups.tally import NO_QUORUM, PASSED, REJECTED, TIED, Count, decide, quorum_needed


@pytest.mark.parametrize(
    ("rule", "value", "electorate", "needed"),
    [
        ("none", 0, 10, 0),
        ("share", 50, 7, 4),  # rounded up: 3.5 members is 4
        ("share", 25, 8, 2),
        ("share", 100, 3, 3),
        ("share", 1, 1000, 10),
        ("number", 3, 10, 3),
        ("number", 12, 10, 12),  # more than the members: it cannot be met
    ],
)
def test_quorum_needed(rule, value, electorate, needed):
    assert quorum_needed(rule, value, electorate) == needed


@pytest.mark.parametrize(
    ("count", "quorum", "majority", "outcome"),
    [
        # no quorum: one vote decides
        (Count(10, 1, 0, 0), ("none", 0), "simple", PASSED),
        (Count(10, 0, 1, 0), ("none", 0), "simple", REJECTED),
        (Count(10, 0, 0, 0), ("none", 0), "simple", TIED),
        # a share: 50 % of 10 is 5 voters, abstentions count towards it
        (Count(10, 3, 1, 1), ("share", 50), "simple", PASSED),
        (Count(10, 3, 1, 0), ("share", 50), "simple", NO_QUORUM),
        (Count(10, 2, 2, 1), ("share", 50), "simple", TIED),
        (Count(10, 1, 3, 1), ("share", 50), "simple", REJECTED),
        # a number
        (Count(10, 2, 0, 1), ("number", 3), "simple", PASSED),
        (Count(10, 2, 0, 0), ("number", 3), "simple", NO_QUORUM),
        (Count(10, 1, 2, 0), ("number", 3), "simple", REJECTED),
        # two thirds of for-and-against: 2 of 3 passes, 3 of 5 does not
        (Count(10, 2, 1, 5), ("none", 0), "two_thirds", PASSED),
        (Count(10, 3, 2, 0), ("none", 0), "two_thirds", REJECTED),
        (Count(10, 2, 2, 0), ("none", 0), "two_thirds", TIED),
        (Count(10, 4, 2, 0), ("share", 70), "two_thirds", NO_QUORUM),
        # all members: more than half of 10 is 6 votes for, whatever the turnout
        (Count(10, 6, 0, 0), ("none", 0), "all_members", PASSED),
        (Count(10, 5, 0, 0), ("none", 0), "all_members", REJECTED),
        (Count(10, 5, 5, 0), ("none", 0), "all_members", REJECTED),  # a tie fails too
        (Count(9, 5, 0, 0), ("none", 0), "all_members", PASSED),
        (Count(10, 6, 0, 0), ("number", 7), "all_members", NO_QUORUM),
    ],
)
def test_outcomes(count, quorum, majority, outcome):
    result = decide(count, quorum[0], quorum[1], majority)
    assert result.outcome == outcome, result.explanation
    assert result.passed is (outcome == PASSED)


def test_explanations_give_the_figures_and_the_rule():
    no_quorum = decide(Count(8, 1, 0, 0), "share", 50, "simple")
    assert no_quorum.explanation == "Not passed: no quorum. 1 of 8 members voted; the rules need 4."
    tied = decide(Count(8, 2, 2, 1), "none", 0, "simple")
    assert tied.explanation == "Not passed: tied, 2 for, 2 against, 1 abstaining."
    all_members = decide(Count(8, 4, 0, 0), "none", 0, "all_members")
    assert "needed 5 votes for" in all_members.explanation


def test_unknown_rules_are_errors():
    with pytest.raises(ValueError):
        decide(Count(3, 1, 0, 0), "share", 50, "unanimous")
    with pytest.raises(ValueError):
        quorum_needed("most", 1, 3)
