"""Anyone holding the published results.json and ballots.json can recount a round: the same
input digest and the same winners, for every kind of ballot and with paper ballots."""

from __future__ import annotations

import json

import pytest

from civic.budgets import services
from civic.budgets.ballots import MINOR_PER_UNIT
from civic.budgets.models import Phase
from civic.budgets.rules import Instance, Profile, borda, compute
from tests.budgets.rounds_helpers import KINDS, enter_paper, make_round, resident_of


def recount(published: dict, ballots: list[dict]) -> tuple[str, list[str]]:
    """The outsider's recount, from the two public files alone: (input digest, winners)."""
    settings = published["recount"]
    instance = Instance(
        {p["id"]: p["cost"] // MINOR_PER_UNIT for p in published["projects"]},
        published["budget"] // MINOR_PER_UNIT,
    )
    profile = Profile.from_votes(
        settings["vote_type"],
        [
            (tuple(b["projects"]), tuple(b["points"]) if settings["points"] else None)
            for b in ballots
        ],
    )
    top = settings["borda_top"]
    outcome = compute(
        instance,
        profile,
        published["rule"],
        threshold=settings["threshold"],
        ranked_scoring=borda(top) if top else None,
    )
    return services.input_digest(instance, profile), list(outcome.selected)


@pytest.mark.parametrize("rule", ["greedy", "mes-add1"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_published_ballots_reproduce_the_published_result(client, kind, rule):
    settings, votes = KINDS[kind]
    round_, moderator, projects = make_round(kind, rule=rule, **settings)
    for n, (indexes, points) in enumerate(votes * 3):
        choice = [(projects[i].id, p) for i, p in zip(indexes, points or [1] * 3, strict=False)]
        voter = resident_of(round_.area)
        if n % 4 == 0:  # a paper ballot, typed in by the moderator
            enter_paper(moderator, round_, choice, voter)
        else:
            services.cast_ballot(voter, round_, choice)
    services.advance_phase(moderator, round_, Phase.RESULTS, reason="Counted early for the test")

    published = json.loads(client.get(f"/budgets/{round_.slug}/results.json").data)
    ballots = json.loads(client.get(f"/budgets/{round_.slug}/ballots.json").data)
    assert published["ballots"] == len(ballots) == len(votes) * 3
    assert published["paper_ballots"] == sum(b["paper"] for b in ballots) == 3
    digest, winners = recount(published, ballots)
    assert digest == published["input_digest"]
    assert winners == published["selected"] and winners  # somebody won

    # a ballot dropped from the file changes the digest: a recount notices a doctored file
    assert recount(published, ballots[1:])[0] != published["input_digest"]
