"""Budget pages over HTTP: ballots with and without htmx, paper ballots, results, exports."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from sqlalchemy import func, select

from civic.accounts.models import utcnow
from civic.budgets import services
from civic.budgets.models import Ballot, BallotKind, Phase, RoundResult
from civic.clock import day
from civic.extensions import db
from civic.paper import services as paper_forms
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
    assert bad.status_code == 422 and "as a whole number" in bad.get_data(as_text=True)
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
    paper_forms.issue_papers(moderator, round_, 1)
    url = f"/budgets/{round_.slug}/paper"
    unknown = mod.post(
        url, data={"csrf_token": csrf_token(mod, url), "email": "no@x.org", "project": [str(a.id)]}
    )
    assert unknown.status_code == 422 and 'value="no@x.org"' in unknown.get_data(as_text=True)
    ok = mod.post(
        url,
        data={
            "csrf_token": csrf_token(mod, url),
            "email": resident.email,
            "project": [str(a.id)],
            "paper_number": "1",
        },
    )
    assert ok.status_code == 302
    assert services.ballot_count(round_) == (1, 1)


def test_outsider_gets_403_with_how_to_become_eligible(client):
    round_, _, (a, *_rest) = make_round()
    login(client, UserFactory())
    response = _vote(client, round_, [a.id])
    assert response.status_code == 403
    assert "enter the code from your letter" in response.get_data(as_text=True)


def test_an_outsider_is_not_shown_a_ballot_the_service_would_refuse(client):
    round_, _, _projects = make_round()
    login(client, UserFactory())
    page = client.get(f"/budgets/{round_.slug}/ballot").get_data(as_text=True)
    assert f'action="/budgets/{round_.slug}/ballot"' not in page
    assert f"Only residents of {round_.area.name} can vote here" in page
    login(client, resident_of(round_.area))
    page = client.get(f"/budgets/{round_.slug}/ballot").get_data(as_text=True)
    assert f'action="/budgets/{round_.slug}/ballot"' in page


def test_results_page_and_exports(client):
    round_, moderator, (a, b, c, d) = make_round(rule="greedy")
    for choice in ([a, b], [a, c], [d]):
        services.cast_ballot(resident_of(round_.area), round_, [(p.id, 1) for p in choice])
    assert client.get(f"/budgets/{round_.slug}/results").status_code == 404
    assert client.get(f"/budgets/{round_.slug}/ballots.json").status_code == 404
    services.advance_phase(moderator, round_, Phase.RESULTS, reason="Counted early in this test")
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


def _review(client, round_, project, **fields):
    url = f"/budgets/{round_.slug}/projects/{project.id}"
    token = csrf_token(client, f"/budgets/{round_.slug}")
    data = {"review-csrf_token": token, "review-submit": "Save review"}
    data.update({f"review-{name}": value for name, value in fields.items()})
    return client.post(url, data=data)


def test_review_over_the_budget_is_refused_next_to_the_cost(client):
    round_, moderator, _ = make_round(phase=Phase.IDEAS, amount_pounds=1000)
    project = services.propose_project(
        resident_of(round_.area), round_, title="Big", description="d", cost_units=900
    )
    login(client, moderator)
    response = _review(client, round_, project, decision="feasible", cost="9000", cost_note="q")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in page and 'id="review-cost-error"' in page
    assert "more than the whole budget of £1,000" in page
    assert 'value="9000"' in page and 'value="q"' in page
    assert project.status.value == "submitted"


def test_the_proposer_is_not_offered_the_review_of_their_own_idea(client):
    round_, moderator, _ = make_round(phase=Phase.IDEAS)
    own = services.propose_project(moderator, round_, title="Mine", description="d", cost_units=1)
    login(client, moderator)
    page = client.get(f"/budgets/{round_.slug}/projects/{own.id}").get_data(as_text=True)
    assert "You proposed this project" in page and "Save review" not in page
    response = _review(client, round_, own, decision="feasible")
    assert response.status_code == 403
    assert "You proposed this project" in response.get_data(as_text=True)
    assert own.status.value == "submitted"


def test_cumulative_errors_keep_what_was_typed_next_to_each_project(client):
    cum, _, (a, b, c, _d) = make_round(BallotKind.CUMULATIVE, points=10, max_points_per_project=5)
    login(client, resident_of(cum.area))
    url = f"/budgets/{cum.slug}/ballot"
    data = {"csrf_token": csrf_token(client, url), f"points-{a.id}": "a", f"points-{b.id}": "2.5"}
    response = client.post(url, data={**data, f"points-{c.id}": "3"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="points-{a.id}" name="points-{a.id}" type="text" inputmode="numeric" value="a"' in (
        page.replace('class="govuk-input govuk-input--width-3 govuk-input--error" ', "")
    )
    assert 'value="2.5"' in page and 'value="3"' in page
    assert f'id="points-{a.id}-error"' in page and f'id="points-{b.id}-error"' in page
    assert f'href="#points-{b.id}"' in page
    capped = client.post(
        url, data={"csrf_token": data["csrf_token"], f"points-{a.id}": "6", f"points-{b.id}": "1"}
    )
    page = capped.get_data(as_text=True)
    assert capped.status_code == 422
    assert f"{a.title} can get at most 5 points" in page
    assert f'<p id="points-{a.id}-error" class="govuk-error-message">' in page
    assert f'href="#points-{a.id}"' in page and 'value="6"' in page
    assert f'<p id="points-{b.id}-error"' not in page


def test_round_page_never_says_a_round_moves_back(client):
    round_, moderator, _ = make_round(phase=Phase.IDEAS)
    services.advance_phase(moderator, round_, Phase.REVIEW)
    round_.review_from = utcnow() + timedelta(days=5)  # by its dates it is still in ideas
    round_.voting_from = utcnow() + timedelta(days=6)
    db.session.flush()
    assert services.due_phase(round_) is Phase.IDEAS
    page = client.get(f"/budgets/{round_.slug}").get_data(as_text=True)
    assert "moves on shortly" not in page
    round_.review_from = utcnow() - timedelta(days=5)
    round_.voting_from = utcnow() - timedelta(days=1)
    db.session.flush()
    page = client.get(f"/budgets/{round_.slug}").get_data(as_text=True)
    assert "due to be in voting; it moves on shortly" in page


def test_a_round_not_yet_open_says_when_ideas_open(client):
    round_, _, _ = make_round(phase=Phase.IDEAS)
    opens = utcnow() + timedelta(days=3)
    round_.ideas_from = opens
    db.session.flush()
    page = client.get(f"/budgets/{round_.slug}").get_data(as_text=True)
    assert f"Ideas open on {day(opens)}" in page
    assert "(now)" not in page and "Propose an idea" not in page


def test_saved_ballot_is_labelled_as_saved_without_javascript(client):
    round_, _, (a, b, _c, d) = make_round()
    login(client, resident_of(round_.area))
    assert "You have not saved a ballot yet" in client.get(f"/budgets/{round_.slug}/ballot").text
    assert _vote(client, round_, [a.id]).status_code == 302
    page = client.get(f"/budgets/{round_.slug}/ballot").get_data(as_text=True)
    assert "Your saved ballot" in page and "Your choices so far" not in page
    assert "can be saved" not in page
    refused = _vote(client, round_, [a.id, b.id, d.id]).get_data(as_text=True)
    assert "The choices you sent (not saved)" in refused and "can be saved" not in refused


def test_a_refused_phase_change_is_explained_on_the_round_page(client):
    round_, moderator, _ = make_round(phase=Phase.IDEAS)
    services.propose_project(
        resident_of(round_.area), round_, title="Late idea", description="d", cost_units=10
    )
    services.advance_phase(moderator, round_, Phase.REVIEW)
    login(client, moderator)
    url = f"/budgets/{round_.slug}"
    response = client.post(
        f"{url}/phase", data={"csrf_token": csrf_token(client, url), "to": "voting"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "There is a problem" in page and "1 project still awaits review" in page
    assert round_.title in page and 'href="#manage"' in page and 'id="manage"' in page
    assert round_.phase is Phase.REVIEW


def test_moving_to_results_needs_a_tick_that_works_without_javascript(client):
    round_, moderator, _ = make_round()
    login(client, moderator)
    url = f"/budgets/{round_.slug}"
    page = client.get(url).get_data(as_text=True)
    assert (
        'name="confirm"' in page and "I understand the results will be computed and frozen" in page
    )
    refused = client.post(
        f"{url}/phase", data={"csrf_token": csrf_token(client, url), "to": "results"}
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'id="confirm-error"' in page and 'href="#confirm"' in page
    assert "Tick the box to confirm" in page
    assert round_.phase is Phase.VOTING
    assert db.session.get(RoundResult, round_.id) is None
    moved = client.post(
        f"{url}/phase",
        data={
            "csrf_token": csrf_token(client, url),
            "to": "results",
            "confirm": "yes",
            "reason": "Every resident has voted already",
        },
    )
    assert moved.status_code == 302 and round_.phase is Phase.RESULTS
    assert db.session.get(RoundResult, round_.id) is not None


def test_other_phase_changes_need_no_tick(client):
    round_, moderator, _ = make_round(phase=Phase.IDEAS)
    login(client, moderator)
    url = f"/budgets/{round_.slug}"
    assert 'name="confirm"' not in client.get(url).get_data(as_text=True)
    response = client.post(
        f"{url}/phase", data={"csrf_token": csrf_token(client, url), "to": "review"}
    )
    assert response.status_code == 302 and round_.phase is Phase.REVIEW


def test_results_page_is_headed_with_the_round_title(client):
    round_, moderator, (a, *_rest) = make_round()
    services.cast_ballot(resident_of(round_.area), round_, [(a.id, 1)])
    services.advance_phase(moderator, round_, Phase.RESULTS, reason="Counted early in this test")
    page = client.get(f"/budgets/{round_.slug}/results").get_data(as_text=True)
    assert '<h1 class="govuk-heading-l">Results: Riverside 2027</h1>' in page
    assert re.search(r"<title>\s*Results: Riverside 2027", page)


def test_review_form_starts_with_the_current_cost_in_pounds(client):
    round_, moderator, _ = make_round(phase=Phase.IDEAS)
    project = services.propose_project(
        resident_of(round_.area), round_, title="Bench", description="d", cost_units=125
    )
    login(client, moderator)
    page = client.get(f"/budgets/{round_.slug}/projects/{project.id}").get_data(as_text=True)
    cost_box = re.search(r'<input[^>]*id="review-cost"[^>]*>', page)
    assert cost_box and 'value="125"' in cost_box.group(0)
    # sent back unchanged, it is not a change of cost (no note needed)
    response = _review(client, round_, project, decision="feasible", cost="125")
    assert response.status_code == 302 and project.cost == 12500


def test_results_downloads_link_each_project_to_its_page(app, client):
    round_, moderator, (a, b, c, d) = make_round(rule="greedy")
    services.cast_ballot(resident_of(round_.area), round_, [(a.id, 1), (b.id, 1)])
    services.advance_phase(moderator, round_, Phase.RESULTS, reason="Counted early in this test")
    # the site's own address (CIVIC_SITE_URL), not the Host header of whoever asked first:
    # the files are built once and served to everyone
    site = app.config["SITE_URL"]
    pages = {p.external_id: f"{site}/budgets/{round_.slug}/projects/{p.id}" for p in (a, b, c, d)}
    data = client.get(f"/budgets/{round_.slug}/results.json").get_json()
    assert {p["id"]: p["url"] for p in data["projects"]} == pages
    assert {"title", "cost", "votes", "explanation"} <= set(data["projects"][0])
    rows = list(
        csv.DictReader(
            io.StringIO(client.get(f"/budgets/{round_.slug}/results.csv").get_data(as_text=True))
        )
    )
    assert {row["project_id"]: row["url"] for row in rows} == pages
    assert {"title", "cost_minor_units", "votes", "explanation"} <= set(rows[0])
