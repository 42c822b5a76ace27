"""What's open now in a real browser: a new resident finds the open vote from the home page,
votes, and the home page then says they have voted; axe finds nothing on the home, area and
"Your areas" pages; and the home page lists the open vote with JavaScript off.

The resident registers here (registration is limited per hour, not per minute, so this does
not eat into the sign-in allowance the other browser tests share) and uses one of the
fixture's fresh letter codes to become eligible in the proposals' area.
"""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import (
    AREA_NAME,
    CONSULTATION_PROPOSAL,
    OPEN_CONSULTATION,
    VOTING_PROPOSAL,
    LiveSite,
    PageProblems,
)
from tests.browser.test_foundation_browser import assert_clean_console, register

pytestmark = pytest.mark.browser

_axe = Axe()


def assert_no_axe_violations(page: Page, where: str) -> None:
    """Not one axe-core violation, of any impact."""
    violations = _axe.run(page).response["violations"]
    details = "; ".join(
        f"{v['id']} ({v['impact']}) at {[node['target'] for node in v['nodes']]}: {v['help']}"
        for v in violations
    )
    assert not violations, f"axe on {where} ({page.url}): {details}"


def open_vote_title(items: Locator) -> str:
    """The title of the fixture's proposal that is open for voting now: VOTING_PROPOSAL,
    or CONSULTATION_PROPOSAL once the votes tests (run before or after this module) have
    opened its vote and closed the other."""
    vote = items.get_by_role("listitem").filter(has_text="Public vote on outsourcing a service")
    expect(vote).to_have_count(1)
    title = vote.get_by_role("heading").inner_text().strip()
    assert title in (VOTING_PROPOSAL, CONSULTATION_PROPOSAL), title
    return title


def open_item(page: Page, title: str) -> Locator:
    """The list item for `title` under the "Open now" heading."""
    section = page.get_by_role("region", name="Open now", exact=True)
    return section.get_by_role("listitem").filter(
        has=page.get_by_role("link", name=title, exact=True)
    )


def test_resident_finds_an_open_vote_from_home_and_votes(
    page: Page, live_site: LiveSite, problems: PageProblems
) -> None:
    register(page, live_site, "Olu Opennow")
    page.get_by_label("Code from your letter").fill(live_site.take_code())
    page.get_by_role("button", name="Use code").click()
    expect(page.get_by_text(f"You can now take part in {AREA_NAME}.")).to_be_visible()

    page.get_by_role("link", name="Home").click()
    expect(page.get_by_role("heading", level=2, name="Open now")).to_be_visible()
    yours = page.get_by_role("list", name="Open in your areas")
    title = open_vote_title(yours)
    vote = yours.get_by_role("listitem").filter(
        has=page.get_by_role("link", name=title, exact=True)
    )
    expect(vote).to_contain_text(re.compile(r"Closes at \d\d:\d\d on .* \(in \d+ days?\)"))
    expect(vote).to_contain_text("You have not voted")
    expect(yours.get_by_role("link", name=OPEN_CONSULTATION, exact=True)).to_be_visible()
    assert_no_axe_violations(page, "the home page, signed in")

    vote.get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    page.get_by_role("link", name="Vote", exact=True).click()
    page.get_by_role("group", name="Your vote").get_by_label(
        re.compile(r"Against: keep the (service in-house|asset in public hands)")
    ).check()
    page.get_by_role("button", name="Cast my vote").click()
    expect(page.get_by_text("Your vote is recorded.", exact=False)).to_be_visible()

    page.get_by_role("link", name="Home").click()
    vote = (
        page.get_by_role("list", name="Open in your areas")
        .get_by_role("listitem")
        .filter(has=page.get_by_role("link", name=title, exact=True))
    )
    expect(vote).to_contain_text("You have voted")
    expect(vote).not_to_contain_text("Against")  # the choice stays on the vote's own page

    # the dashboard, from the header, says the same
    page.get_by_role("link", name="Your areas").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your areas")
    panel = page.get_by_role("region", name=AREA_NAME)
    expect(
        panel.get_by_role("listitem").filter(has=page.get_by_role("link", name=title, exact=True))
    ).to_contain_text("You have voted")
    expect(panel.get_by_role("link", name="Hyde Park 2026", exact=True)).to_be_visible()
    assert_no_axe_violations(page, "the Your areas dashboard")

    page.get_by_role("link", name=AREA_NAME).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(AREA_NAME)
    expect(
        page.get_by_role("region", name=f"Open now in {AREA_NAME}").get_by_role(
            "link", name=title, exact=True
        )
    ).to_be_visible()
    assert_no_axe_violations(page, "the area page, signed in")
    assert_clean_console(page, problems, "the what's open journey")


def test_pages_are_clean_for_someone_signed_out(page: Page, problems: PageProblems) -> None:
    page.goto("/")
    title = open_vote_title(page.get_by_role("list", name="Open now", exact=True))
    expect(open_item(page, title)).to_contain_text(AREA_NAME)
    assert_no_axe_violations(page, "the home page, signed out")
    page.goto("/accounts/areas/hyde-park")
    assert_no_axe_violations(page, "the area page, signed out")
    assert_clean_console(page, problems, "the signed-out pages")


def test_home_lists_the_open_vote_without_javascript(page_without_js: Page) -> None:
    page = page_without_js
    page.goto("/")
    title = open_vote_title(page.get_by_role("list", name="Open now", exact=True))
    vote = open_item(page, title)
    expect(vote).to_contain_text(re.compile(r"Closes at \d\d:\d\d on "))
    vote.get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
