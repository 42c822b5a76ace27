"""Ballot fixes from the first-hour walk (issue 12): tampered choices, checking a total
without JavaScript, and withdrawing a saved ballot."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from civic.budgets.models import Ballot, BallotKind
from civic.extensions import db
from tests.budgets.rounds_helpers import make_round, resident_of
from tests.conftest import csrf_token, login


def _ballot_url(round_) -> str:
    return f"/budgets/{round_.slug}/ballot"


def _ballots() -> int:
    return db.session.scalar(select(func.count()).select_from(Ballot))


def _error_text(page: str) -> str:
    return " ".join(re.findall(r'class="govuk-error-message">(.*?)</p>', page, re.S))


@pytest.mark.parametrize("kind", [BallotKind.APPROVAL, BallotKind.K_OF_N])
def test_a_tampered_project_on_a_ticked_ballot_is_refused_in_ticking_words(client, kind):
    extra = {"max_projects": 2} if kind is BallotKind.K_OF_N else {}
    round_, _, (a, *_rest) = make_round(kind, **extra)
    login(client, resident_of(round_.area))
    url = _ballot_url(round_)
    response = client.post(
        url, data={"csrf_token": csrf_token(client, url), "project": ["abc", str(a.id)]}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in page
    error = _error_text(page)
    assert "One of the projects you ticked is not on this ballot" in error
    assert "point" not in error.lower()
    assert f'href="#project-{a.id}"' in page  # the summary leads to the first box
    assert _ballots() == 0


def test_a_tampered_ranked_choice_speaks_of_choices(client):
    round_, _, (a, *_rest) = make_round(BallotKind.RANKED, max_projects=3)
    login(client, resident_of(round_.area))
    url = _ballot_url(round_)
    response = client.post(
        url, data={"csrf_token": csrf_token(client, url), "rank-1": str(a.id), "rank-2": "x"}
    )
    assert response.status_code == 422
    error = _error_text(response.get_data(as_text=True))
    assert "One of your choices is not a project on this ballot" in error
    assert "point" not in error.lower()
    assert _ballots() == 0


def test_the_live_total_reports_a_tampered_project_without_a_500(htmx_client):
    round_, _, _projects = make_round()
    login(htmx_client, resident_of(round_.area))
    url = _ballot_url(round_)
    response = htmx_client.post(
        f"{url}/check", data={"csrf_token": csrf_token(htmx_client, url), "project": ["abc"]}
    )
    assert response.status_code == 200
    assert "One of the projects you ticked is not on this ballot" in response.get_data(as_text=True)


def test_check_my_total_without_javascript_shows_the_total_and_saves_nothing(client):
    round_, _, (a, b, _c, d) = make_round()
    login(client, resident_of(round_.area))
    url = _ballot_url(round_)
    page = client.get(url).get_data(as_text=True)
    assert re.search(r'<button type="submit" name="action" value="check"[^>]*>Check my total', page)
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "project": [str(a.id), str(b.id), str(d.id)],
            "action": "check",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "3 projects, costing £1,200" in page and "Over budget by £200" in page
    assert "more than the budget" in page  # what is wrong, before saving
    assert all(f'value="{p.id}" checked' in page for p in (a, b, d))  # choices kept
    assert "Your total (not saved yet)" in page
    assert _ballots() == 0


def test_check_my_total_leaves_a_saved_ballot_as_it_was(client):
    round_, _, (a, b, *_rest) = make_round()
    voter = resident_of(round_.area)
    login(client, voter)
    url = _ballot_url(round_)
    client.post(url, data={"csrf_token": csrf_token(client, url), "project": [str(a.id)]})
    response = client.post(
        url,
        data={"csrf_token": csrf_token(client, url), "project": [str(b.id)], "action": "check"},
    )
    assert response.status_code == 200
    assert "£700 left of £1,000" in response.get_data(as_text=True)
    saved = db.session.scalars(select(Ballot)).one()
    assert [e.project_id for e in saved.entries] == [a.id]
