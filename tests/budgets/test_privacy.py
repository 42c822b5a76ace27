"""A budget round's ballots stay secret: voting cannot open with fewer eligible residents
than MIN_ELECTORATE, the running count of ballots is shown only in bands, and anonymised
ballots (JSON, CSV, Pabulib) are published only when at least that many were cast."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from civic.budgets import services
from civic.budgets.models import Phase
from civic.privacy import ElectorateTooSmall
from tests.budgets.rounds_helpers import enter_paper, make_round, resident_of
from tests.conftest import csrf_token, login
from tests.factories import GroupFactory, MembershipFactory


@pytest.fixture
def minimum(app, monkeypatch):
    monkeypatch.setitem(app.config, "MIN_ELECTORATE", 10)
    return 10


def _round_in_review(residents: int):
    """A round ready to vote, whose area has `residents` eligible people (the proposer too)."""
    round_, moderator, projects = make_round(phase=Phase.REVIEW)
    voters = [resident_of(round_.area) for _ in range(residents - 1)]
    return round_, moderator, projects, voters


def test_voting_cannot_open_with_fewer_eligible_residents_than_the_minimum(minimum):
    round_, moderator, _, _ = _round_in_review(minimum - 1)
    with pytest.raises(ElectorateTooSmall, match="Only 9 people are eligible"):
        services.advance_phase(moderator, round_, Phase.VOTING, reason="Closed early for the test")
    assert round_.phase is Phase.REVIEW
    resident_of(round_.area)
    services.advance_phase(moderator, round_, Phase.VOTING, reason="Closed early for the test")
    assert round_.phase is Phase.VOTING


def test_a_group_round_counts_the_residents_who_can_vote_in_it(minimum):
    """A group's round is voted on by the area's eligible residents (members or not)."""
    round_, moderator, _, _ = _round_in_review(4)
    group = GroupFactory(area=round_.area)
    for _ in range(8):
        MembershipFactory(group=group)  # members who have not shown they live there
    round_.group_id = group.id
    with pytest.raises(ElectorateTooSmall):
        services.advance_phase(moderator, round_, Phase.VOTING, reason="Closed early for the test")


def test_the_refusal_is_shown_by_the_move_button(client, minimum):
    round_, moderator, _, _ = _round_in_review(3)
    login(client, moderator)
    page_url = f"/budgets/{round_.slug}"
    response = client.post(
        f"{page_url}/phase", data={"csrf_token": csrf_token(client, page_url), "to": "voting"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert '<a href="#manage">Only 3 people are eligible' in page
    assert round_.phase is Phase.REVIEW


def _vote(round_, projects, voters):
    for n, voter in enumerate(voters):
        services.cast_ballot(voter, round_, [(projects[n % len(projects)].id, 1)])


def test_the_running_count_of_ballots_is_a_band_until_the_results(client, minimum):
    round_, moderator, projects, voters = _round_in_review(20)
    services.advance_phase(moderator, round_, Phase.VOTING, reason="Closed early for the test")
    _vote(round_, projects, voters[:13])
    page = client.get(f"/budgets/{round_.slug}").get_data(as_text=True)
    cell = page.split('id="ballots-cast">', 1)[1].split("</dd>", 1)[0]
    assert cell.startswith("At least 10") and "13" not in cell
    _vote(round_, projects, voters[13:14])
    again = client.get(f"/budgets/{round_.slug}").get_data(as_text=True)
    assert again.split('id="ballots-cast">', 1)[1].split("</dd>", 1)[0] == cell
    # the round's managers see the exact figure
    login(client, moderator)
    managed = client.get(f"/budgets/{round_.slug}").get_data(as_text=True)
    assert "Ballots so far: 14." in managed
    services.advance_phase(moderator, round_, Phase.RESULTS, reason="Closed early for the test")
    after = client.get(f"/budgets/{round_.slug}").get_data(as_text=True)
    assert after.split('id="ballots-cast">', 1)[1].split("</dd>", 1)[0] == "14"


def test_ballots_below_the_minimum_are_not_published(app, client, minimum):
    round_, moderator, projects, voters = _round_in_review(12)
    services.advance_phase(moderator, round_, Phase.VOTING, reason="Closed early for the test")
    _vote(round_, projects, voters[:9])
    services.advance_phase(moderator, round_, Phase.RESULTS, reason="Closed early for the test")

    results = client.get(f"/budgets/{round_.slug}/results")
    assert results.status_code == 200  # the decision itself is always published
    page = results.get_data(as_text=True)
    assert "The ballots themselves are not published. Only 9 ballots were cast" in page
    assert f"/budgets/{round_.slug}/ballots.json" not in page
    as_json = client.get(f"/budgets/{round_.slug}/ballots.json")
    assert as_json.status_code == 404 and as_json.mimetype == "application/json"
    assert "Only 9 ballots were cast, fewer than the 10" in as_json.get_json()["message"]
    as_csv = client.get(f"/budgets/{round_.slug}/ballots.csv")
    assert as_csv.status_code == 404 and "Only 9 ballots" in as_csv.get_data(as_text=True)
    exported = CliRunner().invoke(
        app.cli, ["civic", "pabulib", "export", round_.slug], catch_exceptions=False
    )
    assert exported.exit_code == 1 and "Only 9 ballots" in exported.output
    assert "VOTES" not in exported.output


def test_ballots_at_the_minimum_are_published(app, client, minimum):
    round_, moderator, projects, voters = _round_in_review(12)
    services.advance_phase(moderator, round_, Phase.VOTING, reason="Closed early for the test")
    _vote(round_, projects, voters[:10])
    services.advance_phase(moderator, round_, Phase.RESULTS, reason="Closed early for the test")
    ballots = client.get(f"/budgets/{round_.slug}/ballots.json")
    assert ballots.status_code == 200 and len(ballots.get_json()) == 10
    assert client.get(f"/budgets/{round_.slug}/ballots.csv").status_code == 200
    exported = CliRunner().invoke(app.cli, ["civic", "pabulib", "export", round_.slug])
    assert exported.exit_code == 0 and "VOTES" in exported.output


def test_ballots_are_not_published_while_voting_runs(client, minimum):
    round_, moderator, projects, voters = _round_in_review(12)
    services.advance_phase(moderator, round_, Phase.VOTING, reason="Closed early for the test")
    _vote(round_, projects, voters)
    response = client.get(f"/budgets/{round_.slug}/ballots.json")
    assert response.status_code == 404
    assert "published with the results" in response.get_json()["message"]


def test_exported_ballots_cast_here_do_not_follow_the_order_of_casting(minimum):
    from civic.budgets.pabulib_io import export_round

    round_, moderator, projects, voters = _round_in_review(12)
    services.advance_phase(moderator, round_, Phase.VOTING, reason="Closed early for the test")
    # cast in the reverse of the contents' order: the export must not keep it
    for n, voter in enumerate(voters[:10]):
        services.cast_ballot(voter, round_, [(projects[3 - n % 4].id, 1)])
    services.advance_phase(moderator, round_, Phase.RESULTS, reason="Closed early for the test")
    votes = [v.vote for v in export_round(round_).votes]
    assert votes == sorted(votes)


def test_a_lone_paper_ballot_is_not_singled_out_in_the_published_ballots(client, minimum):
    """Who voted on paper is often known locally (an officer took it at a meeting), so a
    'paper' mark on fewer ballots than the minimum would publish those people's choices."""
    round_, moderator, projects, voters = _round_in_review(13)
    services.advance_phase(moderator, round_, Phase.VOTING, reason="Closed early for the test")
    _vote(round_, projects, voters[:11])
    enter_paper(moderator, round_, [(projects[-1].id, 1)], voters[11])
    services.advance_phase(moderator, round_, Phase.RESULTS, reason="Closed early for the test")
    ballots = client.get(f"/budgets/{round_.slug}/ballots.json").get_json()
    assert len(ballots) == 12
    assert {b["paper"] for b in ballots} == {None}
    rows = client.get(f"/budgets/{round_.slug}/ballots.csv").get_data(as_text=True)
    assert {line.rsplit(",", 1)[1] for line in rows.splitlines()[1:]} == {""}
    # the number of paper ballots is still published with the results
    assert client.get(f"/budgets/{round_.slug}/results.json").get_json()["paper_ballots"] == 1
