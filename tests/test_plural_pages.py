"""Counts agree with their nouns on the pages and messages of budgets, votes, discussions
and audit (issue 12: "from 1 ballot", not "from 1 ballots"), through civic.wording."""

from __future__ import annotations

import re

import pytest

from civic.budgets import services as budgets
from civic.budgets.models import BallotKind, Phase
from civic.errors import Conflict
from tests.budgets.rounds_helpers import make_round, resident_of
from tests.conftest import csrf_token, login

# "1" followed by a plural noun, as text (not inside a longer number such as 21 or 1,001)
ONE_PLURAL = re.compile(
    r"(?<![\d,.])1 (ballots|projects|points|comments|replies|responses|entries|reports|times"
    r"|minutes|eligible residents|paper ballots)\b"
)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_results_from_one_ballot_say_so_in_the_singular(client):
    # one project fills the budget, so greedy funds exactly one
    round_, moderator, (a, *_rest) = make_round(amount_pounds=400, costs=(400, 400, 400))
    budgets.cast_ballot(resident_of(round_.area), round_, [(a.id, 1)])
    budgets.advance_phase(moderator, round_, Phase.RESULTS, reason="Early, for the test")
    page = _text(client.get(f"/budgets/{round_.slug}/results").get_data(as_text=True))
    assert "from 1 ballot" in page and "1 project funded" in page
    assert not ONE_PLURAL.search(page), ONE_PLURAL.search(page)


def test_ballot_pages_with_limits_of_one_speak_in_the_singular(client):
    round_, _, (a, b, *_rest) = make_round(BallotKind.K_OF_N, max_projects=1)
    login(client, resident_of(round_.area))
    url = f"/budgets/{round_.slug}/ballot"
    page = _text(client.get(url).get_data(as_text=True))
    assert "Choose up to 1 project." in page
    refused = client.post(
        url, data={"csrf_token": csrf_token(client, url), "project": [a.id, b.id]}
    ).get_data(as_text=True)
    assert "Choose at most 1 project; you chose 2" in refused
    assert not ONE_PLURAL.search(_text(refused))


def test_a_cumulative_ballot_of_one_point_a_project(client):
    round_, _, _projects = make_round(BallotKind.CUMULATIVE, points=1)
    login(client, resident_of(round_.area))
    page = _text(client.get(f"/budgets/{round_.slug}/ballot").get_data(as_text=True))
    assert "Share out your 1 point" in page and not ONE_PLURAL.search(page)
    assert "(1 point)" in _text(client.get(f"/budgets/{round_.slug}").get_data(as_text=True))


def test_service_messages_count_in_words():
    round_, moderator, _ = make_round(phase=Phase.IDEAS)
    budgets.propose_project(
        resident_of(round_.area), round_, title="Late idea", description="d", cost_units=10
    )
    budgets.advance_phase(moderator, round_, Phase.REVIEW)
    with pytest.raises(Conflict, match=r"^1 project still awaits review"):
        budgets.advance_phase(moderator, round_, Phase.VOTING, reason="Early, for the test")
