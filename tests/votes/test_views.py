"""Proposal pages and JSON: public reading, voting, turnout fragment, moderator forms."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from civic.accounts.models import utcnow
from civic.extensions import db
from civic.votes import services
from civic.votes.models import ProposalState, VoteCast
from tests.conftest import csrf_token, login
from tests.factories import UserFactory
from tests.votes.helpers import make_proposal, residents


def test_public_page_shows_the_whole_case(client):
    proposal, _, _ = make_proposal(ProposalState.CONSULTATION)
    page = client.get(f"/votes/{proposal.id}").get_data(as_text=True)
    for text in (
        "Repairs backlog",
        "£1,100,000",
        "70.0",
        "61.5",
        "Trade-union recognition",
        "Decision trail",
        "proposal:consultation",
    ):
        assert text in page, text


def test_drafts_are_hidden_from_residents(client):
    proposal, moderator, _ = make_proposal()
    assert client.get(f"/votes/{proposal.id}").status_code in (302, 403)
    assert client.get(f"/api/v1/proposals/{proposal.id}").status_code in (302, 403)
    assert proposal.title not in client.get("/votes").get_data(as_text=True)
    login(client, moderator)
    assert client.get(f"/votes/{proposal.id}").status_code == 200


def test_vote_page_and_change_of_mind(client):
    proposal, _, area = make_proposal(ProposalState.VOTING)
    (voter,) = residents(area, 1)
    login(client, voter)
    url = f"/votes/{proposal.id}/vote"
    empty = client.post(url, data={"csrf_token": csrf_token(client, url), "choice": ""})
    assert empty.status_code == 422 and "Choose for or against" in empty.get_data(as_text=True)
    for choice in ("for", "against"):
        assert (
            client.post(
                url, data={"csrf_token": csrf_token(client, url), "choice": choice}
            ).status_code
            == 302
        )
    assert db.session.scalar(select(func.count()).select_from(VoteCast)) == 1
    assert "You voted <strong>against</strong>" in client.get(f"/votes/{proposal.id}").get_data(
        as_text=True
    )


def test_voting_when_not_eligible_is_403_with_how_to(client):
    proposal, _, _ = make_proposal(ProposalState.VOTING)
    login(client, UserFactory())
    url = f"/votes/{proposal.id}/vote"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "choice": "for"})
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "enter the code from your letter" in page
    assert 'href="/accounts/eligibility">Go to Your areas</a>' in page


def test_voting_after_close_is_409(client):
    proposal, moderator, area = make_proposal(ProposalState.VOTING)
    (voter,) = residents(area, 1)
    services.close_vote(moderator, proposal, reason="Closed early in this test")
    login(client, voter)
    url = f"/votes/{proposal.id}/vote"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "choice": "for"})
    assert response.status_code == 409 and "closed" in response.get_data(as_text=True)


def test_turnout_fragment_and_hidden_tally(htmx_client):
    proposal, moderator, area = make_proposal(ProposalState.CONSULTATION)
    voters = residents(area, 3)
    proposal.consultation_from = utcnow() - timedelta(days=29)
    services.open_voting(moderator, proposal, utcnow() + timedelta(days=7))
    services.cast_vote(voters[0], proposal, "for")
    fragment = htmx_client.get(f"/votes/{proposal.id}/turnout").get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="turnout"') and "<html" not in fragment
    assert ">1</span> of 3 eligible residents" in fragment
    assert "tally is hidden" in fragment and "1 for" not in fragment
    assert 'hx-trigger="every 15s"' in fragment


def test_json_detail_and_list(client):
    proposal, moderator, area = make_proposal(ProposalState.CONSULTATION)
    voters = residents(area, 2)
    proposal.consultation_from = utcnow() - timedelta(days=29)
    services.open_voting(moderator, proposal, utcnow() + timedelta(days=7))
    services.cast_vote(voters[0], proposal, "for")
    data = client.get(f"/api/v1/proposals/{proposal.id}").get_json()
    assert data["state"] == "voting" and data["vote"]["for"] is None  # hidden until close
    # before the close only a lower bound (a band of MIN_ELECTORATE, 1 in these tests)
    assert data["vote"]["turnout"] == {"cast": None, "at_least": 1, "eligible": 2}
    assert data["options"][0]["weighted_total"] == "70.0" and data["standards_met"] is True
    services.close_vote(moderator, proposal, reason="Closed early in this test")
    closed = client.get(f"/api/v1/proposals/{proposal.id}").get_json()
    assert closed["vote"]["for"] == 1 and closed["vote"]["outcome"] == "passed"
    listing = client.get(f"/api/v1/proposals?area={area.slug}&state=closed").get_json()
    assert [p["id"] for p in listing["proposals"]] == [proposal.id]
    assert client.get("/api/v1/proposals?state=bogus").status_code == 422


def test_moderator_forms_keep_input_and_show_errors(client):
    proposal, moderator, _ = make_proposal()
    login(client, moderator)
    url = f"/votes/{proposal.id}/manage"
    token = csrf_token(client, url)
    response = client.post(
        f"{url}/options",
        data={
            "csrf_token": token,
            "private-included": "1",
            "private-provider": "LeisureCo",
            "private-annual_cost": "900000",
            "private-cost_score": "150",
            "private-quality_score": "50",
            "private-social_value_score": "20",
        },
    )
    page = response.get_data(as_text=True)
    assert (
        response.status_code == 422 and "between 0 and 100" in page and 'value="LeisureCo"' in page
    )
    refused = client.post(
        f"{url}/consultation", data={"consult-csrf_token": token, "consult-days": "28"}
    )
    assert refused.status_code == 409 and "public-interest case" in refused.get_data(as_text=True)


def test_residents_cannot_manage(client):
    proposal, _, _ = make_proposal(ProposalState.CONSULTATION)
    login(client, UserFactory())
    assert client.get(f"/votes/{proposal.id}/manage").status_code == 403
