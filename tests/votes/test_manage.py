"""The moderators' page: a vote that cannot open yet says why and when, irreversible steps
need an explicit confirmation (no JavaScript), and closed votes show when they closed."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from civic.accounts.models import utcnow
from civic.clock import day
from civic.extensions import db
from civic.votes import services
from civic.votes.models import ProposalState
from tests.conftest import csrf_token, login
from tests.votes.helpers import make_proposal, residents

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "votes"


def _error_summary(page: str) -> list[str]:
    summary = page.split('govuk-error-summary__list">', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)


def test_vote_cannot_open_during_consultation_says_when_and_keeps_input(client):
    proposal, moderator, _ = make_proposal(ProposalState.CONSULTATION)
    ends = services.consultation_ends(proposal)
    login(client, moderator)
    url = f"/votes/{proposal.id}/manage"
    page = client.get(url).get_data(as_text=True)
    assert f"The vote can open from <strong>{ends:%d %B %Y at %H:%M} (UTC)" in page

    closes = (utcnow() + timedelta(days=60)).date()
    response = client.post(
        f"{url}/voting",
        data={
            "voting-csrf_token": csrf_token(client, url),
            "voting-closes": [str(closes.day), str(closes.month), str(closes.year)],
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "<title>Error: Manage:" in page  # the manage page, not a bare error page
    message = f"The consultation runs until {ends:%d %B %Y at %H:%M} (UTC)"
    [(anchor, text)] = _error_summary(page)
    assert anchor == "voting-closes-day" and text.startswith(message)
    # the message sits by the closing date, whose boxes keep what was typed
    by_field = page.split('<p id="voting-closes-error" class="govuk-error-message">', 1)[1]
    assert message in by_field.split("</p>", 1)[0]
    assert f'value="{closes.year}"' in page
    assert db.session.get(type(proposal), proposal.id).state is ProposalState.CONSULTATION


def test_manage_page_says_the_vote_can_open_once_consultation_ended(client):
    proposal, moderator, _ = make_proposal(ProposalState.CONSULTATION)
    proposal.consultation_from = utcnow() - timedelta(days=29)
    db.session.flush()
    login(client, moderator)
    page = client.get(f"/votes/{proposal.id}/manage").get_data(as_text=True)
    assert "the vote can open now" in page and "still running" not in page


def test_closing_the_vote_needs_confirmation(client):
    proposal, moderator, area = make_proposal(ProposalState.VOTING)
    services.cast_vote(residents(area, 1)[0], proposal, "for")
    login(client, moderator)
    url = f"/votes/{proposal.id}/manage"
    page = client.get(url).get_data(as_text=True)
    assert "I understand the count is final" in page and 'name="close-confirm"' in page

    refused = client.post(f"{url}/close", data={"close-csrf_token": csrf_token(client, url)})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    message = "Confirm that you understand the count is final"
    assert _error_summary(page) == [("close-confirm", message)]
    assert page.count(message) == 2  # in the summary and by the checkbox
    assert 'id="close-confirm"' in page
    assert proposal.state is ProposalState.VOTING and proposal.closed_at is None

    done = client.post(
        f"{url}/close",
        data={
            "close-csrf_token": csrf_token(client, url),
            "close-confirm": "y",
            "close-reason": "The council meets sooner than planned",
        },
    )
    assert done.status_code == 302
    assert proposal.state is ProposalState.CLOSED


def test_recording_the_decision_needs_confirmation_and_keeps_input(client):
    proposal, moderator, _ = make_proposal(ProposalState.VOTING)
    services.close_vote(moderator, proposal, reason="Closed early in this test")
    login(client, moderator)
    url = f"/votes/{proposal.id}/manage"
    reasons = "Turnout too low; the centre stays with the leisure team."
    data = {
        "decision-csrf_token": csrf_token(client, url),
        "decision-decision": "in_house",
        "decision-reasons": reasons,
    }
    refused = client.post(f"{url}/decision", data=data)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    message = "Confirm that you understand the decision is final"
    assert _error_summary(page) == [("decision-confirm", message)]
    assert page.count(message) == 2 and reasons in page
    assert proposal.state is ProposalState.CLOSED

    done = client.post(f"{url}/decision", data={**data, "decision-confirm": "y"})
    assert done.status_code == 302 and proposal.state is ProposalState.DECIDED


def test_closed_and_decided_proposals_show_when_voting_closed(client):
    proposal, moderator, _ = make_proposal(ProposalState.VOTING)
    planned = proposal.voting_until
    services.close_vote(moderator, proposal, reason="Closed early in this test")
    closed_at = proposal.closed_at
    for state in ("closed", "decided"):
        if state == "decided":
            services.record_decision(moderator, proposal, "in_house", "Quorum not met.")
        page = client.get(f"/votes/{proposal.id}").get_data(as_text=True)
        dates = page.split('id="voting-dates">', 1)[1].split("</li>", 1)[0]
        assert f"Closed early on {day(closed_at)}</strong> at {closed_at:%H:%M} (UTC)" in dates
        assert "Reason for closing early: Closed early in this test" in dates, state
        assert f"to {day(planned)}" not in dates, state


def test_every_votes_table_scrolls_in_its_own_region():
    """At 375px a wide table scrolls inside a focusable, labelled region, not the page."""
    for template in sorted(TEMPLATES.glob("*.html")):
        text = template.read_text()
        for table in re.finditer(r"<table\b", text):
            before = text[: table.start()].rstrip()
            opening = before[before.rfind("<div") :]
            assert 'class="civic-table-scroll"' in opening, template.name
            assert 'tabindex="0"' in opening and 'role="region"' in opening, template.name
            assert re.search(r'aria-label="[^"]+"', opening), template.name


def test_options_table_is_wrapped_on_the_page(client):
    proposal, _, _ = make_proposal(ProposalState.CONSULTATION)
    page = client.get(f"/votes/{proposal.id}").get_data(as_text=True)
    assert page.count("<table") == 1
    assert re.search(
        r'<div class="civic-table-scroll" role="region" aria-label="Options appraisal" '
        r'tabindex="0">\s*<table',
        page,
    )
