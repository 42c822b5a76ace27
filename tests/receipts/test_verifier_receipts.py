"""`check_receipt` in the stand-alone verifier, run against the app through a `Site` whose
`get` uses the Flask test client: it trusts the published ballots, not the site's lookup."""

from __future__ import annotations

import json

import pytest

from civic.audit.verifier import FetchError, Site, check_receipt, main
from civic.budgets import services as budgets
from civic.budgets.models import Phase
from civic.votes import services as votes
from civic.votes.models import ProposalState
from tests.budgets.rounds_helpers import make_round, resident_of
from tests.votes.helpers import make_proposal, residents

BASE = "http://localhost"


def site_of(client, rewrite=None) -> Site:
    """The app as a Site; `rewrite(path, body)` may change what it answers (a lying site)."""

    def get(path: str) -> bytes:
        response = client.get(path)
        if response.status_code != 200:
            raise FetchError(f"{BASE}{path}: HTTP {response.status_code}")
        return rewrite(path, response.data) if rewrite else response.data

    return Site(BASE, get)


@pytest.fixture
def closed_vote():
    proposal, moderator, area = make_proposal(ProposalState.VOTING, quorum=0)
    voters = residents(area, 3)
    first = votes.cast_vote(voters[0], proposal, "for").code
    current = votes.cast_vote(voters[0], proposal, "against").code
    for voter in voters[1:]:
        votes.cast_vote(voter, proposal, "for")
    votes.close_vote(moderator, proposal, reason="Closed early for the test")
    return proposal, first, current


def test_a_counted_vote_exits_0_and_prints_the_ballot(client, closed_vote, capsys):
    _, _, current = closed_vote
    assert check_receipt(site_of(client), current.lower()) == 0
    out = capsys.readouterr().out
    assert f"{current}: counted in the vote on" in out and "(3 published ballots)" in out
    assert "as cast: a vote against" in out


def test_a_replaced_vote_exits_1(client, closed_vote, capsys):
    _, first, _ = closed_vote
    assert check_receipt(site_of(client), first) == 1
    assert "replaced by a later ballot" in capsys.readouterr().out


def test_a_counted_budget_ballot_is_printed_with_titles(client, capsys):
    round_, officer, (a, b, *_rest) = make_round()
    code = budgets.cast_ballot(resident_of(round_.area), round_, [(b.id, 1), (a.id, 1)]).receipt
    budgets.advance_phase(officer, round_, Phase.RESULTS, reason="Closed early for the test")
    assert check_receipt(site_of(client), code) == 0
    out = capsys.readouterr().out
    assert f"as cast: {b.title} [{b.external_id}]; {a.title} [{a.external_id}]" in out


def test_a_withdrawn_budget_ballot_exits_1_and_says_withdrawn(client, capsys):
    round_, officer, (a, *_rest) = make_round()
    leaver = resident_of(round_.area)
    code = budgets.cast_ballot(leaver, round_, [(a.id, 1)]).receipt
    budgets.cast_ballot(resident_of(round_.area), round_, [(a.id, 1)])
    budgets.withdraw_ballot(leaver, round_)
    budgets.advance_phase(officer, round_, Phase.RESULTS, reason="Closed early for the test")
    assert check_receipt(site_of(client), code) == 1
    assert "withdrawn by its voter" in capsys.readouterr().out


def tampered_ballots(proposal, change):
    """A rewrite for `site_of`: the vote's published ballots passed through `change`."""

    def rewrite(path: str, body: bytes) -> bytes:
        if path != f"/votes/{proposal.id}/ballots.json":
            return body
        published = json.loads(body)
        published["ballots"] = change(published["ballots"])
        return json.dumps(published).encode()

    return rewrite


def test_a_lookup_that_lies_is_caught_by_the_published_list(client, closed_vote, capsys):
    """The site says "counted", but its published ballots (what a recount uses) lack it."""
    proposal, _, current = closed_vote
    drop_it = tampered_ballots(
        proposal, lambda ballots: [b for b in ballots if b["receipt"] != current]
    )
    assert check_receipt(site_of(client, drop_it), current) == 1
    assert "not among the 2 published ballots" in capsys.readouterr().out


def test_a_code_listed_twice_is_not_counted(client, closed_vote, capsys):
    proposal, _, current = closed_vote
    twice = tampered_ballots(
        proposal, lambda ballots: [*ballots, {"receipt": current, "choice": "for"}]
    )
    assert check_receipt(site_of(client, twice), current) == 1
    assert "listed 2 times" in capsys.readouterr().out


def test_before_the_close_the_receipt_is_not_yet_checkable(client, capsys):
    proposal, _, area = make_proposal(ProposalState.VOTING)
    code = votes.cast_vote(residents(area, 1)[0], proposal, "for").code
    assert check_receipt(site_of(client), code) == 1
    assert "still open" in capsys.readouterr().out


def test_an_unknown_code_exits_1(client, capsys):
    assert check_receipt(site_of(client), "0000-0000-0000-0000") == 1
    assert "does not know this receipt code" in capsys.readouterr().out


def test_a_malformed_code_exits_2(client, capsys):
    assert check_receipt(site_of(client), "not-a-code") == 2
    assert "not a receipt code" in capsys.readouterr().out


def test_an_unreachable_site_exits_2(capsys):
    def down(path: str) -> bytes:
        raise FetchError(f"{BASE}{path}: connection refused")

    assert check_receipt(Site(BASE, down), "0000-0000-0000-0000") == 2
    assert "could not check" in capsys.readouterr().out
    # and from the command line, an address nobody listens on
    assert main(["http://127.0.0.1:9", "--receipt", "0000-0000-0000-0000"]) == 2
