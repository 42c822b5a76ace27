"""The contract register in a real browser: a moderator adds a contract with a new
provider through the form and publishes it; a resident (signed out) finds it in the
register, reads it and its version history, and filters the list without JavaScript.
Axe-clean throughout.

The contract is made through the moderator's own form (no fixture edits): the register's
pages are then read exactly as a resident would meet them."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import AREA_NAME, MODERATOR, LiveSite, OpenPage, PageProblems
from tests.browser.test_foundation_browser import assert_accessible, assert_clean_console

pytestmark = pytest.mark.browser

REFERENCE = "HP-2026-LIBRARY-CLEAN"
TITLE = "Library cleaning, Hyde Park"


def _add_and_publish(open_page: OpenPage, problems: PageProblems) -> str:
    """The moderator's journey; returns the contract page's path."""
    page = open_page(MODERATOR)
    page.goto("/contracts/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a contract")
    # a first try with the end before the start: every message, the input kept
    page.get_by_label("Reference").fill(REFERENCE)
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Service or asset").fill("Building cleaning")
    page.get_by_label("Area it serves").select_option(label=AREA_NAME)
    page.get_by_label("Provider", exact=True).select_option(value="new")
    page.get_by_label("New provider's name").fill("Woodhouse Cleaning Co-operative")
    page.get_by_label("Co-operative or mutual").check()
    page.get_by_label("Value per year, in pounds").fill("48,000")
    page.get_by_label("Total value over the whole contract, in pounds").fill("144000")
    start = page.get_by_role("group", name="Start date")
    start.get_by_label("Day").fill("1")
    start.get_by_label("Month").fill("4")
    start.get_by_label("Year").fill("2026")
    end = page.get_by_role("group", name="End date")
    end.get_by_label("Day").fill("31")
    end.get_by_label("Month").fill("3")
    end.get_by_label("Year").fill("2025")
    page.get_by_label("Summary").fill("Daily cleaning of **both** libraries.")
    page.locator("#fair_wage-answer").check()
    page.get_by_role("button", name="Save the contract").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The end date must be on or after the start date")
    expect(page.get_by_label("Title")).to_have_value(TITLE)
    assert_accessible(page, "the contract form with an error")
    end.get_by_label("Year").fill("2029")
    page.get_by_role("button", name="Save the contract").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_text("only moderators see this contract")).to_be_visible()
    page.get_by_role("button", name="Publish on the register").click()
    expect(page.get_by_text("The contract is on the public register.")).to_be_visible()
    path = re.sub(r"^https?://[^/]+", "", page.url)
    # a change after publication, with its reason
    page.get_by_role("link", name="Edit the contract").click()
    page.get_by_label("Value per year, in pounds").fill("50,400")
    page.get_by_label("Why the published contract changes (published)").fill(
        "Living Wage rise from April, passed on as the contract allows"
    )
    page.get_by_role("button", name="Save the contract").click()
    expect(page.get_by_text("Saved as version 2.")).to_be_visible()
    assert_clean_console(page, problems, "the moderator's contract form", error_statuses=(422,))
    return path


def test_a_resident_reads_a_contract_and_its_history(
    open_page: OpenPage, live_site: LiveSite, problems: PageProblems
):
    path = _add_and_publish(open_page, problems)
    page: Page = open_page(None)
    page.goto("/contracts")
    expect(page.get_by_role("heading", level=1)).to_have_text("The contract register")
    assert_accessible(page, "the contract register")
    page.get_by_role("link", name="Building cleaning").click()
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    facts = page.locator("#contract-facts")
    expect(facts).to_contain_text("Woodhouse Cleaning Co-operative (Co-operative or mutual)")
    expect(facts).to_contain_text("£50,400")
    expect(facts).to_contain_text("£144,000")
    expect(page.locator(".civic-markdown strong")).to_have_text("both")
    terms = page.get_by_role("table", name="Minimum standards in the contract")
    expect(terms.get_by_role("row", name=re.compile("Fair wage clause"))).to_contain_text("Yes")
    expect(page.get_by_role("link", name="Edit the contract")).to_have_count(0)
    assert_accessible(page, "a contract's page")
    page.get_by_role("link", name=re.compile("Version history")).click()
    expect(page.get_by_role("heading", level=2, name="Version 2 (current)")).to_be_visible()
    expect(page.get_by_role("heading", level=2, name="Version 1")).to_be_visible()
    changed = page.get_by_role("table", name="What changed from version 1")
    expect(changed.get_by_role("row", name=re.compile("Value per year"))).to_contain_text("£48,000")
    expect(page.get_by_text("Living Wage rise from April")).to_be_visible()
    assert_accessible(page, "a contract's version history")
    # (the moderator's form answered 422 once, on purpose, earlier in this test)
    assert_clean_console(page, problems, "reading a contract", error_statuses=(422,))


def test_the_register_filters_without_javascript(open_page: OpenPage, live_site: LiveSite):
    page = open_page(None, javascript=False)
    page.goto("/contracts")
    page.get_by_label("Provider type").select_option(label="Private company")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"provider_type=private"))
    expect(page.get_by_role("link", name="Building cleaning")).to_have_count(0)
    page.get_by_label("Provider type").select_option(label="Co-operative or mutual")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("link", name="Building cleaning")).to_be_visible()
