"""An officer at a desk, in a real browser: from the consultation's page they print numbered
blank forms (the print stylesheet hides the site's menus), enter a resident's paper form by
the letter code the resident registered with (first with the required answers missing, told
by an error summary and by each field), and the resident sees the paper entered for them,
with the officer's name and a way to contest it; another moderator keeps it from the one
queue of contested paper entries. axe finds nothing serious on any page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    ADMIN,
    MODERATOR,
    NEIGHBOUR,
    OPEN_CONSULTATION,
    OPEN_QUESTIONS,
    PAPER_RESIDENT,
    LiveSite,
    OpenPage,
    PageProblems,
)
from tests.browser.test_foundation_browser import (
    assert_accessible,
    assert_clean_console,
    assert_field_error,
)

pytestmark = pytest.mark.browser


def test_officer_prints_and_enters_a_paper_consultation_form(
    open_page: OpenPage, live_site: LiveSite, problems: PageProblems
) -> None:
    consultation_id = live_site.consultations[OPEN_CONSULTATION]
    officer = open_page(MODERATOR)
    officer.goto(f"/consultations/{consultation_id}")
    officer.get_by_role("link", name="Paper forms: print and enter them").click()
    expect(officer.get_by_role("heading", level=1)).to_have_text(
        "Enter a paper consultation response"
    )
    assert_accessible(officer, "the paper desk")

    # print two blank, numbered forms
    officer.get_by_label("How many papers").fill("2")
    officer.get_by_role("button", name="Number and show papers to print").click()
    papers = officer.locator(".civic-paper")
    expect(papers).to_have_count(2)
    first = f"C{consultation_id}-0001"
    expect(papers.first).to_contain_text(first)
    expect(papers.first).to_contain_text(OPEN_QUESTIONS[0][1])
    assert_accessible(officer, "the printable forms")
    officer.emulate_media(media="print")
    expect(officer.locator(".govuk-service-navigation")).to_be_hidden()
    expect(officer.locator(".govuk-footer")).to_be_hidden()
    expect(officer.get_by_role("link", name="Back to entering papers")).to_be_hidden()
    expect(papers.nth(1)).to_be_visible()
    officer.emulate_media(media="screen")
    officer.get_by_role("link", name="Back to entering papers").click()

    # the required answer missing: the summary links to each field, the input is kept
    officer.get_by_label("Paper number").fill(first)
    officer.get_by_label("Letter code (if they have it)").fill(live_site.paper_code)
    officer.get_by_role("button", name="Enter the paper").click()
    summary = officer.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text(OPEN_QUESTIONS[0][1])
    expect(officer.get_by_label("Paper number")).to_have_value(first)
    assert_accessible(officer, "the paper desk with errors")
    assert_clean_console(officer, problems, "the refused paper", error_statuses=(422,))

    officer.get_by_label("Weekly").check()
    officer.get_by_role("button", name="Enter the paper").click()
    expect(officer.locator(".govuk-notification-banner")).to_contain_text(f"Paper {first} entered")

    # the same paper again is refused by its number, nothing written
    officer.get_by_label("Paper number").fill(first)
    officer.get_by_label("Email address of their account").fill(NEIGHBOUR.email)
    officer.get_by_label("How you checked who they are").fill("seen council tax bill")
    officer.get_by_label("Weekly").check()
    officer.get_by_role("button", name="Enter the paper").click()
    assert_field_error(officer, "paper_number", "cannot be entered twice")
    assert_clean_console(officer, problems, "the duplicate paper", error_statuses=(422, 409))

    # the resident sees it, under the officer's name, and can contest it (the refusals
    # above were expected; the resident's pages start with a clean console)
    problems.console_errors.clear()
    resident = open_page(PAPER_RESIDENT)
    resident.goto(f"/consultations/{consultation_id}")
    resident.get_by_role("link", name="See it, or contest it if it is wrong").click()
    expect(resident.get_by_role("heading", level=1)).to_have_text("Your paper response")
    entry = resident.locator("#paper-entry")
    expect(entry).to_contain_text(first)
    expect(entry).to_contain_text(MODERATOR.name)
    expect(entry).to_contain_text(re.compile(r"letter code ending \w{4}"))
    expect(resident.get_by_role("button", name="Contest this paper")).to_be_visible()
    assert_accessible(resident, "the resident's paper page")
    assert_clean_console(resident, problems, "the resident's paper page")

    # the resident contests it; the contest waits in the one queue of contested paper
    # entries, where the officer who entered it cannot decide and another moderator
    # chooses what happens to the paper, in words that say so
    resident.get_by_label("Is this wrong?").fill("I ticked monthly, not weekly")
    resident.get_by_role("button", name="Contest this paper").click()
    expect(resident.locator(".govuk-notification-banner")).to_contain_text("Your contest is sent")
    officer.goto("/contests")
    card = officer.locator(".govuk-summary-card", has_text="I ticked monthly, not weekly")
    expect(card).to_contain_text(first)
    expect(card).to_contain_text("another moderator must decide")
    decider = open_page(ADMIN)
    decider.goto("/paper/contests")  # the old address leads to the one queue
    expect(decider.get_by_role("heading", level=1)).to_have_text("Contested paper entries")
    card = decider.locator(".govuk-summary-card", has_text="I ticked monthly, not weekly")
    card.get_by_role("button", name="Decide").click()  # nothing chosen yet
    summary = decider.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Choose whether to remove the paper entry or keep it")
    assert_accessible(decider, "the contests queue with errors")
    card = decider.locator(".govuk-summary-card", has_text="I ticked monthly, not weekly")
    card.get_by_label("Keep the paper entry").check()
    card.get_by_label("Your answer to the resident (only they see it)").fill(
        "Your form has weekly ticked and your initials beside it."
    )
    card.get_by_role("button", name="Decide").click()
    expect(decider.locator(".govuk-notification-banner")).to_contain_text("kept")
    assert_accessible(decider, "the contests queue")
    assert_clean_console(decider, problems, "the contests queue", error_statuses=(422,))
    resident.reload()
    expect(resident.locator("#your-contests")).to_contain_text("Kept: the paper entry stands")
