"""Ballot receipts in a real browser: a resident changes their ballot and sees the new
receipt (and that the old one is replaced), downloads it and checks it, with and without
JavaScript; a published receipt is found as counted; a mistyped code is refused by the
field. axe-clean throughout.

VOTER reuses the budget tests' cookies (or signs in once). The budget tests left VOTER a
ballot in the voting round, so casting here is a change of mind; the counted round's
ballots (cast by other residents in conftest.py) are published by receipt.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    RESULTS_PROJECTS,
    RESULTS_ROUND,
    VOTER,
    VOTING_PROJECTS,
    VOTING_ROUND,
    LiveSite,
    OpenPage,
    PageProblems,
)
from tests.browser.test_foundation_browser import (
    assert_accessible,
    assert_clean_console,
    assert_field_error,
    error_summary_targets,
)

pytestmark = pytest.mark.browser

BALLOT = f"/budgets/{VOTING_ROUND}/ballot"
CODE = r"[0-9A-HJKMNP-TV-Z]{4}(?:-[0-9A-HJKMNP-TV-Z]{4}){3}"
NEW_RECEIPT = re.compile(
    rf"Your (?:new )?receipt is ({CODE})(?:; your earlier receipt ({CODE}) is now marked "
    r"replaced)?"
)


def cast(page: Page, titles: list[str]) -> tuple[str, str | None]:
    """Save a ballot choosing `titles`; (the new code, the code it replaced) as confirmed."""
    page.goto(BALLOT)
    for title, cost in VOTING_PROJECTS:
        page.get_by_label(f"{title} — £{cost:,}").set_checked(title in titles)
    page.get_by_role("button", name="Save my ballot").click()
    expect(page).to_have_url(re.compile(re.escape(BALLOT) + "$"))
    banner = page.locator(".govuk-notification-banner")
    expect(banner).to_contain_text(NEW_RECEIPT)
    match = NEW_RECEIPT.search(banner.inner_text())
    assert match, banner.inner_text()
    return match.group(1), match.group(2)


def test_a_voter_changes_their_ballot_and_checks_the_receipt(
    open_page: OpenPage, live_site: LiveSite, problems: PageProblems
) -> None:
    page = open_page(VOTER)
    first, _ = cast(page, [VOTING_PROJECTS[0][0]])
    second, replaced = cast(page, [VOTING_PROJECTS[1][0], VOTING_PROJECTS[2][0]])
    assert second != first and replaced == first
    panel = page.locator("#your-receipt")
    expect(panel.get_by_role("heading", name="Your receipt")).to_be_visible()
    expect(panel).to_contain_text(f"Your receipt code is {second}")
    expect(panel).to_contain_text("Anyone you show the code to can see how you voted")
    assert_accessible(page, "the ballot page with a receipt")

    with page.expect_download() as downloaded:
        panel.get_by_role("link", name="Download your receipt").click()
    text = Path(downloaded.value.path()).read_text(encoding="utf-8")
    assert second in text and first not in text and "Hyde Park 2026" in text, text
    assert f"{live_site.url}/receipts?code={second}" in text, text

    # before the close the code says only where it belongs and when it closes
    panel.get_by_role("link", name="Check your receipt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check a ballot receipt")
    expect(page.get_by_label("Receipt code")).to_have_value(second)
    result = page.locator("#receipt-result")
    expect(result.get_by_role("heading", level=2)).to_have_text("Not published yet")
    expect(result).to_contain_text("Hyde Park 2026")
    assert_accessible(page, "a receipt not yet published")

    # the earlier code gives the same answer until the close: nobody can tell it changed
    page.get_by_label("Receipt code").fill(first)
    page.get_by_role("button", name="Check receipt").click()
    expect(result.get_by_role("heading", level=2)).to_have_text("Not published yet")
    expect(result).not_to_contain_text("Replaced")
    assert_clean_console(page, problems, "casting and checking a receipt")


@pytest.mark.parametrize("javascript", [True, False])
def test_anyone_finds_a_published_receipt_and_mistypes_one(
    open_page: OpenPage, live_site: LiveSite, problems: PageProblems, javascript: bool
) -> None:
    page = open_page(javascript=javascript)

    def accessible(where: str) -> None:
        # axe runs as a script in the page: only where scripts may run (the same markup
        # is checked with JavaScript on)
        if javascript:
            assert_accessible(page, where)

    published = page.request.get(f"/budgets/{RESULTS_ROUND}/ballots.json").json()
    ballot = published[0]
    titles = {str(n): title for n, (title, _cost) in enumerate(RESULTS_PROJECTS, start=1)}

    page.goto(f"/budgets/{RESULTS_ROUND}/results")
    page.get_by_role("link", name="check a receipt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check a ballot receipt")
    accessible("the receipt form")

    # typed loosely: lower case, spaces for dashes
    page.get_by_label("Receipt code").fill(ballot["receipt"].lower().replace("-", " "))
    page.get_by_role("button", name="Check receipt").click()
    result = page.locator("#receipt-result")
    expect(result.get_by_role("heading", level=2)).to_have_text("Counted")
    expect(result).to_contain_text(ballot["receipt"])
    table = result.get_by_role("table", name="Ballot as counted")
    expect(table.get_by_role("columnheader", name="Project")).to_be_visible()
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(len(ballot["projects"]))
    for n, external_id in enumerate(ballot["projects"]):
        expect(rows.nth(n)).to_contain_text(titles[external_id])
    accessible("a counted receipt")

    page.get_by_label("Receipt code").fill("ABCD-EFGH")
    page.get_by_role("button", name="Check receipt").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    message = "A receipt code has 16 letters and digits; yours has 8"
    assert error_summary_targets(page) == {message: "code"}
    assert_field_error(page, "code", message)
    expect(page.locator("#receipt-result")).to_have_count(0)
    accessible("a mistyped receipt")

    page.get_by_label("Receipt code").fill("0000-0000-0000-0000")
    page.get_by_role("button", name="Check receipt").click()
    expect(page.locator("#receipt-result").get_by_role("heading", level=2)).to_have_text(
        "No ballot has the receipt 0000-0000-0000-0000"
    )
    accessible("an unknown receipt")
    assert_clean_console(page, problems, "checking receipts", error_statuses=(404, 422))
