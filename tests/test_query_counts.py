"""Main pages send as many SQL statements with much data as with little (issue 16): no page
loads its rows one query at a time. The matrix's world is the small data set; then more of
everything is added (rounds, consultations and proposals in new areas, ballots, responses,
votes, comments, contracts, audit entries) and each page must send the same number of
statements again.
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from civic.budgets import services as budgets
from civic.budgets.models import BudgetRound, Phase
from civic.consultations import services as consultations
from civic.extensions import db
from civic.votes import services as votes
from civic.votes.models import Proposal, ProposalState
from tests.budgets.rounds_helpers import make_round
from tests.conftest import login
from tests.consultations.helpers import make_consultation
from tests.discussions.bulk import make_thread
from tests.factories import ContractFactory
from tests.queries import count_queries, statements
from tests.votes.helpers import make_proposal
from tests.world import ANONYMOUS, ELIGIBLE, MODERATOR, World, _eligible, _user, build_world

PAGES = {
    "home": "/",
    "rounds": "/budgets",
    "round": "/budgets/{voting_round}",
    "round in results": "/budgets/{results_round}",
    "results": "/budgets/{results_round}/results",
    "project": "/budgets/{voting_round}/projects/{project_id}",
    "consultations": "/consultations",
    "consultation": "/consultations/{consultation_id}",
    "votes": "/votes",
    "proposal": "/votes/{proposal_id}",
    "proposals API": "/api/v1/proposals",
    "thread": "/discussions/{subject_type}/{subject_id}",
    "audit": "/audit",
    "audit entry": "/audit/entries/{seq}",
    "contracts": "/contracts",
    "scorecard": "/scorecard",
    "scorecard API": "/api/v1/scorecard",
    "search": "/search?q=bins",
}


def _grow(world: World, n: int) -> None:
    """`n` more of everything the main pages list or count."""
    values = world.values
    voting = db.session.query(BudgetRound).filter_by(slug=values["voting_round"]).one()
    proposal = db.session.get(Proposal, values["proposal_id"])
    consultation = consultations.get_consultation(values["consultation_id"])
    questions = list(consultation.questions)
    area = voting.area
    for _ in range(n):
        make_round(phase=Phase.VOTING)
        make_consultation()
        make_proposal(ProposalState.VOTING)
        ContractFactory(area=area)
        voter = _eligible(_user(), area)
        budgets.cast_ballot(voter, voting, [(values["project_id"], 1)])
        votes.cast_vote(voter, proposal, "for")
        answers = {q.id: "0" if q.kind.value == "single" else "Fewer bins" for q in questions}
        consultations.save_response(voter, consultation, answers, submit=True)
    author = _user()
    make_thread("area", values["subject_id"], 40 * n, [author.id])
    db.session.flush()


def _counts(client: FlaskClient, world: World) -> dict[str, int]:
    return {name: count_queries(client, url.format(**world.values)) for name, url in PAGES.items()}


@pytest.mark.parametrize("viewer", [ANONYMOUS, ELIGIBLE, MODERATOR])
def test_main_pages_send_as_many_statements_with_more_data(client, viewer):
    world = build_world()
    if world.users[viewer] is not None:
        login(client, world.users[viewer])
    _grow(world, 1)
    small = _counts(client, world)
    _grow(world, 6)
    large = _counts(client, world)
    grew = {name: (small[name], large[name]) for name in PAGES if large[name] != small[name]}
    assert not grew, grew


def test_proposal_page_counts_its_electorate_and_votes_once(client):
    """The load benchmark (issue 16) found the proposal page counting the area's eligible
    residents and the votes cast twice per view: the exact turnout and the public one."""

    proposal, _, _ = make_proposal(ProposalState.VOTING)
    with statements() as seen:
        page = client.get(f"/votes/{proposal.id}")
    assert page.status_code == 200
    electorate = [s for s in seen if "count(" in s.lower() and "eligibility" in s]
    votes_cast = [s for s in seen if "count(" in s.lower() and "vote_cast" in s]
    assert len(electorate) == 1, electorate
    assert len(votes_cast) == 1, votes_cast


@pytest.mark.parametrize("page", ["home", "round in results"])
def test_pages_do_not_read_the_result_rows_large_columns(client, page):
    """A city round's result row holds its per-project figures and the rule's detail (JSON
    of hundreds of kilobytes): the home page and the round page show only its counts, and
    decoding the rest on every view was most of their CPU in the load benchmark (issue 16).
    """
    world = build_world()
    with statements() as seen:
        response = client.get(PAGES[page].format(**world.values))
    assert response.status_code == 200
    reads = [s for s in seen if "budget_result" in s and s.lstrip().upper().startswith("SELECT")]
    assert reads, "the page shows a result's counts, so it reads budget_result"
    heavy = [s for s in reads if "budget_result.projects" in s or "budget_result.detail" in s]
    assert not heavy, heavy
