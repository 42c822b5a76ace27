"""The verifier's independent rules and fingerprint against Civic's own (`budgets/rules.py`,
`rules.input_digest`): on every Pabulib file in tests/data/pabulib and on random small
instances. They share no code, so agreement here means a recount by an outsider agrees
with what Civic publishes."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civic.audit.verifier import input_fingerprint, read_pabulib, recount_rule
from civic.budgets.pabulib import parse_file
from civic.budgets.rules import RULES, Instance, Profile, borda, compute, input_digest
from civic.budgets.tally import compute_for_file, file_threshold, instance_and_profile

DATA = Path(__file__).resolve().parent.parent / "data" / "pabulib"
FILES = sorted(DATA.glob("*.pb"))
# MES-Add1 reruns MES once per unit added to every share; in exact fractions that takes
# the verifier a minute on the largest Warsaw files. Above this (increment x distinct
# ballots x projects) the test checks the two runs that decide Add1's answer instead.
ADD1_FULL_LOOP_LIMIT = 3_000_000


def _borda_top(pb) -> int | None:
    value = pb.meta.get("max_length", "")
    return int(value) if value.isdigit() else None


def _independent(pb, data, rule, **kwargs):
    return recount_rule(
        rule,
        data.projects,
        data.budget,
        pb.vote_type,
        data.votes,
        threshold=kwargs.get("threshold"),
        borda_top=_borda_top(pb),
    )


@pytest.mark.parametrize("path", FILES, ids=[p.name[:40] for p in FILES])
def test_reader_and_fingerprint_agree_with_civic_on_every_file(path):
    pb = parse_file(path)
    data = read_pabulib(path.read_text(encoding="utf-8-sig"))
    assert data.projects == [(p.project_id, p.cost) for p in pb.projects]
    assert data.budget == pb.budget and len(data.votes) == len(pb.votes)
    instance, profile = instance_and_profile(pb)
    assert input_fingerprint(data.budget, data.projects, pb.vote_type, data.votes) == (
        input_digest(instance, profile)
    )


@pytest.mark.parametrize("rule", ["greedy", "greedy-no-skip", "greedy-threshold", "mes"])
@pytest.mark.parametrize("path", FILES, ids=[p.name[:40] for p in FILES])
def test_rules_agree_with_civic_on_every_file(path, rule):
    pb = parse_file(path)
    threshold = file_threshold(pb) or (1000 if rule == "greedy-threshold" else None)
    data = read_pabulib(path.read_text(encoding="utf-8-sig"))
    civic = compute_for_file(pb, rule, threshold=threshold if rule != "mes" else None)
    ours = _independent(pb, data, rule, threshold=threshold if rule != "mes" else None)
    assert ours.selected == civic.selected
    assert ours.cost == civic.cost
    assert ours.support == {p: (r.votes, r.score) for p, r in civic.projects.items()}
    if rule == "mes":
        assert ours.share == civic.share


@pytest.mark.parametrize("path", FILES, ids=[p.name[:40] for p in FILES])
def test_mes_add1_agrees_with_civic_on_every_file(path):
    pb = parse_file(path)
    data = read_pabulib(path.read_text(encoding="utf-8-sig"))
    civic = compute_for_file(pb, "mes-add1")
    distinct = len({(v.vote, v.points) for v in pb.votes})
    supported = sum(r.cost for r in civic.projects.values() if r.votes)
    # when every supported project fits, Add1 funds them all without looping
    if supported <= data.budget or (
        civic.increment * distinct * len(pb.projects) <= ADD1_FULL_LOOP_LIMIT
    ):
        ours = _independent(pb, data, "mes-add1")
        assert (ours.selected, ours.share, ours.increment) == (
            civic.selected,
            civic.share,
            civic.increment,
        )
        return
    # the deciding runs: plain MES from Civic's final share gives its winners, and one unit
    # more per voter overspends (so the loop stops exactly there)
    budget, voters = data.budget, len(data.votes)
    for increment in (civic.increment, civic.increment + 1):
        virtual = budget + increment * voters  # MES from (budget + k * voters) / voters
        run = recount_rule("mes", data.projects, virtual, pb.vote_type, data.votes)
        assert run.share == civic.share + (increment - civic.increment)
        if increment == civic.increment:
            assert run.selected == civic.selected
        else:
            assert run.cost > budget


@st.composite
def elections(draw):
    n = draw(st.integers(1, 6))
    projects = ["a", "b", "c", "d", "e", "f"][:n]
    costs = [(p, draw(st.integers(0, 20))) for p in projects]
    vote_type = draw(st.sampled_from(["approval", "choose-1", "ordinal", "cumulative"]))
    votes = []
    for _ in range(draw(st.integers(0, 8))):
        chosen = draw(st.lists(st.sampled_from(projects), max_size=4))
        points = None
        if vote_type == "cumulative":
            points = tuple(draw(st.integers(-1, 3)) for _ in chosen)
        votes.append((tuple(chosen), points))
    return {
        "costs": costs,
        "budget": draw(st.integers(0, 60)),
        "vote_type": vote_type,
        "votes": votes,
        "rule": draw(st.sampled_from(RULES)),
        "threshold": draw(st.one_of(st.none(), st.integers(0, 6))),
        "borda_top": draw(st.one_of(st.none(), st.integers(1, 4))),
    }


@settings(max_examples=300, deadline=None)
@given(elections())
def test_rules_and_fingerprint_agree_with_civic_on_random_elections(e):
    threshold = e["threshold"]
    if e["rule"] == "greedy-threshold" and threshold is None:
        threshold = 1
    instance = Instance(dict(e["costs"]), e["budget"])
    profile = Profile.from_votes(e["vote_type"], e["votes"])
    top = e["borda_top"]
    civic = compute(
        instance,
        profile,
        e["rule"],
        threshold=threshold,
        ranked_scoring=borda(top) if top else None,
    )
    ours = recount_rule(
        e["rule"],
        e["costs"],
        e["budget"],
        e["vote_type"],
        e["votes"],
        threshold=threshold,
        borda_top=top,
    )
    assert ours.selected == civic.selected
    assert ours.cost == civic.cost
    assert ours.support == {p: (r.votes, r.score) for p, r in civic.projects.items()}
    assert (ours.share, ours.increment) == (civic.share, civic.increment)
    fingerprint = input_fingerprint(e["budget"], e["costs"], e["vote_type"], e["votes"])
    assert fingerprint == input_digest(instance, profile)


@pytest.mark.parametrize(
    ("costs", "votes", "expected"),
    [
        # equal price per unit of benefit and equal cost: the project more voters chose first
        ([("A", 10), ("B", 10)], [(("A",), (2,)), (("B",), (1,)), (("B",), (1,))], ("B", "A")),
        # equal price, different costs: the cheaper first
        ([("A", 20), ("B", 10)], [(("A", "B"), (1, 1))] * 3, ("B", "A")),
        # equal in everything: ballot-paper order
        ([("A", 10), ("B", 10)], [(("A", "B"), (1, 1))] * 3, ("A", "B")),
    ],
)
def test_mes_ties_fall_as_civic_states_them(costs, votes, expected):
    ours = recount_rule("mes", costs, 30, "cumulative", votes)
    civic = compute(Instance(dict(costs), 30), Profile.from_votes("cumulative", votes), "mes")
    assert ours.selected == civic.selected == expected
