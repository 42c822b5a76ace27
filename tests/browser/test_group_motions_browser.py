"""Groups run by their members (issue 15): the group's manager publishes its rules, a
member proposes a motion and votes on it (JavaScript on), the manager closes the vote and
the outcome is shown. Every page on the way is checked with axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import MODERATOR, LiveSite, Person
from tests.browser.test_foundation_browser import assert_accessible

pytestmark = pytest.mark.browser

GROUP = "/accounts/groups/woodhouse-moor"
MEMBER = Person("named@example.org", "Nell Named")  # a member of the group (conftest)


def test_a_member_proposes_and_votes_on_a_motion(open_page, live_site: LiveSite) -> None:
    # both sign in first: signing in checks the console is clean, and the refusals below
    # (422s) are meant to leave errors there
    manager = open_page(MODERATOR)
    member = open_page(MEMBER)
    manager.goto("/groups/woodhouse-moor/rules/edit")
    assert_accessible(manager, "the rules form")
    manager.get_by_label("Days of discussion before voting opens").fill("61")
    manager.get_by_role("button", name="Publish these rules").click()
    expect(
        manager.get_by_role("link", name="Discussion must last from 0 to 60 days")
    ).to_be_visible()
    assert_accessible(manager, "the rules form with an error")
    manager.get_by_label("Days of discussion before voting opens").fill("0")
    manager.get_by_role("button", name="Publish these rules").click()
    expect(manager.get_by_text("A motion is discussed for 0 days")).to_be_visible()
    assert_accessible(manager, "the published rules")

    member.goto(GROUP)
    member.get_by_role("link", name="Propose a motion").click()
    assert_accessible(member, "the motion form")
    member.get_by_role("button", name="Propose the motion").click()
    expect(member.get_by_role("link", name="Enter the motion's title")).to_be_visible()
    assert_accessible(member, "the motion form with an error")
    member.get_by_label("Title of the motion").fill("Put up bird boxes on the Moor")
    member.get_by_label("What the motion proposes").fill("The group asks the council for ten.")
    member.get_by_role("button", name="Propose the motion").click()
    expect(member.get_by_text("Your motion is proposed. Voting is open.")).to_be_visible()
    expect(member.get_by_role("heading", level=1)).to_have_text("Put up bird boxes on the Moor")
    assert_accessible(member, "the motion page, voting")
    member.get_by_label("For", exact=True).check()
    member.get_by_role("button", name="Cast my vote").click()
    expect(member.get_by_text("Your vote is recorded.")).to_be_visible()
    expect(member.get_by_text("You have voted.")).to_be_visible()
    assert_accessible(member, "the motion page after voting")

    manager.goto(member.url)
    manager.get_by_label("I understand the count is final").check()
    manager.get_by_label("Why close the vote before its published closing date").fill(
        "Everyone who wanted to has voted at the meeting"
    )
    manager.get_by_role("button", name="Close the vote and count it").click()
    expect(manager.get_by_text("Voting closed.")).to_be_visible()
    expect(manager.locator("strong.govuk-tag", has_text="Passed")).to_be_visible()
    assert_accessible(manager, "the decided motion with the minutes form")
