"""Notifications in a real browser (issue 14, inbox slice): changing notification settings
with JavaScript on and off, the list with its unread count refreshed by htmx after "mark
all as read", and the Follow button swapped in place; axe-clean throughout."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import NEIGHBOUR, LiveSite, PageProblems
from tests.browser.test_foundation_browser import assert_accessible, assert_clean_console

pytestmark = pytest.mark.browser

REPLY = "Someone replies to your comment"
OFF = "Off: not by email and not in your notifications list"
DIGEST = "In a daily digest email (at most one a day)"


def _change_reply_setting(page: Page, choice: str) -> None:
    page.goto("/notifications/settings")
    expect(page.get_by_role("heading", level=1)).to_have_text("Notification settings")
    group = page.get_by_role("group", name=REPLY)
    group.get_by_label(choice, exact=True).check()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Your notification settings are saved.")).to_be_visible()
    expect(page.get_by_role("group", name=REPLY).get_by_label(choice, exact=True)).to_be_checked()


def test_changing_notification_settings_with_javascript(open_page, problems: PageProblems):
    page = open_page(NEIGHBOUR)
    page.goto("/notifications/settings")
    assert_accessible(page, "the notification settings page")
    _change_reply_setting(page, OFF)
    assert_accessible(page, "the saved settings page")
    assert_clean_console(page, problems, "changing notification settings")


def test_changing_notification_settings_without_javascript(open_page):
    page = open_page(NEIGHBOUR, javascript=False)
    _change_reply_setting(page, DIGEST)


def test_the_list_and_mark_all_read_refresh_the_count(open_page, problems: PageProblems):
    page = open_page(NEIGHBOUR)
    page.goto("/notifications")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your notifications")
    count = page.locator("#notification-count")
    expect(count).to_have_text(re.compile(r"^Notifications, \d+ unread$"))
    expect(page.get_by_role("link", name="Browser news 3")).to_be_visible()
    assert_accessible(page, "the notifications list")
    page.get_by_role("button", name="Mark all as read").click()
    expect(page.locator("#unread-summary")).to_contain_text("0 unread notifications")
    expect(count).to_have_text("Notifications")  # refreshed by htmx, no reload
    assert_accessible(page, "the list after marking all read")
    assert_clean_console(page, problems, "the notifications list")


def test_the_follow_button_swaps_in_place(open_page, live_site: LiveSite, problems: PageProblems):
    page = open_page(NEIGHBOUR)
    page.goto("/accounts/areas/hyde-park")
    follow = page.get_by_role("button", name=f"Follow {live_site.area_name}", exact=True)
    stop = page.get_by_role("button", name=f"Stop following {live_site.area_name}")
    if stop.count():  # a rerun on the same server: start from not following
        stop.click()
    follow.click()
    expect(stop).to_be_visible()
    expect(stop).to_be_focused()  # focus stays on the swapped button
    assert_accessible(page, "the area page while following")
    stop.click()
    expect(follow).to_be_visible()
    assert_clean_console(page, problems, "following an area")
