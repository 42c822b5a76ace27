"""The vote's arithmetic and the decision rule, for every combination that matters."""

from __future__ import annotations

from fractions import Fraction
from itertools import product

import pytest

from civic.votes import decision as d


@pytest.mark.parametrize(
    ("eligible", "yes", "no", "quorum", "majority", "expected"),
    [
        (100, 20, 9, 30, "simple", d.QUORUM_NOT_MET),  # 29% turnout < 30%
        (100, 20, 10, 30, "simple", d.PASSED),  # exactly the quorum counts
        (100, 15, 15, 30, "simple", d.REJECTED),  # a tie is not more than half
        (100, 16, 14, 30, "simple", d.PASSED),
        (100, 20, 10, 30, "two_thirds", d.PASSED),  # exactly two thirds passes
        (100, 19, 11, 30, "two_thirds", d.REJECTED),
        (0, 0, 0, 0, "simple", d.QUORUM_NOT_MET),  # nobody eligible
        (3, 1, 0, 33, "simple", d.PASSED),  # 33.3% >= 33%
        (3, 1, 0, 34, "simple", d.QUORUM_NOT_MET),  # no rounding up to meet a quorum
        (10, 0, 0, 0, "simple", d.REJECTED),  # no quorum, no votes: nothing passes
    ],
)
def test_vote_outcome(eligible, yes, no, quorum, majority, expected):
    assert d.vote_outcome(eligible, yes, no, quorum, majority).outcome == expected


def test_unknown_majority_rule():
    with pytest.raises(ValueError):
        d.vote_outcome(10, 5, 1, 10, "most")


def test_outcome_against_brute_force():
    """Every small case, checked against the definitions with Fractions."""
    for eligible, yes, no, quorum, majority in product(
        range(1, 8), range(8), range(8), (0, 25, 50), ("simple", "two_thirds")
    ):
        if yes + no > eligible:
            continue
        got = d.vote_outcome(eligible, yes, no, quorum, majority).outcome
        if Fraction(yes + no, eligible) < Fraction(quorum, 100):
            want = d.QUORUM_NOT_MET
        elif majority == "simple":
            want = d.PASSED if Fraction(yes, yes + no or 1) > Fraction(1, 2) else d.REJECTED
        else:
            want = (
                d.PASSED if yes + no and Fraction(yes, yes + no) >= Fraction(2, 3) else d.REJECTED
            )
        assert got == want, (eligible, yes, no, quorum, majority)


@pytest.mark.parametrize(
    ("answers", "met"),
    [
        ({}, False),
        ({"a": "yes", "b": "not_applicable"}, True),
        ({"a": "yes", "b": "no"}, False),
        ({"a": "yes", "b": None}, False),
    ],
)
def test_standards_met(answers, met):
    assert d.standards_met(answers) is met


@pytest.mark.parametrize(
    ("outcome", "standards_ok"),
    list(product((d.PASSED, d.REJECTED, d.QUORUM_NOT_MET), (True, False))),
)
def test_in_house_is_the_default_unless_vote_and_standards_allow(outcome, standards_ok):
    expected = d.PROCEED if outcome == d.PASSED and standards_ok else d.IN_HOUSE
    assert d.default_decision(outcome, standards_ok) == expected
    # keeping it in-house never needs an override reason
    assert d.decision_problems(d.IN_HOUSE, outcome, standards_ok, "Reasons", "") == {}
    proceed = d.decision_problems(d.PROCEED, outcome, standards_ok, "Reasons", "")
    assert ("override_reason" in proceed) is (expected == d.IN_HOUSE)
    assert d.decision_problems(d.PROCEED, outcome, standards_ok, "Reasons", "Statutory duty") == {}


def test_decision_needs_reasons_and_a_choice():
    assert set(d.decision_problems("", d.PASSED, True, "", "")) == {"decision", "reasons"}


def test_weighted_total_is_exact():
    assert d.weighted_total((80, 60, 40), (40, 30, 30)) == Fraction(62)
    assert d.weighted_total((1, 0, 0), (1, 1, 1)) == Fraction(1, 3)
    assert d.weighted_total((50, 50, 50), (0, 0, 0)) == 0
