"""The foundation as a resident meets it in a real browser: sign-up, letter codes, sign-out,
accessible errors, the keyboard, the audit log with and without JavaScript, and a clean
console under the Content Security Policy.

Locators go by role and label, so each step also checks the labels and names are real.
"""

from __future__ import annotations

import itertools
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD, LiveSite, PageProblems

pytestmark = pytest.mark.browser

_emails = itertools.count(1)
_axe = Axe()


def new_email() -> str:
    return f"resident{next(_emails)}@example.org"


def assert_accessible(page: Page, where: str) -> None:
    """No serious or critical axe-core violations on the page as it is now."""
    violations = _axe.run(page).response["violations"]
    bad = [v for v in violations if v.get("impact") in ("serious", "critical")]
    details = "; ".join(
        f"{v['id']} ({v['impact']}) at {[node['target'] for node in v['nodes']]}: {v['help']}"
        for v in bad
    )
    assert not bad, f"axe on {where} ({page.url}): {details}"


def assert_clean_console(
    page: Page, problems: PageProblems, where: str, *, error_statuses: tuple[int, ...] = ()
) -> None:
    """No console errors or uncaught exceptions so far, no CSP violation on this document.

    Chromium logs "Failed to load resource" for a page served with an error status; pass
    the statuses a test expects (e.g. 422 for a form with errors) to allow those.
    """
    csp = problems.csp_violations(page)
    assert not csp, f"CSP violations on {where}: {csp}"
    assert not problems.page_errors, f"uncaught errors by {where}: {problems.page_errors}"
    expected = tuple(
        f"the server responded with a status of {status} " for status in error_statuses
    )
    errors = [e for e in problems.console_errors if not any(x in e for x in expected)]
    assert not errors, f"console errors by {where}: {errors}"


def fill_registration(page: Page, email: str, name: str, password: str, confirm: str) -> None:
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Your name, as other residents will see it").fill(name)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Confirm password").fill(confirm)
    page.get_by_role("button", name="Create account").click()


