"""Right after `make run` a newcomer can try every journey with the printed demo accounts:
the resident votes on an open proposal, casts a ballot in a round in voting and answers an
open consultation they have not answered yet; the organiser takes their group's round on to
review and voting. Each journey goes through the real pages and forms, as a browser would,
with the production minimum electorate (10). The printed addresses follow the port."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from civic import clock
from civic.audit.models import AuditEntry
from civic.budgets import services as budgets
from civic.budgets.models import BudgetRound, Phase, ProjectStatus
from civic.clock import aware
from civic.consultations import services as consult
from civic.consultations.models import Consultation, ConsultationState
from civic.extensions import db
from civic.votes import services as votes
from civic.votes.models import Proposal, ProposalState
from seeds import demo
from tests.conftest import RequestClient, csrf_token, login


@pytest.fixture
def seeded(app: Flask, monkeypatch, tmp_path) -> str:
    """The demo as `make run` leaves it (`make run PORT=8000`); returns what it printed."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    monkeypatch.setitem(app.config, "MIN_ELECTORATE", 10)
    monkeypatch.setenv("CIVIC_DEMO_URL", "http://127.0.0.1:8000")
    result = app.test_cli_runner().invoke(args=["civic", "seed"])
    assert result.exit_code == 0, result.output
    return result.output


def _browser(app: Flask) -> FlaskClient:
    app.test_client_class = RequestClient
    return app.test_client()


def _sign_in(app: Flask, account: tuple) -> FlaskClient:
    """Sign in with an account exactly as the seed prints it (email and password)."""
    email, _, password, _ = account
    browser = _browser(app)
    login(browser, demo._user(email), password)
    return browser


def _post(browser: FlaskClient, path: str, data: dict, *, token: str = "csrf_token", page=None):
    return browser.post(path, data={token: csrf_token(browser, page or path), **data})


def test_the_resident_can_vote_ballot_and_respond_at_once(app, seeded):
    sam = demo._user(demo.RESIDENT[0])
    browser = _sign_in(app, demo.RESIDENT)

    # an outsourcing vote open for voting now, on which Sam has not voted yet
    proposal = db.session.scalar(db.select(Proposal).where(Proposal.title == demo.CLEANING_VOTE))
    assert proposal.state is ProposalState.VOTING and votes.voting_open(proposal)
    assert votes.my_vote(proposal, sam) is None
    vote_page = browser.get(f"/votes/{proposal.id}/vote").get_data(as_text=True)
    assert "Cast my vote" in vote_page
    cast = _post(browser, f"/votes/{proposal.id}/vote", {"choice": "against"})
    assert cast.status_code == 302, cast.get_data(as_text=True)[:500]
    assert votes.my_vote(proposal, sam) == "against"
    assert votes.my_receipt(proposal, sam)

    # a budget round in voting: a fresh choice replaces the ballot the seed cast for him
    round_ = budgets.get_round("riverside-2027")
    assert round_.phase is Phase.VOTING
    ballot_page = browser.get("/budgets/riverside-2027/ballot").get_data(as_text=True)
    offered = [
        int(v) for v in re.findall(r'name="project" type="checkbox" value="(\d+)"', ballot_page)
    ]
    on_ballot = {p.id for p in round_.projects if p.status is ProjectStatus.FEASIBLE}
    assert set(offered) == on_ballot and len(offered) >= 3
    chosen = sorted(offered)[:2]
    before = budgets.my_receipt(round_, sam)
    ballot = _post(browser, "/budgets/riverside-2027/ballot", {"project": chosen})
    assert ballot.status_code == 302, ballot.get_data(as_text=True)[:500]
    assert sorted(p for p, _ in budgets.current_choice(round_, sam)) == chosen
    assert budgets.my_receipt(round_, sam) not in (None, before)

    # an open consultation he has not answered
    hours = db.session.scalar(
        db.select(Consultation).where(Consultation.title == demo.LIBRARY_HOURS)
    )
    assert hours.state is ConsultationState.OPEN and consult.accepting(hours)
    assert consult.my_response(hours, sam)[0] is None
    path = f"/consultations/{hours.id}/respond"
    assert "Which change would suit you best?" in browser.get(path).get_data(as_text=True)
    choice, free_text = hours.questions
    answer = {choice.field: "1", free_text.field: "Homework club on Sundays", "action": "submit"}
    response = _post(browser, path, answer)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    saved, _ = consult.my_response(hours, sam)
    assert saved is not None and saved.submitted_at is not None


