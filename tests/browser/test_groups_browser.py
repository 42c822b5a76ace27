"""A group organiser invites someone by email, with and without JavaScript; the person
registers with that address, finds the invitation, accepts it and chooses to be named.
Every page on the way is checked with axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import GROUP_NAME, MODERATOR, PASSWORD, LiveSite
from tests.browser.test_foundation_browser import (
    assert_accessible,
    assert_clean_console,
    confirm_and_sign_in,
    fill_registration,
)

pytestmark = pytest.mark.browser

GROUP = "/accounts/groups/woodhouse-moor"
SENT = "If that address belongs to a Civic account, they will see the invitation"


def test_the_public_sees_the_count_and_the_named_member_only(page, live_site: LiveSite) -> None:
    page.goto(GROUP)
    main = page.get_by_role("main")
    expect(main.get_by_text("2 members.")).to_be_visible()
    expect(main.get_by_text("Nell Named")).to_be_visible()
    expect(main.get_by_text("Quentin Quiet")).to_have_count(0)
    expect(main.get_by_text("1 other member chose not to be named.")).to_be_visible()
    expect(main.get_by_role("button", name="Send invitation")).to_have_count(0)
    assert_accessible(page, "the public group page")


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_invite_register_accept_and_be_named(
    open_page, live_site: LiveSite, problems, javascript: bool
) -> None:
    # axe runs in the page, so it can only check the pages with JavaScript on (the markup
    # is the same either way)
    def check(page, where: str) -> None:
        if javascript:
            assert_accessible(page, where)

    email = f"invitee-{'js' if javascript else 'nojs'}@example.org"
    name = f"Ines Invitee {'A' if javascript else 'B'}"
    manager = open_page(MODERATOR, javascript=javascript)
    manager.goto(GROUP)
    # managers see everyone
    expect(manager.get_by_role("cell", name="Quentin Quiet", exact=True)).to_be_visible()
    check(manager, "the group page as its manager")
    # a mistyped address is refused next to the field (in place, with htmx)
    manager.get_by_label("Their email address").fill("not an address")
    manager.get_by_role("button", name="Send invitation").click()
    expect(manager.locator("#email-error")).to_contain_text("valid email address")
    check(manager, "the invite form with an error")
    manager.get_by_label("Their email address").fill(email)
    manager.get_by_role("button", name="Send invitation").click()
    expect(manager.get_by_text(SENT)).to_be_visible()
    table = manager.get_by_role("region", name="Invitations waiting for an answer")
    expect(table.get_by_role("cell", name=email, exact=True)).to_be_visible()

    invitee = open_page(None, javascript=javascript)
    invitee.goto("/accounts/register")
    fill_registration(invitee, email, name, PASSWORD, PASSWORD)
    # the invitation shows once the address is confirmed (anyone can register any address)
    confirm_and_sign_in(invitee, live_site, email)
    invitee.get_by_role("link", name=re.compile(r"Invitations \(1\)")).click()
    expect(invitee.get_by_role("heading", level=2, name=GROUP_NAME)).to_be_visible()
    check(invitee, "the invitations page")
    invitee.get_by_role("button", name=f"Accept the invitation to {GROUP_NAME}").click()
    expect(invitee).to_have_url(re.compile(f"{GROUP}$"))
    expect(invitee.get_by_text(f"You have joined {GROUP_NAME}")).to_be_visible()
    expect(invitee.get_by_text(f"{name} (you)")).to_be_visible()
    invitee.get_by_label("Yes, show my name to everyone").check()
    invitee.get_by_role("button", name="Save my choice").click()
    expect(invitee.get_by_text("Your name is shown on the group page.")).to_be_visible()
    check(invitee, "the group page as a member")

    visitor = open_page(None, javascript=javascript)
    visitor.goto(GROUP)
    expect(visitor.get_by_role("main").get_by_text(name)).to_be_visible()
    assert_clean_console(invitee, problems, "the invitation journey", error_statuses=(422,))
