"""Recall in a real browser: anyone reads a contract and its recall petition; a resident of
its area signs (after forgetting the confirmation box), and the page shows the outcome.
Every page is checked with axe-core.

VOTER (a resident of the first area) reuses the cookies of the budget and vote tests, or
signs in once when this module runs alone.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    AREA_NAME,
    RECALL_CONTRACT,
    RECALL_CONTRACT_TITLE,
    VOTER,
    LiveSite,
    OpenPage,
    PageProblems,
)
from tests.browser.test_foundation_browser import (
    assert_accessible,
    assert_clean_console,
    error_summary_targets,
)

pytestmark = pytest.mark.browser

CONFIRM = "I live in this area and I want the council to review this contract"
CONFIRM_ERROR = "Tick the box to confirm you want to sign the petition"


def test_a_resident_reads_a_contract_and_signs_its_recall_petition(
    open_page: OpenPage, live_site: LiveSite, problems: PageProblems
) -> None:
    contract_id = live_site.contracts[RECALL_CONTRACT]
    reader = open_page()
    reader.goto(f"/contracts/{contract_id}")
    expect(reader.get_by_role("heading", level=1)).to_have_text(RECALL_CONTRACT_TITLE)
    expect(reader.get_by_role("heading", name="Recall petition")).to_be_visible()
    assert_accessible(reader, "the contract page")
    reader.get_by_role("link", name="Read or sign the recall petition").click()
    expect(reader.get_by_role("heading", level=1)).to_have_text(
        f"Recall petition: {RECALL_CONTRACT_TITLE}"
    )
    expect(reader.get_by_role("main").get_by_role("link", name="Sign in")).to_be_visible()
    assert_accessible(reader, "the petition, signed out")
    reader.goto("/contracts/recall")
    expect(reader.get_by_role("heading", level=1)).to_have_text("Recall petitions")
    assert_accessible(reader, "the list of recall petitions")
    reader.goto("/contracts/review-due")
    expect(reader.get_by_role("heading", level=1)).to_have_text("Contracts due for review")
    assert_accessible(reader, "the review-due list")

    page = open_page(VOTER)
    page.goto(f"/contracts/{contract_id}/recall")
    progress = page.locator("#recall-progress")
    expect(progress).to_contain_text("needed")
    expect(page.get_by_role("main")).to_contain_text(f"Residents of {AREA_NAME}")
    # the box left unticked: the error summary links to it, the page keeps working
    page.get_by_role("button", name="Sign the recall petition").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert error_summary_targets(page) == {CONFIRM_ERROR: "confirm"}
    assert_accessible(page, "the petition with an error")
    assert_clean_console(page, problems, "the unticked box", error_statuses=(422,))

    page.get_by_label(CONFIRM).check()
    page.get_by_role("button", name="Sign the recall petition").click()
    expect(page.get_by_role("main")).to_contain_text("You signed the recall petition.")
    main = page.get_by_role("main")
    reached = "Threshold reached" in main.inner_text()
    if reached:
        # a small ward: VOTER's signature was the last one needed
        outcome = page.locator("#recall-outcome")
        expect(outcome).to_contain_text("a recall review started")
        expect(outcome.get_by_role("link")).to_have_text(f"Recall review: {RECALL_CONTRACT_TITLE}")
    else:
        expect(page.locator("#signed")).to_have_text("You have signed this petition.")
        expect(page.get_by_role("button", name="Withdraw my signature")).to_be_visible()
    assert_accessible(page, "the petition after signing")
    assert_clean_console(page, problems, "signing the petition", error_statuses=(422,))
