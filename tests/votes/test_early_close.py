"""Closing a vote before its published closing time needs a published reason; closing on
or after it (by hand or by `civic tick`) needs none. A vote that arrives after the close is
refused with a 409 that says when voting closed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from civic.accounts.models import utcnow
from civic.errors import Conflict, PermissionDenied, ValidationFailed
from civic.votes import services
from civic.votes.models import ProposalState
from tests.conftest import csrf_token, login
from tests.factories import AdminFactory, UserFactory
from tests.races import log_of
from tests.votes.helpers import make_proposal, residents

REASON = "The buyer's offer lapses before the published date"


def _close_entry(proposal) -> dict:
    [data] = [
        d for _, action, d in log_of("proposal", str(proposal.id)) if action == "proposal:close"
    ]
    return data


def test_closing_early_without_a_real_reason_is_refused_and_changes_nothing():
    proposal, moderator, _ = make_proposal(ProposalState.VOTING)
    for reason in ("", "   ", "too short"):
        with pytest.raises(ValidationFailed) as refused:
            services.close_vote(moderator, proposal, reason=reason)
        assert set(refused.value.errors) == {"reason"}
        assert "at least 10 characters" in refused.value.errors["reason"]
        assert proposal.state is ProposalState.VOTING and proposal.closed_at is None
    assert not [a for _, a, _ in log_of("proposal", str(proposal.id)) if a == "proposal:close"]


@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_officers_close_early_with_a_reason_that_is_stored_and_logged(role):
    proposal, moderator, _ = make_proposal(ProposalState.VOTING)
    officer = moderator if role == "moderator" else AdminFactory()
    services.close_vote(officer, proposal, reason=f"  {REASON}  ")
    assert proposal.state is ProposalState.CLOSED
    assert proposal.close_reason == REASON
    data = _close_entry(proposal)
    assert data["early_reason"] == REASON
    assert data["closes"].startswith(proposal.voting_until.date().isoformat())


def test_residents_cannot_close_even_with_a_reason():
    proposal, _, area = make_proposal(ProposalState.VOTING)
    for person in (residents(area, 1)[0], UserFactory(), None):
        with pytest.raises(PermissionDenied):
            services.close_vote(person, proposal, reason=REASON)
    assert proposal.state is ProposalState.VOTING


def test_on_or_after_the_published_time_no_reason_is_needed():
    proposal, moderator, _ = make_proposal(ProposalState.VOTING)
    proposal.voting_until = utcnow() - timedelta(minutes=1)
    services.close_vote(moderator, proposal)
    assert proposal.state is ProposalState.CLOSED and proposal.close_reason == ""
    assert "early_reason" not in _close_entry(proposal)


def test_tick_closes_by_date_without_a_reason_and_leaves_running_votes_alone():
    due, _, _ = make_proposal(ProposalState.VOTING)
    running, _, _ = make_proposal(ProposalState.VOTING)
    due.voting_until = utcnow() - timedelta(minutes=1)
    assert services.close_due_votes() == [f"proposal {due.id}: {due.outcome}"]
    assert due.state is ProposalState.CLOSED and due.close_reason == ""
    assert _close_entry(due)["for"] == 0 and "early_reason" not in _close_entry(due)
    assert running.state is ProposalState.VOTING


def test_a_vote_after_the_close_is_refused_saying_when_it_closed():
    proposal, moderator, area = make_proposal(ProposalState.VOTING)
    voter = residents(area, 1)[0]
    services.close_vote(moderator, proposal, reason=REASON)
    with pytest.raises(Conflict) as refused:
        services.cast_vote(voter, proposal, "for")
    when = proposal.closed_at.strftime("%H:%M on %d %B %Y")
    assert refused.value.message == (
        f"Voting closed at {when} (UTC) before your vote arrived; it was not counted."
    )
    assert services.tally(proposal) == (0, 0)


def test_a_vote_after_the_published_time_is_refused_before_the_tick_closes_it():
    proposal, _, area = make_proposal(ProposalState.VOTING)
    proposal.voting_until = utcnow() - timedelta(seconds=1)
    with pytest.raises(Conflict, match="before your vote arrived; it was not counted"):
        services.cast_vote(residents(area, 1)[0], proposal, "for")


def _error_summary(page: str) -> list[tuple[str, str]]:
    summary = page.split('govuk-error-summary__list">', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)


def test_the_close_form_asks_for_the_reason_keeps_input_and_the_page_shows_it(client):
    proposal, moderator, _ = make_proposal(ProposalState.VOTING)
    login(client, moderator)
    url = f"/votes/{proposal.id}/manage"
    page = client.get(url).get_data(as_text=True)
    assert 'name="close-reason"' in page
    refused = client.post(
        f"{url}/close",
        data={
            "close-csrf_token": csrf_token(client, url),
            "close-confirm": "y",
            "close-reason": "soon",
        },
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    [(anchor, message)] = _error_summary(page)
    assert anchor == "close-reason" and "at least 10 characters" in message
    assert 'id="close-reason-error"' in page  # by the field, too
    assert ">soon</textarea>" in page  # what the moderator typed stays
    assert proposal.state is ProposalState.VOTING

    closed = client.post(
        f"{url}/close",
        data={
            "close-csrf_token": csrf_token(client, url),
            "close-confirm": "y",
            "close-reason": REASON,
        },
    )
    assert closed.status_code == 302 and proposal.state is ProposalState.CLOSED
    public = client.get(f"/votes/{proposal.id}").get_data(as_text=True)
    assert 'id="close-reason"' in public
    assert "Reason for closing early: The buyer&#39;s offer lapses" in public


def test_a_resident_posting_the_close_is_refused(client):
    proposal, _, area = make_proposal(ProposalState.VOTING)
    login(client, residents(area, 1)[0])
    url = f"/votes/{proposal.id}"
    response = client.post(
        f"{url}/manage/close",
        data={
            "close-csrf_token": csrf_token(client, url),
            "close-confirm": "y",
            "close-reason": REASON,
        },
    )
    assert response.status_code == 403
    assert proposal.state is ProposalState.VOTING


def test_a_vote_posted_after_the_close_gets_409_with_the_time(client):
    proposal, moderator, area = make_proposal(ProposalState.VOTING)
    voter = residents(area, 1)[0]
    login(client, voter)
    url = f"/votes/{proposal.id}/vote"
    token = csrf_token(client, url)
    services.close_vote(moderator, proposal, reason=REASON)
    response = client.post(url, data={"csrf_token": token, "choice": "for"})
    assert response.status_code == 409
    assert "before your vote arrived; it was not counted" in response.get_data(as_text=True)
