"""The officer's desk, the printable papers, the resident's page and the contest queue."""

from __future__ import annotations

from sqlalchemy import func, select

from civic.contests import flow
from civic.extensions import db
from civic.paper import services as paper
from civic.votes import services as votes
from civic.votes.models import ProposalState, VoteCast
from tests.budgets.rounds_helpers import resident_of
from tests.conftest import csrf_token, login
from tests.consultations.helpers import make_consultation
from tests.factories import ModeratorFactory
from tests.votes.helpers import make_proposal, residents


def _desk(kind: str, subject_id: int) -> str:
    return f"/paper/{kind}/{subject_id}/enter"


def test_printing_numbers_papers_and_prints_cleanly(client):
    proposal, moderator, _area = make_proposal(ProposalState.VOTING)
    login(client, moderator)
    desk = _desk("proposal", proposal.id)
    refused = client.post(
        desk.replace("enter", "print"), data={"csrf_token": csrf_token(client, desk), "count": "0"}
    )
    assert refused.status_code == 422
    assert "from 1 to 500" in refused.get_data(as_text=True)
    answer = client.post(
        desk.replace("enter", "print"), data={"csrf_token": csrf_token(client, desk), "count": "3"}
    )
    assert answer.status_code == 302
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    for n in (1, 2, 3):
        assert f"V{proposal.id}-000{n}" in page
    assert page.count('class="civic-paper"') == 3
    assert "Should the council go ahead" in page
    # numbers never issued are not printable
    assert client.get(f"/paper/proposal/{proposal.id}/papers?first=1&last=9").status_code == 404


def test_officer_enters_a_paper_vote_and_a_duplicate_is_a_form_error(client):
    proposal, moderator, area = make_proposal(ProposalState.VOTING)
    paper.issue_papers(moderator, proposal, 5)
    first, second = residents(area, 2)
    login(client, moderator)
    desk = _desk("proposal", proposal.id)
    form = {"paper_number": "2", "email": first.email, "check": "seen bill", "choice": "for"}
    answer = client.post(desk, data={"csrf_token": csrf_token(client, desk), **form})
    assert answer.status_code == 302
    assert f"V{proposal.id}-0002 entered" in client.get(desk).get_data(as_text=True)
    again = {**form, "email": second.email, "choice": "against"}
    refused = client.post(desk, data={"csrf_token": csrf_token(client, desk), **again})
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert 'href="#paper_number"' in page and "cannot be entered twice" in page
    assert second.email in page  # the officer's input is kept
    assert db.session.scalar(select(func.count()).select_from(VoteCast)) == 1
    missing = client.post(desk, data={"csrf_token": csrf_token(client, desk), "paper_number": "3"})
    assert missing.status_code == 422
    assert 'id="email-error"' in missing.get_data(as_text=True)


def test_the_resident_sees_and_contests_then_a_moderator_removes_it(client):
    proposal, moderator, area = make_proposal(ProposalState.VOTING)
    paper.issue_papers(moderator, proposal, 5)
    (resident,) = residents(area, 1)
    paper.enter_vote(
        moderator, proposal, choice="for", paper_number="1", email=resident.email, check="bill"
    )
    login(client, resident)
    detail = client.get(f"/votes/{proposal.id}").get_data(as_text=True)
    assert 'id="my-paper"' in detail
    mine = f"/paper/proposal/{proposal.id}/mine"
    page = client.get(mine).get_data(as_text=True)
    assert f"V{proposal.id}-0001" in page and moderator.display_name in page
    empty = client.post(mine, data={"csrf_token": csrf_token(client, mine), "reason": ""})
    assert empty.status_code == 422
    sent = client.post(mine, data={"csrf_token": csrf_token(client, mine), "reason": "Not me"})
    assert sent.status_code == 302
    client.post("/accounts/sign-out", data={"csrf_token": csrf_token(client, "/")})
    ((_kind, row),) = flow.queue(moderator)
    # the officer who entered it cannot decide
    login(client, moderator)
    assert (
        client.post(
            f"/contests/paper/{row.id}",
            data={
                "csrf_token": csrf_token(client, "/contests"),
                "outcome": "remove",
                "response": "x",
            },
        ).status_code
        == 403
    )
    client.post("/accounts/sign-out", data={"csrf_token": csrf_token(client, "/")})
    login(client, ModeratorFactory())
    queue = client.get("/contests").get_data(as_text=True)
    assert "Not me" in queue
    assert "Remove the paper entry (the resident can take part again)" in queue
    decided = client.post(
        f"/contests/paper/{row.id}",
        data={
            "csrf_token": csrf_token(client, "/contests"),
            "outcome": "remove",
            "response": "Removed after checking the signature",
        },
    )
    assert decided.status_code == 302
    assert votes.tally(proposal) == (0, 0)


def test_json_shows_paper_and_online_apart_after_the_close(client, app, monkeypatch):
    proposal, moderator, area = make_proposal(ProposalState.VOTING)
    paper.issue_papers(moderator, proposal, 5)
    online, on_paper = residents(area, 2)
    monkeypatch.setitem(app.config, "MIN_ELECTORATE", 1)
    votes.cast_vote(online, proposal, "for")
    paper.enter_vote(
        moderator, proposal, choice="for", paper_number="1", email=on_paper.email, check="b"
    )
    body = client.get(f"/api/v1/proposals/{proposal.id}").get_json()
    assert body["vote"]["by_channel"] is None  # nothing apart while voting runs
    votes.close_vote(moderator, proposal, reason="Ended early for the test")
    body = client.get(f"/api/v1/proposals/{proposal.id}").get_json()
    assert body["vote"]["by_channel"] == {"paper": 1, "online": 1}
    assert 'id="paper-split"' in client.get(f"/votes/{proposal.id}").get_data(as_text=True)


def test_officer_enters_a_paper_consultation_form(client, app, monkeypatch):
    consultation, moderator, q = make_consultation()
    paper.issue_papers(moderator, consultation, 5)
    resident = resident_of(consultation.area)
    monkeypatch.setitem(app.config, "MIN_ELECTORATE", 1)
    login(client, moderator)
    desk = _desk("consultation", consultation.id)
    page = client.get(desk).get_data(as_text=True)
    assert q["single"].text in page
    refused = client.post(
        desk,
        data={
            "csrf_token": csrf_token(client, desk),
            "paper_number": "1",
            "email": resident.email,
            "check": "known at the desk",
        },
    )
    assert refused.status_code == 422  # the required question
    answer = client.post(
        desk,
        data={
            "csrf_token": csrf_token(client, desk),
            "paper_number": "1",
            "email": resident.email,
            "check": "known at the desk",
            q["single"].field: "1",
        },
    )
    assert answer.status_code == 302
    # the resident reads what was entered for them on their paper page
    client.post("/accounts/sign-out", data={"csrf_token": csrf_token(client, "/")})
    login(client, resident)
    mine = client.get(f"/paper/consultation/{consultation.id}/mine").get_data(as_text=True)
    assert f"C{consultation.id}-0001" in mine and q["single"].options[1] in mine
    from civic.consultations import services as consultations

    consultations.close_consultation(moderator, consultation, reason="Ended early for the test")
    body = client.get(f"/api/v1/consultations/{consultation.id}/results").get_json()
    assert body["responses_by_channel"] == {"paper": 1, "online": 0}
