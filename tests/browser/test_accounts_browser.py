"""Accounts and email in a real browser (issue 14, accounts slice): a forgotten password
reset through the emailed link, and a change of address confirmed at the new one, with
axe on every new page. Links are read from the server's outbox, as from an inbox."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD, LiveSite, PageProblems
from tests.browser.test_foundation_browser import (
    assert_accessible,
    assert_clean_console,
    error_summary_targets,
    fill_registration,
)

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Quarry-pelican-Lantern-58"


def test_a_resident_resets_a_forgotten_password_and_changes_address(
    page: Page, live_site: LiveSite, problems: PageProblems
) -> None:
    email = "forgetful@example.org"
    page.goto("/accounts/register")
    fill_registration(page, email, "Fern Forgetful", PASSWORD, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")

    # forgotten password: from the sign-in page
    page.goto("/accounts/sign-in")
    page.get_by_role("link", name="Forgotten your password?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reset your password")
    assert_accessible(page, "the forgot-password page")
    page.get_by_role("button", name="Send the link").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert error_summary_targets(page) == {"Enter your email address": "email"}
    assert_accessible(page, "the forgot-password page with an error")
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Send the link").click()
    expect(page).to_have_url(re.compile(r"/accounts/forgot-password/sent$"))
    expect(page.get_by_text("If a Civic account uses the address you gave")).to_be_visible()
    assert_accessible(page, "the reset-link-sent page")

    link = live_site.mail_link(email, "reset-password")
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Set a new password")
    assert_accessible(page, "the reset-password page")
    page.get_by_label("New password", exact=True).fill("password123")
    page.get_by_label("Confirm new password").fill("password123")
    page.get_by_role("button", name="Set new password").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert "password" in error_summary_targets(page).values()
    assert_accessible(page, "the reset-password page with an error")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set new password").click()
    expect(page).to_have_url(re.compile(r"/accounts/sign-in$"))
    expect(page.get_by_text("Your password is changed")).to_be_visible()

    # the link works once
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("This link has already been used")
    expect(
        page.get_by_role("link", name="Ask for a new link to reset your password")
    ).to_be_visible()
    assert_accessible(page, "the used-link page")

    # the new password signs in (the reset also confirmed the address)
    page.goto("/accounts/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Signed in as Fern Forgetful")).to_be_visible()

    # a change of address, confirmed at the new one
    page.goto("/accounts/eligibility")
    expect(page.get_by_role("heading", name="Confirm your email address first")).to_have_count(0)
    page.get_by_role("link", name="Change your email address").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change your email address")
    assert_accessible(page, "the change-email page")
    page.get_by_label("New email address").fill("fern@example.org")
    page.get_by_label("Current password").fill("not-my-password")
    page.get_by_role("button", name="Send the link").click()
    assert error_summary_targets(page) == {"Your current password is not right": "current_password"}
    expect(page.get_by_label("New email address")).to_have_value("fern@example.org")
    assert_accessible(page, "the change-email page with an error")
    page.get_by_label("Current password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_text("We sent a link to fern@example.org")).to_be_visible()

    page.goto(live_site.mail_link("fern@example.org", "email/confirm"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your new email address")
    assert_accessible(page, "the confirm-new-address page")
    page.get_by_role("button", name="Use this email address").click()
    expect(page.get_by_text("Your email address is now fern@example.org")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()  # still signed in here

    # a link nobody sent
    page.goto("/accounts/reset-password/not-a-real-link")
    expect(page.get_by_role("heading", level=1)).to_have_text("This link is not valid")
    assert_accessible(page, "the forged-link page")
    assert_clean_console(page, problems, "the accounts journey", error_statuses=(404, 410, 422))
