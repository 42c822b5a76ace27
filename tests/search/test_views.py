"""/search and /api/v1/search: the page without JavaScript, the htmx fragment, the JSON
view, and the same rules for each viewer."""

from __future__ import annotations

import pytest

from civic.discussions import services as discussions
from civic.extensions import db
from civic.search import index
from tests.conftest import login
from tests.search import helpers


@pytest.fixture
def site():
    area, moderator, resident = helpers.people()
    round_ = helpers.ideas_round(moderator, area, slug="riverside-ideas")
    helpers.project(resident, round_, "Orchard <em>by</em> the canal", "Apple and pear trees")
    helpers.draft_proposal(moderator, area, "Outsource the orchard keeping")
    hidden = helpers.comment(resident, "budget_round", round_.slug, "Orchard thieves everywhere")
    discussions.hide_comment(moderator, hidden, "Unfounded accusation")
    index.write_pending(db.session)  # what the commit ending a request does
    return area, moderator, resident, round_


def test_the_page_works_without_javascript(client, site):
    page = client.get("/search?q=orchard")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<form method="get" action="/search"' in html
    assert '<label class="govuk-label govuk-label--s" for="search-q">' in html
    assert "1 result for “orchard”" in html
    assert "<mark>Orchard</mark> &lt;em&gt;by&lt;/em&gt; the canal" in html
    assert 'href="/budgets/riverside-ideas/projects/' in html
    # neither the draft nor the hidden comment, for the public
    assert "Outsource the" not in html and "thieves" not in html
    # the header's search box is left out on the search page (one search field)
    assert 'id="site-search-q"' not in html


def test_the_header_box_leads_to_the_search_page(client, site):
    html = client.get("/").get_data(as_text=True)
    assert 'action="/search"' in html and 'id="site-search-q" name="q"' in html
    assert '<label class="govuk-label govuk-body-s" for="site-search-q">' in html


def test_htmx_gets_only_the_results_and_the_live_count(htmx_client, site):
    response = htmx_client.get("/search?q=orch")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and '<form method="get"' not in html
    assert html.lstrip().startswith('<div id="search-results">')
    assert '<p id="search-status" hx-swap-oob="innerHTML">1 result for “orch”</p>' in html
    assert "Vary" in response.headers and "HX-Request" in response.headers["Vary"]


def test_the_form_updates_live_and_keeps_the_address(client, site):
    html = client.get("/search").get_data(as_text=True)
    assert 'hx-get="/search"' in html and 'hx-push-url="true"' in html
    assert "input changed delay:400ms from:#search-q" in html
    assert 'id="search-status" class="govuk-visually-hidden" role="status"' in html


def test_moderators_find_drafts_and_hidden_comments_on_the_page(client, site):
    _area, moderator, _resident, _round = site
    login(client, moderator)
    html = client.get("/search?q=orchard").get_data(as_text=True)
    assert "3 results" in html
    assert "Hidden comment on Riverside ideas 2027" in html
    assert "/discussions/comments/" in html and "/moderate" in html


def test_a_resident_sees_what_the_public_sees(client, site):
    _area, _moderator, resident, _round = site
    login(client, resident)
    html = client.get("/search?q=orchard").get_data(as_text=True)
    assert "1 result for" in html and "thieves" not in html


def test_filters_and_pages_keep_the_query(client, site):
    _area, _moderator, resident, round_ = site
    for n in range(25):
        helpers.project(resident, round_, f"Orchard bench {n}")
    index.write_pending(db.session)
    html = client.get("/search?q=orchard&kind=budget_project&area=riverside").get_data(as_text=True)
    assert "26 results for “orchard”, page 1 of 2" in html
    assert 'href="/search?q=orchard&amp;area=riverside&amp;kind=budget_project&amp;page=2"' in html
    assert '<option value="budget_project" selected>' in html
    second = client.get("/search?q=orchard&kind=budget_project&area=riverside&page=2")
    assert "page 2 of 2" in second.get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    ["", '"', "NEAR(", "((", "*", "AND OR NOT", "x" * 5000, "%", "<script>", "\u202e"],
)
def test_nothing_a_person_types_is_a_server_error(client, site, query):
    response = client.get("/search", query_string={"q": query})
    assert response.status_code in (200, 422)
    if len(query) > 200:
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert 'href="#search-q">Search for at most 200 characters' in html
        assert 'value="' + "x" * 5000 in html  # the person's input is kept
    assert "<script>" not in response.get_data(as_text=True).split("<main")[1]


def test_a_bad_filter_is_shown_next_to_its_field(client, site):
    response = client.get("/search?q=orchard&area=atlantis&page=0")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'href="#search-area">Choose an area from the list' in html
    assert 'id="search-area-error"' in html


def test_the_json_view_follows_the_same_rules(client, site):
    _area, moderator, _resident, _round = site
    data = client.get("/api/v1/search?q=orchard").get_json()
    assert data["total"] == 1 and data["words"] == ["orchard"]
    (hit,) = data["results"]
    assert hit["kind"] == "budget_project"
    assert hit["title_html"] == "<mark>Orchard</mark> &lt;em&gt;by&lt;/em&gt; the canal"
    assert hit["title"] == "Orchard <em>by</em> the canal"  # plain text, as typed
    assert hit["url"].startswith("http://localhost/budgets/riverside-ideas/projects/")
    login(client, moderator)
    assert client.get("/api/v1/search?q=orchard").get_json()["total"] == 3


def test_the_json_view_answers_bad_input_with_a_reason(client, site):
    response = client.get("/api/v1/search?q=orchard&kind=spaceship")
    assert response.status_code == 400
    body = response.get_json()
    assert body["fields"] == {"kind": "Choose what to search from the list"}
    too_long = client.get("/api/v1/search", query_string={"q": "y" * 201})
    assert too_long.status_code == 400 and "200 characters" in too_long.get_json()["message"]
