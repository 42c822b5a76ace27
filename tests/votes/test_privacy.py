"""A secret vote stays secret: it cannot open with fewer than MIN_ELECTORATE eligible
residents, and before it closes no page or JSON shows a per-choice count or an exact running
turnout that moves by one right after someone's named comment."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from civic.accounts.models import utcnow
from civic.errors import ValidationFailed
from civic.extensions import db
from civic.privacy import ElectorateTooSmall
from civic.votes import services
from civic.votes.models import ProposalState
from tests.conftest import csrf_token, login
from tests.votes.helpers import make_proposal, residents


@pytest.fixture
def minimum(app, monkeypatch):
    """The production default: 10."""
    monkeypatch.setitem(app.config, "MIN_ELECTORATE", 10)
    return 10


def _ready_to_vote(eligible: int):
    proposal, moderator, area = make_proposal(ProposalState.CONSULTATION)
    proposal.consultation_from = utcnow() - timedelta(days=29)
    voters = residents(area, eligible)
    return proposal, moderator, area, voters


def test_vote_with_fewer_eligible_residents_than_the_minimum_cannot_open(minimum):
    proposal, moderator, area, _ = _ready_to_vote(minimum - 1)
    with pytest.raises(ElectorateTooSmall, match=r"Only 9 people are eligible.*at least 10"):
        services.open_voting(moderator, proposal, utcnow() + timedelta(days=7))
    assert proposal.state is ProposalState.CONSULTATION
    residents(area, 1)
    services.open_voting(moderator, proposal, utcnow() + timedelta(days=7))
    assert proposal.state is ProposalState.VOTING


def test_deactivated_accounts_do_not_count_towards_the_minimum(minimum):
    proposal, moderator, _, voters = _ready_to_vote(minimum)
    voters[0].active = False
    db.session.flush()
    with pytest.raises(ElectorateTooSmall):
        services.open_voting(moderator, proposal, utcnow() + timedelta(days=7))


def test_refusal_is_shown_next_to_the_closing_date_on_the_manage_page(client, minimum):
    proposal, moderator, _, _ = _ready_to_vote(3)
    login(client, moderator)
    url = f"/votes/{proposal.id}/manage"
    closes = (utcnow() + timedelta(days=14)).date()
    response = client.post(
        f"{url}/voting",
        data={
            "voting-csrf_token": csrf_token(client, url),
            "voting-closes": [str(closes.day), str(closes.month), str(closes.year)],
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    by_field = page.split('<p id="voting-closes-error" class="govuk-error-message">', 1)[1]
    assert "Only 3 people are eligible" in by_field.split("</p>", 1)[0]
    assert db.session.get(type(proposal), proposal.id).state is ProposalState.CONSULTATION


def test_hiding_the_running_tally_cannot_be_switched_off():
    proposal, moderator, _ = make_proposal(ProposalState.CONSULTATION)
    with pytest.raises(ValidationFailed) as refused:
        services.set_vote_rules(
            moderator, proposal, quorum_percent=20, majority="simple", hide_tally=False
        )
    assert "hide_tally" in refused.value.errors


def _without_csrf(html: str) -> str:
    """A CSRF token carries the second it was signed: two renders a moment apart differ."""
    return re.sub(r'"X-CSRFToken": "[^"]*"|name="csrf_token"[^>]*', "CSRF", html)


def _public_surfaces(client, htmx_client, proposal) -> dict[str, str]:
    pid = proposal.id
    return {
        "page": _without_csrf(client.get(f"/votes/{pid}").get_data(as_text=True)),
        "fragment": htmx_client.get(f"/votes/{pid}/turnout").get_data(as_text=True),
        "json": client.get(f"/api/v1/proposals/{pid}").get_data(as_text=True),
        "list": client.get("/api/v1/proposals").get_data(as_text=True),
        "index": _without_csrf(client.get("/votes").get_data(as_text=True)),
    }


def test_no_per_choice_count_or_exact_turnout_before_close(client, htmx_client, minimum):
    proposal, moderator, _, voters = _ready_to_vote(15)
    services.open_voting(moderator, proposal, utcnow() + timedelta(days=7))
    for voter in voters[:7]:
        services.cast_vote(voter, proposal, "for")
    for voter in voters[7:11]:
        services.cast_vote(voter, proposal, "against")

    surfaces = _public_surfaces(client, htmx_client, proposal)
    data = client.get(f"/api/v1/proposals/{proposal.id}").get_json()
    assert data["vote"]["for"] is None and data["vote"]["against"] is None
    assert data["vote"]["turnout"] == {"cast": None, "at_least": 10, "eligible": 15}
    for name, body in surfaces.items():
        assert "7 for" not in body and "4 against" not in body, name
        assert not re.search(r">\s*11\s*</span>", body), name
        assert '"cast": 11' not in body and '"cast":11' not in body, name
    assert "At least 10</span> of 15 eligible residents" in surfaces["fragment"]
    # a moderator's manage page may show the turnout, never the per-choice figures
    login(client, moderator)
    manage = client.get(f"/votes/{proposal.id}/manage").get_data(as_text=True)
    assert "11 of 15 eligible residents have voted" in manage
    assert "7 for" not in manage and "4 against" not in manage

    client.post("/accounts/sign-out", data={"csrf_token": csrf_token(client, "/")})
    services.close_vote(moderator, proposal, reason="Closed early for the test")
    closed = client.get(f"/api/v1/proposals/{proposal.id}").get_json()
    assert (closed["vote"]["for"], closed["vote"]["against"]) == (7, 4)
    assert closed["vote"]["turnout"] == {"cast": 11, "at_least": 11, "eligible": 15}
    page = client.get(f"/votes/{proposal.id}").get_data(as_text=True)
    assert "7 for, 4 against" in page and ">11</span> of 15 eligible residents voted" in page


def test_one_more_vote_seldom_moves_the_public_turnout(client, htmx_client, minimum):
    """A named comment, then a vote: the public figure stays the same unless the count
    crosses a multiple of the minimum."""
    proposal, moderator, _, voters = _ready_to_vote(30)
    services.open_voting(moderator, proposal, utcnow() + timedelta(days=7))
    for voter in voters[:12]:
        services.cast_vote(voter, proposal, "for")
    before = _public_surfaces(client, htmx_client, proposal)
    services.cast_vote(voters[12], proposal, "against")
    after = _public_surfaces(client, htmx_client, proposal)
    assert before["fragment"] == after["fragment"]
    # (the audit trail's private entries are batched by the audit log itself, not here)
    assert json.loads(before["json"])["vote"] == json.loads(after["json"])["vote"]
    for voter in voters[13:20]:
        services.cast_vote(voter, proposal, "for")
    assert "At least 20</span>" in htmx_client.get(f"/votes/{proposal.id}/turnout").get_data(
        as_text=True
    )


def test_below_the_minimum_the_turnout_says_fewer_than(htmx_client, minimum):
    proposal, moderator, _, voters = _ready_to_vote(12)
    services.open_voting(moderator, proposal, utcnow() + timedelta(days=7))
    services.cast_vote(voters[0], proposal, "for")
    fragment = htmx_client.get(f"/votes/{proposal.id}/turnout").get_data(as_text=True)
    assert "Fewer than 10</span> of 12 eligible residents have voted" in fragment


def test_a_new_residents_grant_does_not_move_the_public_electorate(client, htmx_client, minimum):
    """Eligibility grants reach the log only in hourly batches; the 'of N eligible
    residents' figure must not tell the minute a named newcomer showed where they live.
    While voting runs the public figure is the electorate when voting opened."""
    proposal, moderator, area, _ = _ready_to_vote(12)
    services.open_voting(moderator, proposal, utcnow() + timedelta(days=7))
    before = _public_surfaces(client, htmx_client, proposal)
    residents(area, 1)
    after = _public_surfaces(client, htmx_client, proposal)
    assert before == after
    assert json.loads(after["json"])["vote"]["turnout"]["eligible"] == 12
    # moderators see the exact electorate, and the count uses it at the close
    login(client, moderator)
    manage = client.get(f"/votes/{proposal.id}/manage").get_data(as_text=True)
    assert "of 13 eligible residents have voted" in manage
    services.close_vote(moderator, proposal, reason="Closed early for the test")
    assert (
        client.get(f"/api/v1/proposals/{proposal.id}").get_json()["vote"]["turnout"]["eligible"]
        == 13
    )
