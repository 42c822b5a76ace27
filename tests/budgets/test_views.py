"""Budget pages over HTTP: ballots with and without htmx, paper ballots, results, exports."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from civic.budgets import services
from civic.budgets.models import Ballot, BallotKind, Phase
from civic.extensions import db
from tests.budgets.rounds_helpers import make_round, resident_of
from tests.conftest import csrf_token, login
from tests.factories import UserFactory


def _vote(client, round_, ids, path=None):
    url = path or f"/budgets/{round_.slug}/ballot"
    token = csrf_token(client, url)
    return client.post(url, data={"csrf_token": token, "project": [str(i) for i in ids]})


def test_round_page_is_public(client):
    round_, _, projects = make_round()
    page = client.get(f"/budgets/{round_.slug}").get_data(as_text=True)
    assert round_.title in page and projects[0].title in page and "£1,000" in page


def test_vote_within_budget_without_javascript(client):
    round_, _, (a, b, *_rest) = make_round()
    voter = resident_of(round_.area)
    login(client, voter)
    response = _vote(client, round_, [a.id, b.id])
    assert response.status_code == 302
    page = client.get(f"/budgets/{round_.slug}/ballot").get_data(as_text=True)
    assert f'value="{a.id}" checked' in page and "£300 left of £1,000" in page


def test_over_budget_ballot_is_refused_and_choices_kept(client):
    round_, _, (a, b, _c, d) = make_round()
    login(client, resident_of(round_.area))
    response = _vote(client, round_, [a.id, b.id, d.id])
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in page and "more than the budget" in page
    assert all(f'value="{p.id}" checked' in page for p in (a, b, d))
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 0


def test_htmx_running_total(htmx_client):
    round_, _, (a, b, _c, d) = make_round()
    login(htmx_client, resident_of(round_.area))
    token = csrf_token(htmx_client, f"/budgets/{round_.slug}/ballot")
    fragment = htmx_client.post(
        f"/budgets/{round_.slug}/ballot/check",
        data={"csrf_token": token, "project": [str(a.id), str(b.id), str(d.id)]},
    ).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="ballot-summary"') and "<html" not in fragment
    assert "3 projects, costing £1,200" in fragment and "Over budget by £200" in fragment
    fine = htmx_client.post(
        f"/budgets/{round_.slug}/ballot/check",
        data={"csrf_token": token, "project": [str(a.id)]},
    ).get_data(as_text=True)
    assert "£600 left of £1,000" in fine and "can be saved" in fine


def test_ballot_check_needs_the_csrf_token(client):
    round_, _, (a, *_rest) = make_round()
    response = client.post(f"/budgets/{round_.slug}/ballot/check", data={"project": [str(a.id)]})
    assert response.status_code == 400


def test_cumulative_and_ranked_forms(client):
    cum, _, (a, b, *_r) = make_round(BallotKind.CUMULATIVE, points=10)
    login(client, resident_of(cum.area))
    url = f"/budgets/{cum.slug}/ballot"
    bad = client.post(url, data={"csrf_token": csrf_token(client, url), f"points-{a.id}": "x"})
    assert bad.status_code == 422 and "whole numbers" in bad.get_data(as_text=True)
    good = client.post(
        url,
        data={"csrf_token": csrf_token(client, url), f"points-{a.id}": "7", f"points-{b.id}": "3"},
    )
    assert good.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert f'name="points-{a.id}" type="text" inputmode="numeric" value="7"' in page
    assert "10 of 10 points used" in page


def test_ranked_ballot_keeps_order(client):
    ranked, _, (a, _b, c, _d) = make_round(BallotKind.RANKED, max_projects=3)
    voter = resident_of(ranked.area)
    login(client, voter)
    url = f"/budgets/{ranked.slug}/ballot"
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "rank-1": str(c.id),
            "rank-2": str(a.id),
            "rank-3": "",
        },
    )
    assert response.status_code == 302
    assert services.current_choice(ranked, voter) == [(c.id, 1), (a.id, 1)]


def test_paper_ballot_page_for_managers_only(client):
    round_, moderator, (a, *_rest) = make_round()
    resident = resident_of(round_.area)
    login(client, resident)
    assert client.get(f"/budgets/{round_.slug}/paper").status_code == 403
    mod = client.application.test_client()
    login(mod, moderator)
    url = f"/budgets/{round_.slug}/paper"
    unknown = mod.post(
        url, data={"csrf_token": csrf_token(mod, url), "email": "no@x.org", "project": [str(a.id)]}
    )
    assert unknown.status_code == 422 and 'value="no@x.org"' in unknown.get_data(as_text=True)
    ok = mod.post(
        url,
        data={"csrf_token": csrf_token(mod, url), "email": resident.email, "project": [str(a.id)]},
    )
    assert ok.status_code == 302
    assert services.ballot_count(round_) == (1, 1)


def test_outsider_gets_403_with_how_to_become_eligible(client):
    round_, _, (a, *_rest) = make_round()
    login(client, UserFactory())
    response = _vote(client, round_, [a.id])
    assert response.status_code == 403
    assert "enter the code from your letter" in response.get_data(as_text=True)


def test_results_page_and_exports(client):
    round_, moderator, (a, b, c, d) = make_round(rule="greedy")
    for choice in ([a, b], [a, c], [d]):
        services.cast_ballot(resident_of(round_.area), round_, [(p.id, 1) for p in choice])
    assert client.get(f"/budgets/{round_.slug}/results").status_code == 404
    assert client.get(f"/budgets/{round_.slug}/ballots.json").status_code == 404
    services.advance_phase(moderator, round_, Phase.RESULTS)
    page = client.get(f"/budgets/{round_.slug}/results").get_data(as_text=True)
    assert "<svg" in page and "<table" in page and "Ties: input order" in page
    assert "Funded" in page and "Not funded" in page
    data = client.get(f"/budgets/{round_.slug}/results.json").get_json()
    assert data["selected"] == [a.external_id, b.external_id, c.external_id]
    assert {p["id"]: p["votes"] for p in data["projects"]} == {
        a.external_id: 2,
        b.external_id: 1,
        c.external_id: 1,
        d.external_id: 1,
    }
    ballots = list(
        csv.reader(
            io.StringIO(client.get(f"/budgets/{round_.slug}/ballots.csv").get_data(as_text=True))
        )
    )
    assert ballots[0] == ["ballot", "projects", "points", "paper"] and len(ballots) == 4
    assert all("@" not in cell for row in ballots for cell in row)
