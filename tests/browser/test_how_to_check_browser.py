"""The "How to check Civic's records" page in a real browser: reached from the audit log
and from a results page, accessible, clean console."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveSite, PageProblems
from tests.browser.test_budgets_browser import RESULTS_ROUND
from tests.browser.test_foundation_browser import assert_accessible, assert_clean_console

pytestmark = pytest.mark.browser


def test_how_to_check_is_reached_from_the_log_and_results(
    open_page, live_site: LiveSite, problems: PageProblems
) -> None:
    page = open_page()
    page.goto("/audit")
    page.get_by_role("link", name="How to check Civic's records").click()
    expect(page).to_have_url(f"{live_site.url}/audit/how-to-check")
    expect(page.get_by_role("heading", level=1)).to_have_text("How to check Civic's records")
    for name in ("1. Save today's checkpoint", "2. Check your receipt", "3. Recount"):
        expect(
            page.get_by_role("heading", level=2, name=re.compile(re.escape(name)))
        ).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(
        f"python3 verifier.py --recount {live_site.url}/budgets/ROUND"
    )
    assert_accessible(page, "the how-to-check page")
    assert_clean_console(page, problems, "the how-to-check page")

    page.goto(f"/budgets/{RESULTS_ROUND}/results")
    page.get_by_text("How the fingerprint is computed").click()  # opens the details
    expect(page.get_by_text("take its SHA-256 hash")).to_be_visible()
    assert_accessible(page, "the results page with the fingerprint recipe open")
    page.get_by_role("link", name="How to check Civic's records").click()
    expect(page).to_have_url(f"{live_site.url}/audit/how-to-check")