def confirm_and_sign_in(page: Page, live_site: LiveSite, email: str) -> None:
    """After registering: follow the link mailed to `email`, confirm, and sign in."""
    expect(page).to_have_url(re.compile(r"/accounts/register/check-email$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    page.goto(live_site.mail_link(email, "confirm-email"))
    page.get_by_role("button", name="Confirm my email address").click()
    expect(page.get_by_text("Your email address is confirmed.")).to_be_visible()
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def register(page: Page, live_site: LiveSite, name: str = "Rowan Resident") -> None:
    """A new resident signs up, confirms their address and signs in; on Your areas."""
    email = new_email()
    page.goto("/accounts/register")
    fill_registration(page, email, name, PASSWORD, PASSWORD)
    confirm_and_sign_in(page, live_site, email)
    page.goto("/accounts/eligibility")


def error_summary_targets(page: Page) -> dict[str, str]:
    """The error summary's links: message -> the id of the field it points at."""
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    targets = {}
    for link in summary.get_by_role("link").all():
        href = link.get_attribute("href") or ""
        assert href.startswith("#"), f"error summary link {href!r} is not to a field"
        targets[link.inner_text().strip()] = href[1:]
    return targets


def assert_field_error(page: Page, field_id: str, message: str) -> None:
    """The message sits next to the field and is read out with it (aria-describedby)."""
    error = page.locator(f"#{field_id}-error")
    expect(error).to_contain_text(message)
    described_by = (page.locator(f"#{field_id}").get_attribute("aria-describedby") or "").split()
    assert f"{field_id}-error" in described_by, f"#{field_id} aria-describedby={described_by}"


def test_resident_registers_uses_a_code_and_signs_out(
    page: Page, live_site: LiveSite, problems: PageProblems
) -> None:
    page.goto("/accounts/register")
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    assert_accessible(page, "the register page")

    email = new_email()
    fill_registration(page, email, "Rowan Resident", PASSWORD, PASSWORD)
    expect(page).to_have_url(re.compile(r"/accounts/register/check-email$"))
    assert_accessible(page, "the check-your-email page")
    link = live_site.mail_link(email, "confirm-email")
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your email address")
    assert_accessible(page, "the confirm-email page")
    page.goto("/accounts/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto("/accounts/eligibility")
    # signed in, but not yet confirmed: asked to confirm first
    expect(page.get_by_role("heading", name="Confirm your email address first")).to_be_visible()
    assert_accessible(page, "the eligibility page before confirming")
    page.goto(link)
    page.get_by_role("button", name="Confirm my email address").click()
    expect(page).to_have_url(re.compile(r"/accounts/eligibility$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your areas")
    expect(page.get_by_text("Your email address is confirmed.")).to_be_visible()
    expect(page.get_by_text("You cannot vote in any area yet.")).to_be_visible()
    assert_accessible(page, "the eligibility page before a code")

    page.get_by_label("Code from your letter").fill(live_site.take_code())
    page.get_by_role("button", name="Use code").click()
    expect(page.get_by_text(f"You can now take part in {live_site.area_name}.")).to_be_visible()
    main = page.get_by_role("main")
    expect(main.get_by_role("link", name=live_site.area_name)).to_be_visible()
    assert_accessible(page, "the eligibility page after a code")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    expect(page).to_have_url(f"{live_site.url}/")
    expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    assert_accessible(page, "the home page after signing out")
    assert_clean_console(page, problems, "the sign-up journey")


def test_errors_are_listed_linked_and_kept_next_to_fields(
    page: Page, live_site: LiveSite, problems: PageProblems
) -> None:
    email, name = new_email(), "Sam Mistyped"
    page.goto("/accounts/register")
    fill_registration(page, email, name, "password123", "password124")

    expect(page).to_have_title(re.compile(r"^Error: "))
    # Both problems at once, each linked to its field.
    targets = error_summary_targets(page)
    assert sorted(targets.values()) == ["confirm", "password"], targets
    assert targets.get("The passwords do not match") == "confirm", targets
    for field_id in targets.values():
        expect(page.locator(f"#{field_id}")).to_have_count(1)
    assert_field_error(page, "password", "common passwords")
    assert_field_error(page, "confirm", "The passwords do not match")
    # What was typed is kept, except the passwords.
    expect(page.get_by_label("Email address")).to_have_value(email)
    expect(page.get_by_label("Your name, as other residents will see it")).to_have_value(name)
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    expect(page.get_by_label("Confirm password")).to_have_value("")
    # GOV.UK Frontend moves focus to the summary; its links move focus to the field.
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name="The passwords do not match").click()
    expect(page.get_by_label("Confirm password")).to_be_focused()
    assert_accessible(page, "the register page with errors")

    # A code someone else already used: the reason is next to the field.
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    confirm_and_sign_in(page, live_site, email)
    page.goto("/accounts/eligibility")
    page.get_by_label("Code from your letter").fill(live_site.used_code)
    page.get_by_role("button", name="Use code").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert "code" in error_summary_targets(page).values()
    assert_field_error(page, "code", "This code was already used by someone else")
    expect(page.get_by_label("Code from your letter")).to_have_value(live_site.used_code)
    assert_accessible(page, "the eligibility page with a used code")
    assert_clean_console(page, problems, "the error pages", error_statuses=(422,))


def test_resident_changes_their_password(
    page: Page, live_site: LiveSite, problems: PageProblems
) -> None:
    register(page, live_site, "Parveen Password")
    page.get_by_role("link", name="Change your password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change your password")
    assert_accessible(page, "the change-password page")

    new_password = "quartz-pelican-harbour-lantern"
    page.get_by_label("Current password").fill("not-the-password")
    page.get_by_label("New password", exact=True).fill(new_password)
    page.get_by_label("Confirm new password").fill(new_password)
    page.get_by_role("button", name="Change password").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert error_summary_targets(page).get("Your current password is not right") == (
        "current_password"
    )
    assert_field_error(page, "current_password", "current password is not right")
    assert_accessible(page, "the change-password page with an error")

    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill(new_password)
    page.get_by_label("Confirm new password").fill(new_password)
    page.get_by_role("button", name="Change password").click()
    expect(page).to_have_url(re.compile(r"/accounts/eligibility$"))
    expect(page.get_by_text("You were signed out everywhere else")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()  # still signed in here
    assert_clean_console(page, problems, "changing a password", error_statuses=(422,))


def test_skip_link_is_first_and_moves_focus_to_main_content(page: Page) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    expect(skip).to_be_in_viewport()

    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main-content$"))
    main = page.locator("#main-content")
    expect(main).to_be_focused()
    expect(main).to_be_in_viewport()
    # The next Tab goes on inside the main content, past the header's links.
    page.keyboard.press("Tab")
    assert page.evaluate("document.getElementById('main-content').contains(document.activeElement)")


def _actions_in_results(page: Page) -> list[str]:
    """The action tag of each row (the cell also reads it as words: "Area: create")."""
    return page.locator("#results tbody tr td:nth-child(3) code").all_inner_texts()


def test_audit_filter_with_javascript(
    page: Page, live_site: LiveSite, problems: PageProblems
) -> None:
    page.goto("/audit")
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    assert len(set(_actions_in_results(page))) > 1, "the log should hold several kinds of action"
    assert_accessible(page, "the audit log")

    page.evaluate("window.__notReloaded = true")
    page.get_by_label("Action").select_option("area:create")
    with page.expect_response(lambda r: "/audit?" in r.url) as response_info:
        page.get_by_role("button", name="Filter").click()
    assert response_info.value.request.headers.get("hx-request") == "true"
    expect(page).to_have_url(re.compile(r"/audit\?.*action=area%3Acreate"))
    expect(page.locator("#results tbody tr").first).to_contain_text("area:create")
    assert set(_actions_in_results(page)) == {"area:create"}
    assert page.evaluate("window.__notReloaded === true"), "htmx should swap, not reload"
    expect(page.get_by_label("Action")).to_have_value("area:create")
    assert_accessible(page, "the filtered audit log")
    assert_clean_console(page, problems, "the audit log")


def test_audit_filter_without_javascript(page_without_js: Page) -> None:
    page = page_without_js
    page.goto("/audit")
    expect(page.locator("body")).not_to_have_class(re.compile(r"\bjs-enabled\b"))
    assert len(set(_actions_in_results(page))) > 1
    page.get_by_label("Action").select_option("area:create")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"/audit\?.*action=area%3Acreate"))
    assert set(_actions_in_results(page)) == {"area:create"}
    expect(page.get_by_label("Action")).to_have_value("area:create")


def test_pages_have_no_console_errors_or_csp_violations(
    page: Page, live_site: LiveSite, problems: PageProblems
) -> None:
    public = [
        "/",
        "/accounts/register",
        "/accounts/sign-in",
        "/accounts/areas",
        "/accounts/areas/hyde-park",
        "/accounts/groups",
        "/audit",
        "/audit?action=area%3Acreate",
    ]
    for path in public:
        page.goto(path)
        page.wait_for_load_state("load")
        assert_clean_console(page, problems, path)
        assert_accessible(page, path)

    register(page, live_site, "Casey Console")
    assert_clean_console(page, problems, "/accounts/eligibility")
    page.get_by_label("Code from your letter").fill(live_site.take_code())
    page.get_by_role("button", name="Use code").click()
    expect(page.get_by_text(f"You can now take part in {live_site.area_name}.")).to_be_visible()
    assert_clean_console(page, problems, "/accounts/eligibility after a code")
