"""The signed checkpoints as a resident meets them: linked from the audit log, listed with
their roots, each on its own page with the text to save; accessible and CSP-clean."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveSite, PageProblems
from tests.browser.test_foundation_browser import assert_accessible, assert_clean_console

pytestmark = pytest.mark.browser


def test_from_the_audit_log_to_a_checkpoint_to_save(
    page: Page, live_site: LiveSite, problems: PageProblems
) -> None:
    # the first reader of the checkpoint makes one if the site has none yet
    assert page.request.get(f"{live_site.url}/audit/log/checkpoint").ok
    page.goto("/audit")
    page.get_by_role("link", name="signed checkpoints").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Signed checkpoints")
    table = page.get_by_role("table", name="Checkpoints, newest first")
    expect(table.get_by_role("columnheader", name="Root")).to_be_visible()
    assert_accessible(page, "the checkpoints page")
    assert_clean_console(page, problems, "the checkpoints page")
    table.get_by_role("row").nth(1).get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Checkpoint #")
    expect(page.locator("pre")).to_contain_text("\u2014 ")  # the signature line
    assert_accessible(page, "a checkpoint's page")
    assert_clean_console(page, problems, "a checkpoint's page")
