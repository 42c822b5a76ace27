"""Honest dates: after an early close or a phase moved on by hand, the thing's page, its
timeline and the list it appears in all say what happened ("Closed early on 29 November
2026: reason"), and none of them still gives the original schedule as if it held."""

from __future__ import annotations

from datetime import UTC, date, datetime

from civic.accounts.models import utcnow
from civic.budgets import services as budgets
from civic.budgets.models import Phase
from civic.clock import day
from civic.consultations import services as consultations
from civic.votes import services as votes
from civic.votes.models import ProposalState
from tests.budgets.rounds_helpers import make_round
from tests.conftest import login
from tests.consultations.helpers import make_consultation
from tests.votes.helpers import make_proposal

REASON = "The council meeting that decides this was brought forward"


def _between(page: str, start: str, end: str) -> str:
    assert start in page, f"{start!r} is not on the page"
    return page.split(start, 1)[1].split(end, 1)[0]


def test_day_is_the_one_date_format():
    assert day(datetime(2026, 11, 29, 23, 59, tzinfo=UTC)) == "29 November 2026"
    assert day(datetime(2026, 12, 5, 8, 0)) == "5 December 2026"  # naive: stored UTC
    assert day(None) == ""
    assert day(date(2026, 12, 13)) == "13 December 2026"  # a calendar day, as forms give


def test_a_vote_closed_early_says_so_on_its_page_and_in_the_list(client):
    proposal, moderator, _ = make_proposal(ProposalState.VOTING)
    published = proposal.voting_until
    item = _between(client.get("/votes").get_data(as_text=True), proposal.title, "</li>")
    assert f"Voting open until {day(published)}" in item  # before: the schedule
    votes.close_vote(moderator, proposal, reason=REASON)
    told = f"Closed early on {day(proposal.closed_at)}: {REASON}"

    item = _between(client.get("/votes").get_data(as_text=True), proposal.title, "</li>")
    assert told in item and "open until" not in item
    page = client.get(f"/votes/{proposal.id}").get_data(as_text=True)
    timeline = _between(page, 'id="voting-dates">', "</li>")
    assert f"Closed early on {day(proposal.closed_at)}</strong>" in timeline
    assert f"Reason for closing early: {REASON}" in timeline
    assert f"to {day(published)}" not in timeline
    assert f"before its published closing date of {day(published)}" in timeline
    login(client, moderator)  # the voting page is for people signed in
    voting = client.get(f"/votes/{proposal.id}/vote").get_data(as_text=True)
    assert f"Voting is not open. {told}." in voting


def test_a_vote_closed_on_its_date_gives_the_close_without_a_reason(client):
    proposal, _, _ = make_proposal(ProposalState.VOTING)
    proposal.voting_until = utcnow()
    votes.close_vote(None, proposal, by_date=True)
    item = _between(client.get("/votes").get_data(as_text=True), proposal.title, "</li>")
    assert f"Voting closed on {day(proposal.closed_at)}" in item and "early" not in item


def test_a_round_moved_on_early_says_so_in_its_timeline_and_the_list(client):
    round_, moderator = make_round()[:2]
    published = round_.results_from
    listed = _between(client.get("/budgets").get_data(as_text=True), round_.title, "</tr>")
    assert f"Voting from {day(round_.voting_from)}" in listed
    budgets.advance_phase(moderator, round_, Phase.RESULTS, reason=REASON)
    began = round_.moved_early()[Phase.RESULTS].began

    listed = _between(client.get("/budgets").get_data(as_text=True), round_.title, "</tr>")
    assert f"Results since {day(began)}, moved on early: {REASON}" in listed
    page = client.get(f"/budgets/{round_.slug}").get_data(as_text=True)
    timeline = _between(page, '<ol class="govuk-list civic-timeline">', "</ol>")
    assert (
        f"Results</strong> (now): from {day(began)}, moved on early "
        f"(published date {day(published)})" in timeline
    )
    assert f"Results</strong> (now): from {day(published)}" not in timeline
    assert REASON in _between(page, 'id="early-moves"', "</div>")


def test_a_consultation_closed_early_says_so_in_the_list_and_on_its_page(client):
    consultation, moderator, _ = make_consultation()
    published = consultation.closes_at
    listed = _between(
        client.get("/consultations").get_data(as_text=True), consultation.title, "</li>"
    )
    assert f"Open until {day(published)}" in listed
    consultations.close_consultation(moderator, consultation, reason=REASON)
    told = f"Closed early on {day(consultation.closed_at)}: {REASON}"

    listed = _between(
        client.get("/consultations").get_data(as_text=True), consultation.title, "</li>"
    )
    assert told in listed and "Open until" not in listed and day(published) not in listed
    page = client.get(f"/consultations/{consultation.id}").get_data(as_text=True)
    assert told in _between(page, 'id="close-reason">', "</p>")
