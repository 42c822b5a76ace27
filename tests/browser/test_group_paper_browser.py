"""A paper vote on a group's motion, in a real browser: the group's manager follows the link
from the motion's page to the paper desk, prints numbered ballot papers (the print
stylesheet hides the site's menus), enters a member's paper (first without a choice, told
by an error summary and by the field), and the member sees the paper entered for them with
a way to contest it; another moderator removes it from the one queue of contested paper
entries, and the member may vote again. axe finds nothing serious on any page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ADMIN, MODERATOR, LiveSite, PageProblems, Person
from tests.browser.test_foundation_browser import assert_accessible, assert_clean_console

pytestmark = pytest.mark.browser

NAMED = Person("named@example.org", "Nell Named")  # members of the group (conftest)
QUIET = Person("quiet@example.org", "Quentin Quiet")


def test_a_manager_prints_and_enters_a_paper_vote_on_a_motion(
    open_page, live_site: LiveSite, problems: PageProblems
) -> None:
    manager = open_page(MODERATOR)
    proposer = open_page(NAMED)
    manager.goto("/groups/woodhouse-moor/rules/edit")
    manager.get_by_label("Days of discussion before voting opens").fill("0")
    manager.get_by_role("button", name="Publish these rules").click()
    proposer.goto("/groups/woodhouse-moor/motions/new")
    proposer.get_by_label("Title of the motion").fill("Hold a litter pick every month")
    proposer.get_by_label("What the motion proposes").fill("On the first Saturday.")
    proposer.get_by_role("button", name="Propose the motion").click()
    expect(proposer.get_by_role("heading", level=1)).to_have_text("Hold a litter pick every month")
    motion_id = re.search(r"/motions/(\d+)", proposer.url).group(1)

    manager.goto(proposer.url)
    manager.get_by_role("link", name="Paper votes: print papers and enter them").click()
    expect(manager.get_by_role("heading", level=1)).to_have_text("Enter a paper vote")
    assert_accessible(manager, "the group paper desk")

    manager.get_by_label("How many papers").fill("2")
    manager.get_by_role("button", name="Number and show papers to print").click()
    papers = manager.locator(".civic-paper")
    expect(papers).to_have_count(2)
    first = f"M{motion_id}-0001"
    expect(papers.first).to_contain_text(first)
    expect(papers.first).to_contain_text("Abstain")
    assert_accessible(manager, "the printable ballot papers")
    manager.emulate_media(media="print")
    expect(manager.locator(".govuk-footer")).to_be_hidden()
    expect(papers.nth(1)).to_be_visible()
    manager.emulate_media(media="screen")
    manager.get_by_role("link", name="Back to entering papers").click()

    # no choice marked: the summary links to the field, the input is kept
    manager.get_by_label("Paper number").fill(first)
    manager.get_by_label("Email address of their account").fill(QUIET.email)
    manager.get_by_label("How you checked who they are").fill("known to me at the meeting")
    manager.get_by_role("button", name="Enter the paper").click()
    # radios are described by their fieldset (GOV.UK): the message is read with the group
    expect(manager.locator("#choice-error")).to_contain_text("for, against or abstain")
    fieldset = manager.locator("fieldset", has=manager.locator("#choice"))
    expect(fieldset).to_have_attribute("aria-describedby", "choice-error")
    expect(manager.locator(".govuk-error-summary a[href='#choice']")).to_be_visible()
    expect(manager.get_by_label("Paper number")).to_have_value(first)
    assert_accessible(manager, "the group paper desk with errors")
    assert_clean_console(manager, problems, "the refused paper", error_statuses=(422,))
    manager.get_by_label("Abstain").check()
    manager.get_by_role("button", name="Enter the paper").click()
    expect(manager.locator(".govuk-notification-banner")).to_contain_text(f"Paper {first} entered")

    problems.console_errors.clear()
    member = open_page(QUIET)
    member.goto(proposer.url)
    member.get_by_role("link", name="See it, or contest it if it is wrong").click()
    expect(member.get_by_role("heading", level=1)).to_have_text("Your paper vote")
    entry = member.locator("#paper-entry")
    expect(entry).to_contain_text(first)
    expect(entry).to_contain_text("Abstain")
    expect(member.get_by_role("button", name="Contest this paper")).to_be_visible()
    assert_accessible(member, "the member's paper page")
    assert_clean_console(member, problems, "the member's paper page")

    # the member contests it; the manager who entered it cannot decide, another moderator
    # reaches the one queue by the group queue's old address and removes the paper
    member.get_by_label("Is this wrong?").fill("I marked for, not abstain")
    member.get_by_role("button", name="Contest this paper").click()
    expect(member.locator(".govuk-notification-banner")).to_contain_text("Your contest is sent")
    expect(member.locator("#your-contests")).to_contain_text("Waiting for a moderator")
    manager.goto("/contests")
    card = manager.locator(".govuk-summary-card", has_text="I marked for, not abstain")
    expect(card).to_contain_text(first)
    expect(card).to_contain_text("another moderator must decide")
    decider = open_page(ADMIN)
    decider.goto("/paper/groups/contests")
    expect(decider.get_by_role("heading", level=1)).to_have_text("Contested paper entries")
    card = decider.locator(".govuk-summary-card", has_text="I marked for, not abstain")
    expect(card).to_contain_text(f"Hold a litter pick every month: paper {first}")
    card.get_by_label("Remove the paper entry (the resident can take part again)").check()
    card.get_by_label("Your answer to the resident (only they see it)").fill(
        "Removed: please vote again online."
    )
    card.get_by_role("button", name="Decide").click()
    expect(decider.locator(".govuk-notification-banner")).to_contain_text("removed")
    assert_accessible(decider, "the contests queue")
    assert_clean_console(decider, problems, "the contests queue")
    member.reload()
    expect(member.locator("#your-contests")).to_contain_text(
        "Removed: the paper entry was taken out"
    )
    expect(member.get_by_text("No paper form is entered for you here.")).to_be_visible()
