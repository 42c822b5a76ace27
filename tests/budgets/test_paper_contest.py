"""A paper ballot entered for a resident is shown to them; they can contest it; a moderator
who did not enter it decides; both acts are logged without tying the resident to the ballot."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from civic import audit
from civic.audit.models import AuditEntry
from civic.budgets import contests, services
from civic.budgets.models import Ballot, BallotContest, BallotEntry, ContestState, Phase
from civic.contests import flow
from civic.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from civic.extensions import db
from civic.paper import services as paper_forms
from tests.budgets.rounds_helpers import enter_paper, make_round, resident_of
from tests.conftest import csrf_token, login
from tests.factories import MembershipFactory, ModeratorFactory, UserFactory


def _entries(action: str) -> list[dict]:
    rows = db.session.scalars(
        select(AuditEntry.body).where(AuditEntry.action == action).order_by(AuditEntry.seq)
    )
    return [json.loads(body) for body in rows]


@pytest.fixture
def entered():
    """A round in voting; its moderator entered a paper ballot for Rita (project a)."""
    round_, officer, projects = make_round()
    rita = resident_of(round_.area)
    enter_paper(officer, round_, [(projects[0].id, 1)], rita)
    return round_, officer, projects, rita


# --- services, per role -----------------------------------------------------------------


def test_the_resident_sees_the_paper_ballot_entered_for_her(entered):
    round_, officer, (a, *_rest), rita = entered
    ballot = contests.paper_ballot_for(round_, rita)
    assert ballot is not None and ballot.paper and ballot.entered_by_id == officer.id
    assert [e.project_id for e in ballot.entries] == [a.id]
    # her own voter key: it counts once, and she cannot also vote online
    assert ballot.voter_key == services.voter_key(round_, rita)
    with pytest.raises(Conflict, match="already voted on paper"):
        services.cast_ballot(rita, round_, [(a.id, 1)])
    assert contests.paper_ballot_for(round_, resident_of(round_.area)) is None


def test_only_that_resident_can_contest(entered):
    round_, officer, _projects, _rita = entered
    for someone in (resident_of(round_.area), officer, UserFactory()):
        with pytest.raises(NotFound, match="No paper ballot was entered for you"):
            contests.contest_paper_ballot(someone, round_, "Not mine")
    with pytest.raises(PermissionDenied):
        contests.contest_paper_ballot(None, round_, "Not mine")
    assert db.session.scalar(select(func.count()).select_from(BallotContest)) == 0


def test_contest_needs_a_reason_and_is_logged_under_a_scoped_pseudonym(entered):
    round_, _officer, _projects, rita = entered
    with pytest.raises(ValidationFailed, match="Say what is wrong"):
        contests.contest_paper_ballot(rita, round_, "   ")
    contest = contests.contest_paper_ballot(rita, round_, "I chose the playground, not this")
    assert contest.state is ContestState.OPEN and contest.ballot_id is not None
    with pytest.raises(Conflict, match="already contested"):
        contests.contest_paper_ballot(rita, round_, "Again")
    assert _entries("budget_ballot:contest") == []  # waits for its batch, like a ballot
    assert audit.release_pending(contest) == 1
    (entry,) = _entries("budget_ballot:contest")
    assert entry["actor"] != audit.pseudonym(rita.id)  # not the name her comments carry
    assert entry["subject"] == {"type": "budget_ballot_contest", "id": str(contest.id)}
    assert entry["data"] == {"round": round_.slug}  # nothing about the ballot or the reason
    assert contests.contests_of(round_, rita) == [contest]


def test_only_a_moderator_who_did_not_enter_it_resolves(entered):
    round_, officer, _projects, rita = entered
    contest = contests.contest_paper_ballot(rita, round_, "Not what I chose")
    with pytest.raises(PermissionDenied, match="moderators"):
        flow.resolve(rita, contest, "remove", "x")
    with pytest.raises(PermissionDenied, match="You entered this paper"):
        flow.resolve(officer, contest, "remove", "x")
    with pytest.raises(PermissionDenied):
        flow.queue(resident_of(round_.area))
    # a group's organiser can enter paper ballots but does not decide contests
    organiser = MembershipFactory(role="organiser").user
    with pytest.raises(PermissionDenied):
        flow.resolve(organiser, contest, "keep", "x")
    assert contest.state is ContestState.OPEN


def test_a_kept_ballot_stands_and_the_log_names_the_moderator_and_outcome_only(entered):
    round_, _officer, (a, *_rest), rita = entered
    contest = contests.contest_paper_ballot(rita, round_, "Not what I chose")
    other = ModeratorFactory()
    assert flow.queue(other) == [(contests.BALLOTS, contest)]
    with pytest.raises(ValidationFailed) as refused:
        flow.resolve(other, contest, "maybe", "")
    assert set(refused.value.errors) == {"outcome", "response"}
    flow.resolve(other, contest, "keep", "The signed form shows project 1.")
    assert contest.state is ContestState.KEPT and contest.resolver_id == other.id
    # the queued contest reached the log before the answer to it
    (asked,) = _entries("budget_ballot:contest")
    (answered,) = _entries("budget_ballot:contest_resolve")
    assert asked["seq"] < answered["seq"]
    assert contests.paper_ballot_for(round_, rita) is not None
    (entry,) = _entries("budget_ballot:contest_resolve")
    assert entry["actor"] == audit.pseudonym(other.id)
    assert entry["data"] == {"round": round_.slug, "outcome": "kept"}
    assert a.title not in json.dumps(entry) and "signed form" not in json.dumps(entry)
    with pytest.raises(Conflict, match="already decided"):
        flow.resolve(other, contest, "remove", "Changed my mind")


def test_a_kept_ballot_cannot_be_contested_again_nor_typed_over(entered):
    round_, officer, (_a, b, *_rest), rita = entered
    first = contests.contest_paper_ballot(rita, round_, "Not what I chose")
    flow.resolve(ModeratorFactory(), first, "keep", "The signed form says a.")
    # a second contest would hold the results back again, however often she asked
    with pytest.raises(Conflict, match=r"decided on .* that this ballot stands"):
        contests.contest_paper_ballot(rita, round_, "Still not what I chose")
    assert services.open_contest_count(round_) == 0
    # nor can an officer type another paper over it: the one that stands stays
    with pytest.raises(Conflict, match="one paper never replaces another"):
        enter_paper(officer, round_, [(b.id, 1)], rita)
    assert services.current_choice(round_, rita) == [(_a.id, 1)]


def test_a_removed_ballot_is_gone_and_the_resident_can_vote_again(entered):
    round_, _officer, (_a, b, *_rest), rita = entered
    contest = contests.contest_paper_ballot(rita, round_, "I never filled one in")
    flow.resolve(ModeratorFactory(), contest, "remove", "The form was not yours.")
    assert contest.state is ContestState.REMOVED and contest.ballot_id is None
    assert contests.paper_ballot_for(round_, rita) is None
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 0
    assert db.session.scalar(select(func.count()).select_from(BallotEntry)) == 0
    services.cast_ballot(rita, round_, [(b.id, 1)])  # online now
    assert services.ballot_count(round_) == (1, 0)
    assert contests.contests_of(round_, rita)[0].state is ContestState.REMOVED


def test_results_wait_for_open_contests_and_removing_after_results_is_refused(entered):
    round_, officer, _projects, rita = entered
    contest = contests.contest_paper_ballot(rita, round_, "Wrong projects")
    with pytest.raises(Conflict, match="1 paper ballot is contested"):
        services.advance_phase(officer, round_, Phase.RESULTS, reason="Closed early for the test")
    assert round_.phase is Phase.VOTING
    flow.resolve(ModeratorFactory(), contest, "keep", "Checked the form.")
    services.advance_phase(officer, round_, Phase.RESULTS, reason="Closed early for the test")
    assert round_.phase is Phase.RESULTS
    with pytest.raises(Conflict, match="frozen"):
        contests.contest_paper_ballot(rita, round_, "Still wrong")


# --- the whole flow over HTTP -----------------------------------------------------------


def _post(client, url, data, page):
    return client.post(url, data={"csrf_token": csrf_token(client, page), **data})


def test_the_whole_flow_through_the_pages(client, app):
    round_, officer, (a, b, *_rest) = make_round()
    rita = resident_of(round_.area)
    paper = f"/budgets/{round_.slug}/paper"
    paper_forms.issue_papers(officer, round_, 1)
    login(client, officer)
    entered = _post(
        client, paper, {"email": rita.email, "project": [str(a.id)], "paper_number": "1"}, paper
    )
    assert entered.status_code == 302

    resident = app.test_client()
    login(resident, rita)
    ballot_url = f"/budgets/{round_.slug}/ballot"
    page = resident.get(ballot_url).get_data(as_text=True)
    assert "A paper ballot was entered for you on" in page and officer.display_name in page
    assert a.title in page and "Contest this ballot" in page
    assert "Save my ballot" not in page  # no online ballot beside the paper one
    round_page = resident.get(f"/budgets/{round_.slug}").get_data(as_text=True)
    assert "A paper ballot was entered for you" in round_page

    contest_url = f"/budgets/{round_.slug}/ballot/contest"
    empty = _post(resident, contest_url, {"reason": ""}, ballot_url)
    refused = empty.get_data(as_text=True)
    assert empty.status_code == 422 and "Say what is wrong" in refused
    assert "<title>Error: " in refused  # a screen reader hears the error first
    sent = _post(resident, contest_url, {"reason": "I chose project 2"}, ballot_url)
    assert sent.status_code == 302
    assert "Waiting for a moderator" in resident.get(ballot_url).get_data(as_text=True)

    # the officer who entered it sees it but cannot decide; another moderator does
    queue = client.get("/contests").get_data(as_text=True)
    assert "I chose project 2" in queue and "another moderator must decide" in queue
    contest = db.session.scalars(select(BallotContest)).one()
    resolve_url = f"/contests/budget_ballot/{contest.id}"
    own = client.post(resolve_url, data={"csrf_token": csrf_token(client, "/contests")})
    assert own.status_code == 403

    other = app.test_client()
    login(other, ModeratorFactory())
    missing = _post(other, resolve_url, {"outcome": "", "response": ""}, "/contests")
    body = missing.get_data(as_text=True)
    assert missing.status_code == 422 and "Choose whether to remove the paper entry" in body
    removed = _post(
        other,
        resolve_url,
        {"outcome": "remove", "response": "The form shows project 2."},
        "/contests",
    )
    assert removed.status_code == 302

    page = resident.get(ballot_url).get_data(as_text=True)
    assert "Removed: the paper entry was taken out" in page
    assert "The form shows project 2." in page and "Save my ballot" in page
    again = _post(resident, ballot_url, {"project": [str(b.id)]}, ballot_url)
    assert again.status_code == 302
    assert services.ballot_count(round_) == (1, 0)
    actions = [e["action"] for e in _entries("budget_ballot:contest")] + [
        e["action"] for e in _entries("budget_ballot:contest_resolve")
    ]
    assert actions == ["budget_ballot:contest", "budget_ballot:contest_resolve"]


def test_pages_refuse_the_wrong_people_before_reading_the_form(client, entered):
    round_, _officer, _projects, rita = entered
    contest = contests.contest_paper_ballot(rita, round_, "Secret reason: my neighbour Bob")
    neighbour = resident_of(round_.area)
    login(client, neighbour)
    ballot_url = f"/budgets/{round_.slug}/ballot"
    refused = client.post(
        f"/budgets/{round_.slug}/ballot/contest",
        data={"csrf_token": csrf_token(client, ballot_url), "reason": ""},
    )
    assert refused.status_code == 404
    assert client.get("/contests").status_code == 403
    assert client.get("/budgets/contests").status_code == 403  # the old address too
    for data in ({"outcome": "bogus", "response": ""}, {"outcome": "remove", "response": "x"}):
        response = client.post(
            f"/contests/budget_ballot/{contest.id}",
            data={"csrf_token": csrf_token(client, ballot_url), **data},
        )
        assert response.status_code == 403
        assert "Secret reason" not in response.get_data(as_text=True)
    assert contest.state is ContestState.OPEN


def test_no_round_can_take_the_contests_page_address():
    round_, moderator, _projects = make_round()
    settings = services.RoundSettings(
        title="Clash",
        slug="contests",
        description="",
        amount=100_00,
        currency="GBP",
        dates=[
            round_.ideas_from,
            round_.review_from,
            round_.voting_from,
            round_.results_from,
            round_.delivery_from,
        ],
        ballot_kind=round_.ballot_kind,
        rule="greedy",
    )
    for slug in ("contests", "new"):
        with pytest.raises(ValidationFailed, match="another budgets page"):
            services.create_round(moderator, round_.area, replace(settings, slug=slug))
