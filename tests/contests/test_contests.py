"""One queue and one resolution form for every kind of contested paper entry: budget
ballots, paper votes and paper consultation responses; one vocabulary of outcomes."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from civic import audit
from civic.audit.models import AuditEntry
from civic.budgets import contests as ballot_contests
from civic.budgets.models import BallotContest
from civic.contests import flow
from civic.contests.states import ContestState
from civic.errors import Conflict, PermissionDenied
from civic.extensions import db
from civic.groups import paper as group_paper
from civic.groups import paper_contests as group_contests
from civic.paper import contests as paper_contests
from civic.paper import services as paper
from civic.receipts import codes as receipts
from civic.votes import services as votes
from civic.votes.models import ProposalState
from tests.budgets.rounds_helpers import enter_paper, make_round, resident_of
from tests.conftest import csrf_token, login
from tests.factories import AdminFactory, ModeratorFactory
from tests.groups.helpers import make_group, voting_motion
from tests.votes.helpers import make_proposal, residents


@pytest.fixture
def both():
    """An open contest of each kind: Rita's paper budget ballot, Paul's paper vote. Each
    was entered by its own officer."""
    round_, ballot_officer, projects = make_round()
    rita = resident_of(round_.area)
    enter_paper(ballot_officer, round_, [(projects[0].id, 1)], rita)
    ballot_row = ballot_contests.contest_paper_ballot(rita, round_, "Not the projects I chose")
    proposal, vote_officer, area = make_proposal(ProposalState.VOTING)
    (paul,) = residents(area, 1)
    paper.issue_papers(vote_officer, proposal, 3)
    paper.enter_vote(
        vote_officer, proposal, choice="for", paper_number="1", email=paul.email, check="bill"
    )
    vote_row = paper_contests.contest(paul, proposal, "I never voted on paper")
    return {
        "round": round_,
        "rita": rita,
        "ballot_officer": ballot_officer,
        "ballot_row": ballot_row,
        "proposal": proposal,
        "paul": paul,
        "vote_officer": vote_officer,
        "vote_row": vote_row,
    }


# --- the queue ----------------------------------------------------------------------------


def test_the_queue_lists_every_kind_oldest_first(both):
    queued = flow.queue(ModeratorFactory())
    assert queued == [
        (ballot_contests.BALLOTS, both["ballot_row"]),
        (paper_contests.PAPERS, both["vote_row"]),
    ]
    with pytest.raises(PermissionDenied):
        flow.queue(both["rita"])
    with pytest.raises(PermissionDenied):
        flow.queue(None)


def test_only_moderators_see_the_queue_page(client, app, both):
    assert client.get("/contests").status_code == 302  # to sign in
    assert "/accounts/sign-in" in client.get("/contests").headers["Location"]
    login(client, both["rita"])
    assert client.get("/contests").status_code == 403
    for staff in (ModeratorFactory(), AdminFactory()):
        other = app.test_client()
        login(other, staff)
        page = other.get("/contests").get_data(as_text=True)
        assert "Not the projects I chose" in page and "I never voted on paper" in page
        assert both["round"].title in page and both["proposal"].title in page
        # one form, whose choices say what happens to the entry, for each kind
        assert page.count("Remove the paper entry (the resident can take part again)") == 2
        assert page.count("Keep the paper entry") == 2
        assert "upheld" not in page.lower() and "voided" not in page.lower()


def test_the_old_queue_addresses_lead_to_the_one_queue(client, both):
    login(client, ModeratorFactory())
    for old in ("/budgets/contests", "/paper/contests"):
        moved = client.get(old)
        assert moved.status_code == 301 and moved.headers["Location"].endswith("/contests")
    # a form served by the old page still reaches the decision, with its body
    token = csrf_token(client, "/contests")
    for old, new in (
        (f"/budgets/contests/{both['ballot_row'].id}", "/contests/budget_ballot/"),
        (f"/paper/contests/{both['vote_row'].id}", "/contests/paper/"),
    ):
        moved = client.post(old, data={"csrf_token": token})
        assert moved.status_code == 308 and new in moved.headers["Location"]


def test_residents_are_refused_the_old_addresses_too(client, both):
    login(client, both["rita"])
    assert client.get("/budgets/contests").status_code == 403
    assert client.get("/paper/contests").status_code == 403


# --- the entering officer does not decide -------------------------------------------------


@pytest.mark.parametrize(
    ("row", "officer", "kind"),
    [
        ("ballot_row", "ballot_officer", "budget_ballot"),
        ("vote_row", "vote_officer", "paper"),
    ],
)
def test_the_entering_officer_cannot_resolve_either_kind(client, both, row, officer, kind):
    contest, entered_by = both[row], both[officer]
    with pytest.raises(PermissionDenied, match="You entered this paper"):
        flow.resolve(entered_by, contest, "keep", "It stands")
    login(client, entered_by)
    page = client.get("/contests").get_data(as_text=True)
    assert "You entered this paper, so another moderator must decide." in page
    refused = client.post(
        f"/contests/{kind}/{contest.id}",
        data={"csrf_token": csrf_token(client, "/contests"), "outcome": "keep", "response": "x"},
    )
    assert refused.status_code == 403
    assert contest.state is ContestState.OPEN


# --- outcomes, worded the same on both kinds ----------------------------------------------


def _residents_pages(app, both) -> list[str]:
    """Rita's ballot page and Paul's paper page, each as its resident reads it."""
    pages = []
    for resident, page in (
        (both["rita"], f"/budgets/{both['round'].slug}/ballot"),
        (both["paul"], f"/paper/proposal/{both['proposal'].id}/mine"),
    ):
        reader = app.test_client()
        login(reader, resident)
        pages.append(reader.get(page).get_data(as_text=True))
    return pages


def test_removing_either_kind_takes_the_entry_out_and_says_so(client, app, both):
    moderator = ModeratorFactory()
    login(client, moderator)
    for kind, row in (("budget_ballot", both["ballot_row"]), ("paper", both["vote_row"])):
        done = client.post(
            f"/contests/{kind}/{row.id}",
            data={
                "csrf_token": csrf_token(client, "/contests"),
                "outcome": "remove",
                "response": "The signature is not yours",
            },
        )
        assert done.status_code == 302
        assert row.state is ContestState.REMOVED
    assert ballot_contests.paper_ballot_for(both["round"], both["rita"]) is None
    assert votes.tally(both["proposal"]) == (0, 0)
    for text in _residents_pages(app, both):
        assert "Removed: the paper entry was taken out" in text
        assert "The signature is not yours" in text
    decided = client.get("/contests").get_data(as_text=True)
    assert "No paper entry is contested." in decided
    assert decided.count("Removed: the paper entry was taken out") == 2


def test_keeping_either_kind_leaves_the_entry_and_says_so(app, both):
    moderator = ModeratorFactory()
    for row in (both["ballot_row"], both["vote_row"]):
        assert flow.resolve(moderator, row, "keep", "Your signature matches") is ContestState.KEPT
    assert ballot_contests.paper_ballot_for(both["round"], both["rita"]) is not None
    assert votes.tally(both["proposal"]) == (1, 0)
    for text in _residents_pages(app, both):
        assert "Kept: the paper entry stands" in text
    # decided: a kept entry is not contested again and again, on either kind
    with pytest.raises(Conflict, match="stands"):
        ballot_contests.contest_paper_ballot(both["rita"], both["round"], "Still wrong")
    with pytest.raises(Conflict, match="stands"):
        paper_contests.contest(both["paul"], both["proposal"], "Still not mine")


def test_the_log_holds_the_new_words(both):
    moderator = ModeratorFactory()
    flow.resolve(moderator, both["ballot_row"], "remove", "Not yours")
    flow.resolve(moderator, both["vote_row"], "keep", "Yours")
    actions = ("budget_ballot:contest_resolve", "paper:contest_resolve")
    bodies = db.session.scalars(select(AuditEntry.body).where(AuditEntry.action.in_(actions)))
    outcomes = {
        body["action"]: body["data"]["outcome"] for body in (json.loads(raw) for raw in bodies)
    }
    assert outcomes == {"budget_ballot:contest_resolve": "removed", "paper:contest_resolve": "kept"}


def test_a_bad_outcome_re_renders_the_one_form_with_the_input_kept(client, both):
    login(client, ModeratorFactory())
    row = both["vote_row"]
    refused = client.post(
        f"/contests/paper/{row.id}",
        data={"csrf_token": csrf_token(client, "/contests"), "outcome": "upheld", "response": "Hi"},
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Choose whether to remove the paper entry or keep it" in page
    assert f'href="#outcome-paper-{row.id}-remove"' in page  # the summary links to the field
    assert f'id="outcome-paper-{row.id}-remove"' in page
    assert f'aria-describedby="outcome-paper-{row.id}-error"' in page  # the message by it
    assert ">Hi</textarea>" in page
    assert row.state is ContestState.OPEN


def test_an_unknown_kind_or_contest_is_not_found(client, both):
    login(client, ModeratorFactory())
    token = csrf_token(client, "/contests")
    for url in ("/contests/nothing/1", "/contests/paper/999999"):
        assert client.post(url, data={"csrf_token": token}).status_code == 404


# --- one open contest per entry, kept by the database -------------------------------------


def test_the_database_refuses_a_second_open_contest_of_one_ballot(both):
    first = both["ballot_row"]
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(
            BallotContest(
                round_id=first.round_id,
                ballot_id=first.ballot_id,
                voter_key=first.voter_key,
                reason="Sent twice at once",
                state=ContestState.OPEN,
                response="",
            )
        )
    count = db.session.scalar(select(func.count()).select_from(BallotContest))
    assert count == 1


# --- the log written before the words changed still counts ----------------------------------


def test_participation_counts_read_the_old_words_in_the_log(both):
    """Entries logged before migration 0044 said "voided" (a budget ballot removed) and
    "upheld" (a paper vote removed); the log is never rewritten, so both are still read."""
    round_, proposal = both["round"], both["proposal"]
    audit.release_pending()
    ballots_before = receipts.participation_count(round_.audit_subject)
    votes_before = receipts.participation_count(proposal.audit_subject)
    moderator = ModeratorFactory()
    audit.record(
        moderator,
        "budget_ballot:contest_resolve",
        both["ballot_row"],
        {"round": round_.slug, "outcome": "voided"},
    )
    audit.record(
        moderator,
        "paper:contest_resolve",
        proposal,
        {"contest": both["vote_row"].id, "paper": "V1-0001", "outcome": "upheld"},
    )
    assert receipts.participation_count(round_.audit_subject) == ballots_before - 1
    assert receipts.participation_count(proposal.audit_subject) == votes_before - 1
    # the old "upheld" of a budget ballot meant it stood: it takes nothing away
    audit.record(
        moderator,
        "budget_ballot:contest_resolve",
        both["ballot_row"],
        {"round": round_.slug, "outcome": "upheld"},
    )
    assert receipts.participation_count(round_.audit_subject) == ballots_before - 1


# --- a group's paper votes wait in the same queue ------------------------------------------


def test_a_group_paper_contest_waits_with_the_others_and_is_decided_there(client, app, both):
    """A member's contest of a paper vote on a group's motion is the third kind: listed
    after the two older contests, decided by the same form, by a moderator only."""
    group, organiser, people = make_group(members=3, quorum_rule="none", quorum_value=0)
    motion = voting_motion(group, people[0])
    group_paper.issue(organiser, motion, 2)
    group_paper.enter(
        organiser, motion, choices=["for"], paper_number="1", email=people[1].email, check="x"
    )
    row = group_contests.contest(people[1], motion, "I was not at the meeting")
    moderator = ModeratorFactory()
    assert flow.queue(moderator) == [
        (ballot_contests.BALLOTS, both["ballot_row"]),
        (paper_contests.PAPERS, both["vote_row"]),
        (group_contests.GROUP_PAPERS, row),
    ]
    login(client, moderator)
    page = client.get("/contests").get_data(as_text=True)
    assert "I was not at the meeting" in page and "Not the projects I chose" in page
    assert f"{group.name}: {motion.title}: paper M{motion.id}-0001" in page
    assert page.count("Keep the paper entry") == 3
    assert f'id="outcome-group_paper-{row.id}-remove"' in page
    # the organiser who entered it is no moderator: refused before the form is read
    organisers = app.test_client()
    login(organisers, organiser)
    refused = organisers.post(
        f"/contests/group_paper/{row.id}",
        data={"csrf_token": csrf_token(organisers, f"/groups/{group.slug}"), "outcome": "remove"},
    )
    assert refused.status_code == 403 and row.state is ContestState.OPEN
    done = client.post(
        f"/contests/group_paper/{row.id}",
        data={
            "csrf_token": csrf_token(client, "/contests"),
            "outcome": "remove",
            "response": "Nobody saw you there",
        },
    )
    assert done.status_code == 302
    assert row.state is ContestState.REMOVED and row.resolver_id == moderator.id
    assert group_paper.paper_entry(motion, people[1]) is None
    assert [c for _kind, c in flow.queue(moderator)] == [both["ballot_row"], both["vote_row"]]
    decided = client.get("/contests").get_data(as_text=True)
    assert f"paper M{motion.id}-0001: Removed: the paper entry was taken out" in decided
