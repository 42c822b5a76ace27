"""Your data and deleting an account in a real browser: one h1 per page, axe-clean, the
error summary linking to each field, and the deletion's two steps (JavaScript on and off)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD, LiveSite, PageProblems
from tests.browser.test_foundation_browser import (
    assert_accessible,
    assert_clean_console,
    error_summary_targets,
    register,
)

pytestmark = pytest.mark.browser


def _delete(page: Page, problems: PageProblems, *, check: bool) -> None:
    page.goto("/accounts/eligibility")
    page.get_by_role("link", name="Your data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your data")
    expect(page.get_by_role("heading", level=2, name="Your account", exact=True)).to_be_visible()
    if check:
        assert_accessible(page, "Your data")
    page.get_by_role("link", name="Delete my account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete your account")
    if check:
        assert_accessible(page, "Delete your account")
    # nothing chosen: the summary links to both fields
    page.get_by_role("button", name="Continue").click()
    targets = error_summary_targets(page)
    assert "Enter your password" in targets
    assert "Choose what happens to your public comments" in targets
    if check:
        assert_accessible(page, "Delete your account with errors")
    page.get_by_label("Keep them, shown as from").check()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Are you sure you want to delete your account?"
    )
    if check:
        assert_accessible(page, "the confirmation")
    page.get_by_role("button", name="Delete my account").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_text("Your account is deleted")).to_be_visible()
    expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()


def test_a_resident_reads_their_data_and_deletes_their_account(
    page: Page, live_site: LiveSite, problems: PageProblems
):
    register(page, live_site, "Della Departing")
    _delete(page, problems, check=True)
    assert_clean_console(page, problems, "deleting an account", error_statuses=(422,))


def test_deleting_works_without_javascript(page_without_js: Page, live_site: LiveSite, problems):
    register(page_without_js, live_site, "Nell Nojs")
    _delete(page_without_js, problems, check=False)
