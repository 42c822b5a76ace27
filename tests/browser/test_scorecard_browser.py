"""The nine-principles scorecard in a real browser: reached from the footer of every page,
one heading per principle, each figure with its records link; axe-clean, and readable with
JavaScript off."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from civic.contracts.scorecard import PRINCIPLES
from tests.browser.conftest import LiveSite, PageProblems
from tests.browser.test_foundation_browser import assert_accessible, assert_clean_console

pytestmark = pytest.mark.browser


def test_the_scorecard_from_the_footer_is_accessible(
    page: Page, live_site: LiveSite, problems: PageProblems
):
    page.goto("/")
    page.get_by_role("contentinfo").get_by_role(
        "link", name="The nine-principles scorecard"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The nine-principles scorecard")
    headings = page.get_by_role("heading", level=2)
    for principle in PRINCIPLES:
        expect(headings.filter(has_text=f"{principle.number}. {principle.title}")).to_have_count(1)
    # every figure links to its records, named for the figure
    expect(
        page.get_by_role("link", name="Records behind: outsourcing proposals with an in-house bid")
    ).to_have_attribute("href", "/votes")
    assert_accessible(page, "the scorecard")
    assert_clean_console(page, problems, "the scorecard")
    page.get_by_role("link", name="the scorecard as JSON").click()
    assert '"principles"' in page.content()


def test_the_scorecard_reads_without_javascript(page_without_js: Page, live_site: LiveSite):
    page = page_without_js
    page.goto("/scorecard")
    figure = page.locator("#figure-inhouse_bids")
    # the live site's proposals are put to residents with an in-house bid (tests' helper)
    expect(figure).to_contain_text("Outsourcing proposals with an in-house bid")
    expect(figure).to_contain_text("%")
    # the page shows the same count as the JSON (other tests add contracts to this site)
    data = page.request.get("/api/v1/scorecard").json()
    (terms,) = [
        f for p in data["principles"] for f in p["figures"] if f["key"] == "contracts_full_terms"
    ]
    shown = page.locator("#figure-contracts_full_terms")
    if terms["denominator"]:
        expect(shown).to_contain_text(f"({terms['numerator']} of {terms['denominator']})")
    else:
        expect(shown).to_contain_text("No records yet")
