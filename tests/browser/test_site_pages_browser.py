"""The privacy notice, accessibility statement and cookies page in a real browser: reached
from the footer of every page, one h1 each, axe-clean, and readable with JavaScript off."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ADMIN, LiveSite, PageProblems
from tests.browser.test_foundation_browser import assert_accessible, assert_clean_console

pytestmark = pytest.mark.browser

PAGES = [
    ("Privacy", "Privacy notice", "Your rights"),
    ("Accessibility", "Accessibility statement", "Enforcement procedure"),
    ("Cookies", "Cookies", "The cookies Civic sets"),
]


@pytest.mark.parametrize(("link", "title", "section"), PAGES)
def test_each_page_from_the_footer_is_accessible(
    page: Page, live_site: LiveSite, problems: PageProblems, link: str, title: str, section: str
):
    page.goto("/")
    page.get_by_role("contentinfo").get_by_role("link", name=link, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_role("heading", level=2, name=section)).to_be_visible()
    assert_accessible(page, title)
    assert_clean_console(page, problems, title)


def test_the_cookies_table_reads_without_javascript(page_without_js: Page, live_site: LiveSite):
    page = page_without_js
    page.goto("/cookies")
    table = page.get_by_role("table")
    expect(table.get_by_role("columnheader", name="Name")).to_be_visible()
    expect(table.get_by_role("cell", name="civic_device", exact=True)).to_be_visible()
    expect(table.get_by_role("cell", name="session", exact=True)).to_be_visible()


def test_an_administrator_edits_the_cookies_page(open_page, problems: PageProblems):
    page = open_page(ADMIN)
    page.goto("/cookies")
    page.get_by_role("link", name="Edit the cookies page").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit the cookies page")
    assert_accessible(page, "the edit page")
    text = page.get_by_label("Text of the page")
    original = text.input_value()
    assert "civic_device" in original  # the editor starts from the text on show
    text.fill("")
    page.get_by_role("button", name="Save a new version").click()
    # the error is in the summary and next to the field, and the summary links to it
    expect(page.get_by_role("alert")).to_contain_text("Enter the text of the page")
    expect(page.locator("#body-error")).to_contain_text("Enter the text of the page")
    assert_accessible(page, "the edit page with an error")
    # added to the text, so the other tests of this page read the same either way
    text.fill(
        original + "\n\n## Reviewed by the council\n\nNothing else. <script>alert(1)</script>"
    )
    page.get_by_role("button", name="Save a new version").click()
    expect(page.get_by_role("heading", level=2, name="Reviewed by the council")).to_be_visible()
    expect(page.get_by_text("Last updated")).to_be_visible()
    expect(page.get_by_text("<script>alert(1)</script>")).to_be_visible()  # text, not run
    assert_accessible(page, "the edited cookies page")
    assert_clean_console(page, problems, "editing the cookies page", error_statuses=(422,))
