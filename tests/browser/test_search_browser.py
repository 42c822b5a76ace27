"""Search in a real browser: live results as a resident types (htmx), the address kept
for the back button and sharing, the count announced, and the same search with
JavaScript off from the box at the top of every page. Axe-clean both ways."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveSite, PageProblems
from tests.browser.test_foundation_browser import assert_accessible, assert_clean_console

pytestmark = pytest.mark.browser


def test_results_follow_the_typing_and_the_count_is_announced(
    page: Page, live_site: LiveSite, problems: PageProblems
):
    page.goto("/search")
    assert_accessible(page, "the empty search page")
    box = page.get_by_label("Words to search for")
    box.press_sequentially("bowling", delay=30)
    status = page.get_by_role("status").filter(has_text="result")
    # other browser tests post comments too: the count is checked, not assumed
    expect(status).to_have_text(re.compile(r"^\d+ results? for “bowling”$"))
    results = page.locator("#search-results")
    link = results.get_by_role("link", name="Benches by the bowling green")
    expect(link).to_be_visible()
    expect(link.locator("mark")).to_have_text(["bowling"])
    expect(page).to_have_url(re.compile(r"/search\?q=bowling"))
    # narrowing by what: the select applies at once, no button needed
    page.get_by_label("What").select_option(label="Consultations")
    expect(page.get_by_role("status")).to_have_text("No results for “bowling”")
    expect(page).to_have_url(re.compile(r"kind=consultation"))
    assert_accessible(page, "live search results")
    assert_clean_console(page, problems, "live search")
    page.get_by_label("What").select_option(label="Everything")
    expect(link).to_be_visible()
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Benches by the bowling green")


def test_the_header_box_searches_without_javascript(page_without_js: Page, live_site: LiveSite):
    page = page_without_js
    page.goto("/")
    page.get_by_label("Search Civic").fill("library fridge")
    page.get_by_role("search", name="Site search").get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Search")
    expect(page.get_by_role("heading", level=2, name=re.compile("1 result"))).to_be_visible()
    expect(page.get_by_role("link", name="Community fridge at the library")).to_be_visible()
    expect(page.get_by_label("Words to search for")).to_have_value("library fridge")
    # (axe and the console checks need scripts: the same full page is checked next, with them)


def test_the_full_results_page_is_accessible(
    page: Page, live_site: LiveSite, problems: PageProblems
):
    page.goto("/search?q=library+fridge")
    expect(page.get_by_role("link", name="Community fridge at the library")).to_be_visible()
    assert_accessible(page, "the full search results page")
    page.goto("/search?q=x&area=atlantis")
    expect(page.get_by_role("alert")).to_contain_text("Choose an area from the list")
    assert_accessible(page, "a search with a wrong filter")
    assert_clean_console(page, problems, "the search pages", error_statuses=(422,))
