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


WELSH_PAGES = [
    ("Preifatrwydd", "Hysbysiad preifatrwydd", "Eich hawliau"),
    ("Hygyrchedd", "Datganiad hygyrchedd", "Gweithdrefn orfodi"),
]


@pytest.mark.parametrize(("link", "title", "section"), WELSH_PAGES)
def test_each_page_in_welsh_is_welsh_and_accessible(
    open_page, live_site: LiveSite, problems: PageProblems, link: str, title: str, section: str
):
    """The cookies page is left out: the test above saves an English version of it, which
    Welsh readers are then shown (the test below)."""
    page = open_page()
    page.context.add_cookies([{"name": "civic_lang", "value": "cy", "url": live_site.url}])
    page.goto("/")
    page.get_by_role("contentinfo").get_by_role("link", name=link, exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_role("heading", level=2, name=section)).to_be_visible()
    expect(page.locator(".civic-site-page")).not_to_have_attribute("lang", "en-GB")
    assert_accessible(page, f"{title} in Welsh")
    assert_clean_console(page, problems, f"{title} in Welsh")


def test_welsh_readers_are_shown_a_newer_english_version_marked_as_english(
    open_page, live_site: LiveSite, problems: PageProblems
):
    admin = open_page(ADMIN)
    admin.goto("/admin/pages/accessibility/edit?language=en")
    text = admin.get_by_label("Text of the page")
    original = text.input_value()
    if "## Reviewed in English" not in original:  # the site is shared by the whole run
        text.fill(original + "\n\n## Reviewed in English\n\nThe council checked this page.")
        admin.get_by_role("button", name="Save a new version").click()
        expect(admin.get_by_role("heading", level=2, name="Reviewed in English")).to_be_visible()
    # the Welsh version is one link away, and says the English is newer
    admin.goto("/admin/pages/accessibility/edit?language=en")
    admin.get_by_role("link", name="Welsh version", exact=True).click()
    expect(admin.locator("#english-is-newer")).to_be_visible()
    expect(admin.get_by_label("Text of the page")).to_have_attribute("lang", "cy")
    assert_accessible(admin, "the Welsh edit page")

    reader = open_page()
    reader.context.add_cookies([{"name": "civic_lang", "value": "cy", "url": live_site.url}])
    reader.goto("/accessibility")
    expect(reader.locator("html")).to_have_attribute("lang", "cy")
    expect(reader.get_by_role("heading", level=1)).to_have_text("Datganiad hygyrchedd")
    expect(reader.get_by_text("Nid oes fersiwn Gymraeg eto: dyma’r Saesneg.")).to_be_visible()
    content = reader.locator(".civic-site-page")
    expect(content).to_have_attribute("lang", "en-GB")
    expect(content.get_by_role("heading", level=2, name="Reviewed in English")).to_be_visible()
    assert_accessible(reader, "the English shown to a Welsh reader")
    assert_clean_console(reader, problems, "the English shown to a Welsh reader")
