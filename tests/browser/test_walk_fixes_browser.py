"""Fixes from the first-hour walk (issue 12) in a real browser: the first comment of a
thread posted with htmx takes "No comments yet." away; without JavaScript a resident checks
their ballot's total before saving, then withdraws the saved ballot and votes again."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    NEIGHBOUR,
    RESULTS_ROUND,
    VOTING_PROJECTS,
    VOTING_ROUND,
    LiveSite,
    OpenPage,
    PageProblems,
)
from tests.browser.test_foundation_browser import assert_accessible, assert_clean_console

pytestmark = pytest.mark.browser

BALLOT = f"/budgets/{VOTING_ROUND}/ballot"
EMPTY_THREAD = f"/discussions/budget_round/{RESULTS_ROUND}"


def test_the_first_comment_by_htmx_takes_no_comments_yet_away(
    open_page: OpenPage, problems: PageProblems
) -> None:
    page = open_page(NEIGHBOUR)
    page.goto(EMPTY_THREAD)
    empty = page.get_by_text("No comments yet.")
    expect(empty).to_be_visible()
    page.evaluate("window.__same_page = true")
    page.get_by_label("Your comment", exact=True).fill("Were the floodlights worth it?")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator("#comments-list > li").first).to_contain_text("floodlights")
    expect(empty).to_have_count(0)
    assert page.evaluate("window.__same_page === true"), "htmx should swap, not reload"
    # the empty box stays for the thread's next post (an out-of-band swap needs a target)
    expect(page.locator("#no-comments")).to_have_count(1)
    assert_clean_console(page, problems, "posting the first comment of a thread")


def _tick_only(page, indexes: set[int]) -> None:
    for n, (title, _cost) in enumerate(VOTING_PROJECTS):
        box = page.get_by_role("checkbox", name=title, exact=False)
        box.set_checked(n in indexes)


def test_check_my_total_and_withdraw_without_javascript(
    open_page: OpenPage, live_site: LiveSite, problems: PageProblems
) -> None:
    page = open_page(NEIGHBOUR, javascript=False)
    page.goto(BALLOT)
    _tick_only(page, set(range(len(VOTING_PROJECTS))))  # everything: over the budget
    page.get_by_role("button", name="Check my total").click()
    summary = page.locator("#ballot-summary")
    expect(summary.get_by_role("heading")).to_have_text("Your total (not saved yet)")
    expect(summary).to_contain_text("Over budget by")
    expect(page.get_by_role("link", name="Withdraw your ballot")).to_have_count(0)  # none yet

    _tick_only(page, {0})
    page.get_by_role("button", name="Save my ballot").click()
    expect(page.get_by_text("Your ballot is saved.")).to_be_visible()
    page.get_by_role("link", name="Withdraw your ballot").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Withdraw your ballot")
    page.get_by_role("button", name="Yes, withdraw my ballot").click()
    expect(page).to_have_url(f"{live_site.url}{BALLOT}")
    expect(page.get_by_text("Your ballot is withdrawn and will not be counted.")).to_be_visible()
    expect(page.get_by_text("You have not saved a ballot yet.")).to_be_visible()

    _tick_only(page, {1})  # and vote again
    page.get_by_role("button", name="Save my ballot").click()
    expect(page.get_by_text("Your ballot is saved.")).to_be_visible()
    assert_clean_console(page, problems, "checking, withdrawing and voting again")

    # axe needs JavaScript: the same pages, checked with it on
    checked = open_page(NEIGHBOUR)
    checked.goto(BALLOT)
    checked.get_by_role("button", name="Check my total").click()
    expect(checked.locator("#ballot-summary").get_by_role("heading")).to_have_text(
        "Your total (not saved yet)"
    )
    assert_accessible(checked, "the ballot after checking the total")
    checked.goto(f"{BALLOT}/withdraw")
    expect(checked.get_by_role("button", name="Yes, withdraw my ballot")).to_be_visible()
    assert_accessible(checked, "the withdrawal confirmation")
