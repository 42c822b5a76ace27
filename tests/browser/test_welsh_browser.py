"""A Welsh-speaking resident in a real browser: the language switch, then reading the case
and voting in Welsh, with axe on every page in both languages.

VOTER reads Welsh through the `civic_lang` cookie the switch sets for anyone (so the choice
is not saved on the shared test account, which other modules read in English); the saved
choice is tested in tests/i18n. The module runs after test_votes_browser, so VOTER may
already have voted (then this vote is a change, still a vote and still confirmed), and the
proposal open for voting may be the other one.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    CONSULTATION_PROPOSAL,
    VOTER,
    VOTING_PROPOSAL,
    LiveSite,
    OpenPage,
)
from tests.browser.test_foundation_browser import assert_accessible

pytestmark = pytest.mark.browser

RECORDED_CY = "Mae eich pleidlais wedi’i chofnodi. Gallwch ei newid nes bod y bleidlais yn cau."


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_visitor_switches_to_welsh_and_back(
    open_page: OpenPage, live_site: LiveSite, javascript: bool
) -> None:
    page = open_page(javascript=javascript)
    page.goto("/votes")
    expect(page.locator("html")).to_have_attribute("lang", "en-GB")
    switch = page.get_by_role("link", name="Cymraeg")
    expect(switch).to_have_attribute("lang", "cy")
    if javascript:
        assert_accessible(page, "the list of votes in English")
    switch.click()
    expect(page).to_have_url(f"{live_site.url}/votes")
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Pleidleisiau cyhoeddus ar allanoli ac asedau cyhoeddus"
    )
    expect(page.get_by_role("link", name="Neidio i’r prif gynnwys")).to_have_count(1)
    if javascript:
        assert_accessible(page, "the list of votes in Welsh")
    english = page.get_by_role("link", name="English")
    expect(english).to_have_attribute("lang", "en-GB")
    english.click()
    expect(page.locator("html")).to_have_attribute("lang", "en-GB")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Public votes on outsourcing and public assets"
    )


def test_a_welsh_speaking_resident_votes_in_welsh(open_page: OpenPage, live_site: LiveSite) -> None:
    page = open_page(VOTER)
    page.context.add_cookies([{"name": "civic_lang", "value": "cy", "url": live_site.url}])
    # test_votes_browser (run earlier) closes VOTING_PROPOSAL and opens CONSULTATION_PROPOSAL
    vote_button = page.get_by_role("link", name=re.compile(r"^(Pleidleisio|Newid fy mhleidlais)$"))
    for title in (VOTING_PROPOSAL, CONSULTATION_PROPOSAL):
        detail = f"/votes/{live_site.proposals[title]}"
        page.goto(detail)
        if vote_button.count():
            break
    else:
        pytest.fail("neither test proposal is open for voting")
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name="Yr achos budd y cyhoedd")).to_be_visible()
    # the proposal's own text has no Welsh version: shown in English, marked as English
    expect(page.get_by_role("heading", level=1).locator('[lang="en-GB"]')).to_have_text(title)
    assert_accessible(page, "the proposal's page in Welsh")

    page.goto(f"{detail}/vote")
    choices = page.get_by_role("group", name="Eich pleidlais")
    in_favour = choices.get_by_label("O blaid: allanoli’r gwasanaeth")
    against = choices.get_by_label("Yn erbyn: cadw’r gwasanaeth yn fewnol")
    assert_accessible(page, "the voting page in Welsh")
    if not in_favour.is_checked() and not against.is_checked():
        # nothing chosen yet: sending is refused, in Welsh, by the radios and in the summary
        page.get_by_role("button", name="Bwrw fy mhleidlais").click()
        expect(page).to_have_title(re.compile(r"^Gwall: "))
        summary = page.locator(".govuk-error-summary")
        expect(summary.get_by_role("heading", name="Mae problem")).to_be_visible()
        link = summary.get_by_role("link", name="Dewiswch o blaid neu yn erbyn")
        expect(link).to_have_count(1)
        expect(page.locator(link.get_attribute("href") or "#none")).to_have_count(1)
        assert_accessible(page, "the voting page with an error, in Welsh")
    choice, said = (against, "yn erbyn") if in_favour.is_checked() else (in_favour, "o blaid")
    choice.check()
    page.get_by_role("button", name="Bwrw fy mhleidlais").click()
    expect(page).to_have_url(f"{live_site.url}{detail}")
    expect(page.get_by_text(RECORDED_CY)).to_be_visible()
    expect(main).to_contain_text(f"Fe wnaethoch bleidleisio {said}.")
    expect(page.get_by_role("link", name="Newid fy mhleidlais")).to_be_visible()
    assert_accessible(page, "the proposal's page after voting, in Welsh")
