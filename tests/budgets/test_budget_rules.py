"""Outcome rules on hand-built instances: each tie-break step, float traps, the greedy forms,
explanations, and random instances against a naive exact MES written independently."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from civic.budgets.rules import RULES, Instance, Profile, borda, compute

from .naive_mes import naive_mes, naive_mes_add1


def approval(*ballots: str) -> Profile:
    """One voter per string; each letter is an approved project."""
    return Profile.from_votes("approval", [(tuple(b), None) for b in ballots])


def cumulative(*ballots: dict[str, int]) -> Profile:
    return Profile.from_votes("cumulative", [(tuple(b), tuple(b.values())) for b in ballots])


# --- exactness -----------------------------------------------------------------------------

FLOAT_TRAP_COSTS = {"a": 7, "b": 5, "c": 2, "d": 10}
FLOAT_TRAP_BALLOTS = ["c", "ac", "bc", "bcd", "abcd", "acd"]


def test_mes_funds_a_project_its_supporters_afford_exactly_though_floats_say_no():
    # Six voters share a budget of 2: 1/3 each. Project c costs 2 and all six support it:
    # exactly affordable, but six float thirds add up to just under 2.
    assert sum([2 / 6] * 6) < 2
    ballots = [dict.fromkeys(b, 1) for b in FLOAT_TRAP_BALLOTS]
    assert naive_mes(FLOAT_TRAP_COSTS, ballots, 2 / 6, num=float) == []
    outcome = compute(Instance(FLOAT_TRAP_COSTS, 2), approval(*FLOAT_TRAP_BALLOTS), "mes")
    assert outcome.selected == ("c",)
    result = outcome.projects["c"]
    assert result.supporters_money == 2 and result.max_payment == Fraction(1, 3)
    assert result.rho == Fraction(1, 6)


# --- MES tie-breaking: lowest cost, then most votes, then input order ----------------------


def test_mes_tie_goes_to_the_lowest_cost():
    # Both voters back both; each project costs each voter half of it: price 1/2 for both.
    outcome = compute(Instance({"b": 20, "a": 10}, 30), approval("ab", "ab"), "mes")
    assert outcome.selected == ("a", "b")
    assert outcome.projects["a"].tied_with == ("b",)
    assert outcome.projects["a"].rho == outcome.projects["b"].rho == Fraction(1, 2)


def test_mes_tie_at_equal_cost_goes_to_the_most_votes():
    # a: one voter with 2 points; b: two voters with 1 point. Same cost, same price 1/2.
    profile = cumulative({"a": 2, "b": 1}, {"b": 1})
    outcome = compute(Instance({"a": 10, "b": 10}, 20), profile, "mes")
    assert outcome.selected == ("b",)
    assert outcome.projects["b"].tied_with == ("a",)
    assert outcome.projects["a"].status == "unaffordable"
    assert outcome.projects["a"].supporters_money == 5


@pytest.mark.parametrize("order", ["xy", "yx"])
def test_mes_full_tie_goes_to_input_order(order):
    costs = {p: 10 for p in order}
    outcome = compute(Instance(costs, 10), approval("xy", "xy"), "mes")
    assert outcome.selected == (order[0],)
    assert outcome.projects[order[1]].status == "unaffordable"


# --- greedy forms --------------------------------------------------------------------------


@pytest.mark.parametrize("order", ["pq", "qp"])
def test_greedy_tie_goes_to_input_order(order):
    outcome = compute(Instance({p: 6 for p in order}, 10), approval("pq", "pq"), "greedy")
    assert outcome.selected == (order[0],)
    assert outcome.projects[order[1]].status == "did-not-fit"
    assert outcome.projects[order[1]].remaining_before == 4


def test_greedy_skips_no_skip_stops_threshold_filters():
    instance = Instance({"a": 60, "b": 50, "c": 30, "d": 10}, 100)
    profile = approval("abcd", "abc", "ab", "a", "d")  # votes a4 b3 c2 d2
    assert compute(instance, profile, "greedy").selected == ("a", "c", "d")
    no_skip = compute(instance, profile, "greedy-no-skip")
    assert no_skip.selected == ("a",)
    assert no_skip.projects["b"].status == "stopped"
    assert no_skip.projects["c"].status == "not-reached"
    threshold = compute(instance, profile, "greedy-threshold", threshold=3)
    assert threshold.selected == ("a",)
    assert threshold.projects["c"].status == "below-threshold"
    assert threshold.projects["b"].status == "did-not-fit"
    assert threshold.cost == 60


def test_greedy_counts_points_for_cumulative_and_ranked_scoring_for_ordinal():
    instance = Instance({"a": 5, "b": 5}, 5)
    points = cumulative({"a": 1}, {"a": 1}, {"b": 3})
    assert compute(instance, points, "greedy").selected == ("b",)
    ranked = Profile.from_votes("ordinal", [(("a", "b"), None), (("a", "b"), None), (("b",), None)])
    # Borda 2-1 gives a 4, b 4: a tie, input order; first-place-only gives a 2, b 1.
    assert compute(instance, ranked, "greedy").selected == ("a",)
    assert compute(instance, ranked, "greedy", ranked_scoring=borda(2)).projects["b"].score == 4
    plurality = compute(instance, ranked, "greedy", ranked_scoring=lambda pos: int(pos == 0))
    assert plurality.projects["a"].score == 2 and plurality.projects["b"].score == 1


def test_explanations_read_as_plain_english():
    instance = Instance({"a": 60, "b": 50}, 100)
    greedy = compute(instance, approval("ab", "a"), "greedy")
    assert greedy.explain("b") == "Not funded: 1 in support, but cost 50 with 40 left."
    mes = compute(instance, approval("ab", "a"), "mes")
    assert mes.explain("a").startswith("Funded in round 1: its 2 supporters had 100 left")
    assert "less than its cost of 50" in mes.explain("b")
    assert mes.explain("a", "GBP").startswith("Funded in round 1: its 2 supporters had £100 left")
    assert "each paid at most £30 per point of support." in mes.explain("a", "GBP")
    assert "less than its cost of €50" in mes.explain("b", "EUR")
    assert "price" not in mes.explain("a")


def test_bad_requests_are_refused():
    instance = Instance({"a": 1}, 1)
    with pytest.raises(ValueError, match="unknown rule"):
        compute(instance, approval("a"), "random-dictator")
    with pytest.raises(ValueError, match="threshold"):
        compute(instance, approval("a"), "greedy-threshold")
    with pytest.raises(ValueError, match="unknown project"):
        compute(instance, approval("z"), "greedy")
    with pytest.raises(ValueError):
        Instance({"a": 1.5}, 1)  # type: ignore[dict-item]
    assert set(RULES) == {"greedy", "greedy-no-skip", "greedy-threshold", "mes", "mes-add1"}


def test_identical_ballots_are_grouped():
    profile = approval("ab", "ba", "a", "ab")
    assert profile.num_voters == 4
    assert profile.ballots == {(("a", "b"), None): 3, (("a",), None): 1}


# --- against the naive exact MES on random instances ----------------------------------------


def _random_instance(rng: random.Random, points: bool):
    costs = {f"p{j}": rng.choice([0, 1, 2, 3, 5, 6, 7, 10, 12]) for j in range(rng.randint(2, 6))}
    ballots = []
    for _ in range(rng.randint(1, 9)):
        chosen = [p for p in costs if rng.random() < 0.5]
        ballots.append({p: rng.randint(1, 3) if points else 1 for p in chosen})
    return costs, ballots, rng.choice([1, 2, 3, 7, 10, 20])


def _profile(ballots, points: bool) -> Profile:
    if points:
        return Profile.from_votes("cumulative", [(tuple(b), tuple(b.values())) for b in ballots])
    return Profile.from_votes("approval", [(tuple(b), None) for b in ballots])


@pytest.mark.parametrize("points", [False, True], ids=["approval", "cumulative"])
def test_mes_and_add1_match_the_naive_exact_definition(points):
    rng = random.Random(20240 + points)
    for _ in range(300):
        costs, ballots, budget = _random_instance(rng, points)
        instance, profile = Instance(costs, budget), _profile(ballots, points)
        expected = naive_mes(costs, ballots, Fraction(budget, len(ballots)))
        assert list(compute(instance, profile, "mes").selected) == expected
        supported = sum(c for p, c in costs.items() if any(p in b for b in ballots))
        add1 = compute(instance, profile, "mes-add1")
        if supported <= budget:  # Add1 never overspends: everything supported is funded
            assert set(add1.selected) == {p for p in costs if any(p in b for b in ballots)}
        else:
            assert list(add1.selected) == naive_mes_add1(costs, ballots, budget)
        assert add1.cost <= budget


def test_mes_picks_the_exact_winner_where_floats_pick_another():
    # Found by random search: with shares of 3/7, float rounding changes which project is
    # cheapest per unit of benefit in the first round.
    costs = {"p0": 1, "p1": 1, "p2": 3, "p3": 2}
    voters = ["p0 p1 p2", "p1 p2 p3", "p0 p2 p3", "p2 p3", "p0 p1 p2 p3", "p0 p1 p2", "p2 p3"]
    ballots = [dict.fromkeys(v.split(), 1) for v in voters]
    assert naive_mes(costs, ballots, 3 / 7, num=float) == ["p3"]
    assert naive_mes(costs, ballots, Fraction(3, 7)) == ["p2"]
    profile = Profile.from_votes("approval", [(tuple(v.split()), None) for v in voters])
    assert compute(Instance(costs, 3), profile, "mes").selected == ("p2",)