def test_the_organiser_can_take_the_group_round_to_voting(app, seeded):
    round_ = budgets.get_round(demo.GROUP_ROUND)
    assert round_.group is not None and round_.phase is Phase.IDEAS
    bridget = demo._user(demo.ORGANISER[0])
    assert budgets.can_manage(bridget, round_)
    browser = _sign_in(app, demo.ORGANISER)
    page = f"/budgets/{demo.GROUP_ROUND}"
    assert 'id="manage"' in browser.get(page).get_data(as_text=True)

    why = "The TRA agreed at its meeting to vote before the summer fun day."
    moved = _post(browser, f"{page}/phase", {"to": "review", "reason": why}, page=page)
    assert moved.status_code == 302, moved.get_data(as_text=True)[:500]
    for project in budgets.get_round(demo.GROUP_ROUND).projects:
        path = f"{page}/projects/{project.id}"
        review = {
            "review-decision": "feasible",
            "review-cost": str(project.cost // 100),
            "review-submit": "Save review",
        }
        reviewed = _post(browser, path, review, token="review-csrf_token")
        assert reviewed.status_code == 302, reviewed.get_data(as_text=True)[:500]
    moved = _post(browser, f"{page}/phase", {"to": "voting", "reason": why}, page=page)
    assert moved.status_code == 302, moved.get_data(as_text=True)[:500]
    db.session.expire_all()
    assert db.session.get(BudgetRound, round_.id).phase is Phase.VOTING

    # and she, a Millbrook resident, can cast the first ballot in it
    first = budgets.get_round(demo.GROUP_ROUND).projects[0]
    ballot = _post(browser, f"{page}/ballot", {f"points-{first.id}": "4"})
    assert ballot.status_code == 302, ballot.get_data(as_text=True)[:500]
    assert budgets.current_choice(budgets.get_round(demo.GROUP_ROUND), bridget) == [(first.id, 4)]


def test_the_printed_addresses_follow_the_port_and_open(app, seeded):
    assert "http://127.0.0.1:5000" not in seeded
    assert "sign in at http://127.0.0.1:8000/accounts/sign-in" in seeded
    assert "http://127.0.0.1:8000/receipts" in seeded
    printed = re.findall(r"http://127\.0\.0\.1:8000(/\S+)", seeded)
    try_now = seeded.split("Try at once", 1)[1].split("Ballot receipts", 1)[0]
    resident_paths = re.findall(r"http://127\.0\.0\.1:8000(/\S+)", try_now.split("organiser")[0])
    assert len(resident_paths) == 3 and set(resident_paths) <= set(printed)
    resident = _sign_in(app, demo.RESIDENT)
    for path in resident_paths:  # each is a form the resident can use, not a refusal
        page = resident.get(path)
        assert page.status_code == 200, path
        assert 'name="csrf_token"' in page.get_data(as_text=True), path
    organiser_path = re.findall(r"http://127\.0\.0\.1:8000(/\S+)", try_now.split("organiser")[1])
    organiser = _sign_in(app, demo.ORGANISER)
    assert 'id="manage"' in organiser.get(organiser_path[0]).get_data(as_text=True)


def test_the_sign_in_address_defaults_to_port_5000(monkeypatch):
    monkeypatch.delenv("CIVIC_DEMO_URL", raising=False)
    assert demo.site() == "http://127.0.0.1:5000"
    monkeypatch.setenv("CIVIC_DEMO_URL", "http://127.0.0.1:8000/")
    assert demo.site() == "http://127.0.0.1:8000"


def test_the_open_votes_history_in_the_log_matches_its_dates(app, seeded):
    """The vote opened after a consultation that ran last month, played through the service
    (civic.clock.ago), not written into the row afterwards: the log's "until" is the date
    the consultation really ended, before the vote opened, and the entry's time is real."""
    for title in (demo.CLEANING_VOTE, "Sell the old Northgate library building"):
        proposal = db.session.scalar(db.select(Proposal).where(Proposal.title == title))
        entries = db.session.scalars(
            db.select(AuditEntry)
            .where(AuditEntry.subject_type == "proposal")
            .where(AuditEntry.subject_id == str(proposal.id))
            .order_by(AuditEntry.seq)
        ).all()
        consulted = next(e for e in entries if e.action == "proposal:consultation")
        until = votes.consultation_ends(proposal)
        assert consulted.shown.data["until"] == until.date().isoformat()
        assert until < aware(proposal.voting_from)
        # the log keeps its own, real clock: the entry is stamped today, not last month
        assert consulted.shown.time > clock.utcnow() - timedelta(hours=1)


def test_the_clock_goes_back_only_inside_ago():
    before = clock.utcnow()
    with clock.ago(timedelta(days=30)):
        shifted = clock.utcnow()
        with clock.ago(timedelta(days=1)):
            assert clock.utcnow() - shifted < timedelta(days=-1) + timedelta(seconds=5)
    after = clock.utcnow()
    assert timedelta(days=30) - (before - shifted) < timedelta(seconds=5)
    assert after - before < timedelta(seconds=5)
    with pytest.raises(ValueError), clock.ago(timedelta(days=-1)):
        pass


def test_every_seed_step_runs_on_a_fresh_database(seeded):
    """A step that does its work but does not say so (returns None) is reported missing."""
    loaded = seeded.split("Demo data loaded: ", 1)[1].split("\n", 1)[0]
    for name, _step in demo.STEPS:
        assert name in loaded, f"seed step {name!r} did not report that it ran"


def test_the_printed_paper_code_takes_over_the_paper_only_resident(app, seeded):
    """The letter code printed for the resident who took part on paper without an account:
    registering with it makes her paper vote and form part of the new account."""
    from sqlalchemy import select

    from civic.accounts.models import User
    from civic.paper import contests as paper

    printed = seeded.split("used at Holbeck library", 1)[1]
    code = re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", printed).group(0)
    (person,) = db.session.scalars(select(User).where(User.paper_only.is_(True)))
    cleaning = db.session.scalar(select(Proposal).where(Proposal.title == demo.CLEANING_VOTE))
    hours = db.session.scalar(select(Consultation).where(Consultation.title == demo.LIBRARY_HOURS))
    browser = _browser(app)
    form = {
        "email": "new.reader@civic.example",
        "display_name": "Mair Roberts",
        "password": "Holbeck-large-print-26",
        "confirm": "Holbeck-large-print-26",
        "code": code,
    }
    assert _post(browser, "/accounts/register", form).status_code == 302
    db.session.expire_all()
    person = db.session.get(User, person.id)
    assert not person.paper_only and person.email == "new.reader@civic.example"
    assert paper.paper_entry(cleaning, person) is not None
    assert paper.paper_entry(hours, person) is not None


def test_jamal_sees_the_number_of_his_paper_and_rosa_prints_more(app, seeded):
    """The Riverside round in voting has a printed run and Jamal's numbered paper ballot."""
    round_ = budgets.get_round("riverside-2027")
    round_id, first = round_.id, round_.papers_issued + 1
    assert first > 7
    jamal = _sign_in(app, (demo.NEIGHBOURS[0][0], None, demo.NEIGHBOUR_PASSWORD, None))
    page = jamal.get("/budgets/riverside-2027/ballot").get_data(as_text=True)
    assert "A paper ballot was entered for you" in page and f"B{round_id}-0007" in page
    rosa = _sign_in(app, demo.MODERATOR)
    desk = "/budgets/riverside-2027/paper"
    printed = _post(rosa, "/budgets/riverside-2027/paper/print", {"count": "2"}, page=desk)
    assert printed.status_code == 302
    sheet = rosa.get(printed.headers["Location"]).get_data(as_text=True)
    assert f"B{round_id}-{first:04d}" in sheet and sheet.count('class="civic-paper"') == 2


def test_the_admin_decides_every_kind_of_contested_paper_in_one_queue(app, seeded):
    """Rosa entered the public vote's and the budget ballot's contested papers, so she
    cannot decide them, but may decide the group's, which Bridget entered; the admin can
    decide all three."""
    rosa = _sign_in(app, demo.MODERATOR)
    page = rosa.get("/contests").get_data(as_text=True)
    assert page.count("You entered this paper, so another moderator must decide.") == 2
    assert page.count("Remove the paper entry (the resident can take part again)") == 1
    admin = _sign_in(app, demo.ADMIN)
    page = admin.get("/contests").get_data(as_text=True)
    assert "Riverside community budget 2027" in page and "not the repair café" in page
    assert "I ticked against on the paper" in page
    assert "Millbrook Tenants" in page and "quiet for the carers" in page
    assert page.count("Remove the paper entry (the resident can take part again)") == 3
