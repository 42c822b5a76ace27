"""Ballot receipts end to end: codes on every cast, a new one on every change with the old
one kept as replaced, ballots published by receipt only after the close and above the
privacy minimum, the published count equal to the log's participation count, and the
/receipts page, its JSON and the voter's downloadable receipt."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from civic.audit.verifier import PRINTED_RECEIPT
from civic.budgets import contests
from civic.budgets import services as budgets
from civic.budgets.models import Phase, RoundResult
from civic.budgets.pabulib import parse_file
from civic.budgets.pabulib_io import import_round
from civic.contests import flow
from civic.errors import Conflict
from civic.extensions import db
from civic.i18n import format_day
from civic.receipts import codes
from civic.votes import services as votes
from civic.votes.models import ProposalState
from tests.budgets.rounds_helpers import enter_paper, make_round, resident_of
from tests.conftest import csrf_token, login
from tests.factories import AreaFactory, ModeratorFactory
from tests.votes.helpers import make_proposal, residents

ASSEN = Path(__file__).parent.parent / "data" / "pabulib" / "Netherlands_Assen_2024.pb"
EARLY = "Closed early for the test"


def _published_votes(client, proposal) -> dict:
    response = client.get(f"/votes/{proposal.id}/ballots.json")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


@pytest.fixture
def closed_vote():
    """A closed vote: five residents voted, the first changed their mind (for -> against).
    Returns (proposal, first code, replacing code, the other voters' codes)."""
    proposal, moderator, area = make_proposal(ProposalState.VOTING, quorum=0)
    voters = residents(area, 5)
    first = votes.cast_vote(voters[0], proposal, "for")
    assert first.replaced is None
    again = votes.cast_vote(voters[0], proposal, "against")
    others = [votes.cast_vote(v, proposal, "for").code for v in voters[1:]]
    votes.close_vote(moderator, proposal, reason=EARLY)
    return proposal, first.code, again.code, others


# --- codes and re-votes -----------------------------------------------------------------


def test_a_change_gets_a_new_code_and_the_old_one_is_replaced():
    proposal, _, area = make_proposal(ProposalState.VOTING)
    (voter,) = residents(area, 1)
    first = votes.cast_vote(voter, proposal, "for")
    second = votes.cast_vote(voter, proposal, "for")  # the same choice again: still a new cast
    assert PRINTED_RECEIPT.match(first.code) and PRINTED_RECEIPT.match(second.code)
    assert second.code != first.code and second.replaced == first.code
    assert votes.my_receipt(proposal, voter) == second.code
    assert codes.retired_codes(proposal.audit_subject) == [first.code]


def test_a_changed_budget_ballot_gets_a_new_code():
    round_, _, (a, b, *_rest) = make_round()
    voter = resident_of(round_.area)
    first = budgets.cast_ballot(voter, round_, [(a.id, 1)])
    assert first.replaced_receipt is None
    first_code = first.receipt
    second = budgets.cast_ballot(voter, round_, [(b.id, 1)])
    assert second.receipt != first_code and second.replaced_receipt == first_code
    assert budgets.my_receipt(round_, voter) == second.receipt
    assert codes.retired_codes(round_.audit_subject) == [first_code]


# --- publication ------------------------------------------------------------------------


def test_a_closed_vote_is_published_by_receipt(client, closed_vote):
    proposal, first, again, others = closed_vote
    body = _published_votes(client, proposal)
    listed = [b["receipt"] for b in body["ballots"]]
    assert listed == sorted([again, *others])  # sorted by code; the replaced one is not in it
    assert {b["receipt"]: b["choice"] for b in body["ballots"]}[again] == "against"
    assert body["totals"] == {"for": proposal.votes_for, "against": proposal.votes_against}
    assert body["totals"] == {"for": 4, "against": 1}
    assert body["replaced"] == [first]
    # as many published ballots as the log has participation entries
    assert codes.participation_count(proposal.audit_subject) == len(body["ballots"]) == 5


def test_no_vote_is_published_before_the_close(client):
    proposal, _, area = make_proposal(ProposalState.VOTING)
    votes.cast_vote(residents(area, 1)[0], proposal, "for")
    response = client.get(f"/votes/{proposal.id}/ballots.json")
    assert response.status_code == 404
    assert "when the vote closes" in response.get_json()["message"]


def test_no_vote_is_published_under_the_privacy_minimum(app, client, monkeypatch):
    proposal, moderator, area = make_proposal(ProposalState.VOTING, quorum=0)
    cast = [votes.cast_vote(v, proposal, "for").code for v in residents(area, 3)]
    votes.close_vote(moderator, proposal, reason=EARLY)
    monkeypatch.setitem(app.config, "MIN_ELECTORATE", 10)
    response = client.get(f"/votes/{proposal.id}/ballots.json")
    assert response.status_code == 404 and "fewer than the 10" in response.get_json()["message"]
    # nor through the receipt page or its JSON: no choice is shown
    answer = client.get(f"/receipts/{cast[0]}.json").get_json()
    assert answer["status"] == "withheld" and "ballot" not in answer
    assert "ballots_url" not in answer
    page = client.get(f"/receipts?code={cast[0]}").get_data(as_text=True)
    assert "Not published: too few ballots" in page and "Ballot as counted" not in page


def test_a_rounds_published_ballots_match_its_participation_entries(client):
    """Online ballots, a changed one, a paper ballot whose re-entry is refused, a paper
    ballot voided after a contest (and its resident voting again online): every kind of
    cast keeps the count."""
    round_, officer, (a, b, c, _d) = make_round()
    online = [resident_of(round_.area) for _ in range(3)]
    for voter in online:
        budgets.cast_ballot(voter, round_, [(a.id, 1)])
    changed_from = budgets.my_receipt(round_, online[0])
    budgets.cast_ballot(online[0], round_, [(b.id, 1), (c.id, 1)])
    rita, sam = resident_of(round_.area), resident_of(round_.area)
    enter_paper(officer, round_, [(a.id, 1)], rita)
    rita_paper = budgets.my_receipt(round_, rita)
    with pytest.raises(Conflict, match="one paper never replaces another"):
        enter_paper(officer, round_, [(b.id, 1)], rita)  # a "correction": she contests instead
    enter_paper(officer, round_, [(c.id, 1)], sam)
    voided = budgets.my_receipt(round_, sam)
    contest = contests.contest_paper_ballot(sam, round_, "I chose project 1, not 3")
    flow.resolve(ModeratorFactory(), contest, "remove", "Entered wrongly, sorry")
    budgets.cast_ballot(sam, round_, [(a.id, 1)])
    budgets.advance_phase(officer, round_, Phase.RESULTS, reason=EARLY)

    published = json.loads(client.get(f"/budgets/{round_.slug}/ballots.json").data)
    receipts = [b["receipt"] for b in published]
    assert receipts == sorted(receipts) and all(PRINTED_RECEIPT.match(r) for r in receipts)
    assert {"projects", "points", "paper"} <= set(published[0])  # the other fields stay
    result = db.session.get(RoundResult, round_.id)
    assert codes.participation_count(round_.audit_subject) == len(published) == result.ballots
    assert len(published) == 5  # three online, Rita on paper, Sam online after the void
    assert budgets.my_receipt(round_, online[0]) in receipts
    retired = client.get(f"/budgets/{round_.slug}/replaced.json").get_json()
    assert retired["replaced"] == [changed_from]
    assert retired["voided"] == [voided]
    assert rita_paper in receipts
    assert not set(receipts) & {changed_from, voided}


def test_an_imported_round_counts_its_files_ballots(client):
    """An import logs one `budget_round:import` entry stating how many ballots the file
    brought (no entry per ballot): that number is its participation count."""
    round_ = import_round(parse_file(ASSEN), AreaFactory(), slug="assen-receipts")
    published = json.loads(client.get(f"/budgets/{round_.slug}/ballots.json").data)
    assert len({b["receipt"] for b in published}) == len(published)
    result = db.session.get(RoundResult, round_.id)
    assert codes.participation_count(round_.audit_subject) == len(published) == result.ballots


def test_a_rounds_ballots_are_not_published_before_its_results(client):
    round_, _, (a, *_rest) = make_round()
    budgets.cast_ballot(resident_of(round_.area), round_, [(a.id, 1)])
    assert client.get(f"/budgets/{round_.slug}/ballots.json").status_code == 404
    assert client.get(f"/budgets/{round_.slug}/replaced.json").status_code == 404


# --- the /receipts page and its JSON ----------------------------------------------------


def test_the_page_shows_a_counted_vote(client, closed_vote):
    proposal, _, again, _ = closed_vote
    response = client.get(f"/receipts?code={again.lower().replace('-', ' ')}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<h2 class="govuk-heading-m">Counted</h2>' in page
    assert again in page and "Against" in page and proposal.title in page
    assert f"/votes/{proposal.id}/ballots.json" in page


def test_the_page_shows_a_replaced_code(client, closed_vote):
    _, first, _, _ = closed_vote
    page = client.get(f"/receipts?code={first}").get_data(as_text=True)
    assert "Replaced by a later ballot" in page and "only the later ballot is counted" in page
    assert "Ballot as counted" not in page


def test_the_page_shows_a_counted_budget_ballot_with_titles(client):
    round_, officer, (a, b, *_rest) = make_round()
    voter = resident_of(round_.area)
    code = budgets.cast_ballot(voter, round_, [(b.id, 1), (a.id, 1)]).receipt
    budgets.advance_phase(officer, round_, Phase.RESULTS, reason=EARLY)
    page = client.get(f"/receipts?code={code}").get_data(as_text=True)
    assert "Ballot as counted" in page
    assert page.index(b.title) < page.index(a.title)  # in ballot order
    answer = client.get(f"/receipts/{code}.json").get_json()
    assert answer["status"] == "counted"
    assert answer["ballot"]["projects"] == [b.external_id, a.external_id]
    assert answer["projects"][a.external_id] == a.title


def test_before_the_close_a_code_says_only_where_it_belongs(client):
    proposal, _, area = make_proposal(ProposalState.VOTING)
    (voter,) = residents(area, 1)
    first = votes.cast_vote(voter, proposal, "for").code
    current = votes.cast_vote(voter, proposal, "against").code
    for code in (first, current):  # replaced or not: the same answer until the close
        page = client.get(f"/receipts?code={code}").get_data(as_text=True)
        assert "Not published yet" in page and "still open" in page
        assert format_day(proposal.voting_until) in page  # "7 December 2026", as pages write
        assert "Against" not in page and "Replaced" not in page
        answer = client.get(f"/receipts/{code}.json").get_json()
        assert answer["status"] == "not_published" and "ballot" not in answer
        assert answer["subject"] == {"type": "proposal", "id": str(proposal.id)}


def test_an_unknown_code_is_not_found_with_help(client):
    response = client.get("/receipts?code=0000-0000-0000-0000")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "No ballot has the receipt 0000-0000-0000-0000" in page
    assert "use the newest receipt" in page
    answer = client.get("/receipts/0000-0000-0000-0000.json")
    assert answer.status_code == 404 and answer.get_json()["error"] == "Unknown receipt"


def test_a_malformed_code_is_refused_by_the_field(client):
    response = client.get("/receipts?code=ABC")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<title>Error: Check a ballot receipt" in page
    assert 'href="#code"' in page and 'id="code-error"' in page
    assert "yours has 3" in page and 'value="ABC"' in page
    answer = client.get("/receipts/ABC.json")
    assert answer.status_code == 400 and "yours has 3" in answer.get_json()["message"]


def test_the_empty_form_asks_for_a_code(client):
    page = client.get("/receipts").get_data(as_text=True)
    assert '<label class="govuk-label govuk-label--s" for="code">' in page
    assert "What a receipt proves, and what it does not" in page
    assert "receipt-result" not in page


# --- the voter's confirmation and download ----------------------------------------------


def test_the_voter_sees_and_downloads_their_receipt(client):
    proposal, _, area = make_proposal(ProposalState.VOTING)
    (voter,) = residents(area, 1)
    login(client, voter)
    url = f"/votes/{proposal.id}/vote"
    client.post(url, data={"csrf_token": csrf_token(client, url), "choice": "for"})
    first = votes.my_receipt(proposal, voter)
    page = client.get(f"/votes/{proposal.id}").get_data(as_text=True)
    assert f"Your receipt is {first}" in page  # the confirmation
    assert "Your receipt code is" in page and "Download your receipt" in page
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "choice": "against"})
    current = votes.my_receipt(proposal, voter)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Your new receipt is {current}; your earlier receipt {first} is now marked" in page
    text = client.get(f"/votes/{proposal.id}/receipt.txt")
    assert text.status_code == 200 and text.mimetype == "text/plain"
    body = text.get_data(as_text=True)
    assert current in body and first not in body and proposal.title in body
    assert ":00 UTC (to the hour)" in body and f"/receipts?code={current}" in body
    assert "attachment" in text.headers["Content-Disposition"]


def test_a_budget_voter_sees_their_receipt_on_the_ballot_page(client):
    round_, _, (a, *_rest) = make_round()
    voter = resident_of(round_.area)
    login(client, voter)
    url = f"/budgets/{round_.slug}/ballot"
    client.post(url, data={"csrf_token": csrf_token(client, url), "project": str(a.id)})
    code = budgets.my_receipt(round_, voter)
    page = client.get(url).get_data(as_text=True)
    assert f"Your receipt is {code}" in page and "Your receipt code is" in page
    assert client.get(f"/budgets/{round_.slug}/receipt.txt").status_code == 200


def test_no_receipt_to_download_without_a_ballot(client):
    proposal, _, area = make_proposal(ProposalState.VOTING)
    login(client, residents(area, 1)[0])
    assert client.get(f"/votes/{proposal.id}/receipt.txt").status_code == 404
