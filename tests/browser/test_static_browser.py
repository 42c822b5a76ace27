"""Static files and cacheable pages in a real browser: an anonymous visitor's public pages
load every asset under its hashed name (compressed, cached for ever), run under the CSP, are
accessible, and leave no cookie behind; signing in still works and then sets one."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, Response, expect

from tests.browser.conftest import MODERATOR, PASSWORD, LiveSite, PageProblems
from tests.browser.test_foundation_browser import assert_accessible, assert_clean_console

pytestmark = pytest.mark.browser

PUBLIC = ["/", "/budgets", "/consultations", "/votes", "/audit", "/accounts/areas/hyde-park"]


def test_anonymous_pages_use_hashed_compressed_assets_and_set_no_cookie(
    page: Page, live_site: LiveSite, problems: PageProblems
) -> None:
    assets: list[Response] = []
    page.on("response", lambda r: assets.append(r) if "/static/" in r.url else None)
    for path in PUBLIC:
        page.goto(path)
        page.wait_for_load_state("load")
        assert_clean_console(page, problems, path)
        assert page.context.cookies() == [], f"{path} set a cookie for an anonymous visitor"
    assert_accessible(page, "/accounts/areas/hyde-park")
    first_page_assets = {r.url for r in assets}
    assert len(first_page_assets) >= 4, first_page_assets  # stylesheets, scripts, icon
    for response in assets:
        assert response.status in (200, 304), response.url
        if "/js/civic." in response.url or "/css/" in response.url:
            assert re.search(r"\.[0-9a-f]{12}\.(css|js)$", response.url), response.url
            headers = response.all_headers()
            assert "immutable" in headers["cache-control"], response.url
            assert headers.get("content-encoding") in ("br", "gzip"), response.url


def test_signing_in_still_works_and_then_the_page_carries_the_token(
    page: Page, live_site: LiveSite, problems: PageProblems
) -> None:
    page.goto("/accounts/sign-in")
    assert page.context.cookies(), "the sign-in form's CSRF token lives in the session"
    page.get_by_label("Email address").fill(MODERATOR.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(f"Signed in as {MODERATOR.name}")).to_be_visible()
    assert "X-CSRFToken" in (page.locator("body").get_attribute("hx-headers") or "")
    assert_clean_console(page, problems, "signing in")
