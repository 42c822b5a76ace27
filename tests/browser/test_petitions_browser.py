"""Petitions in a real browser: a resident starts one (after leaving the form empty), a
moderator accepts it from the queue, another resident signs with JavaScript on and a
third with it off. Every page is checked with axe-core.

VOTER starts the petition, MODERATOR accepts it, NEIGHBOUR signs with JavaScript and PLAIN
without; each signs in once for the whole run (the cookies are shared with other modules).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    AREA_NAME,
    MODERATOR,
    NEIGHBOUR,
    PLAIN,
    VOTER,
    OpenPage,
    PageProblems,
)
from tests.browser.test_foundation_browser import (
    assert_accessible,
    assert_clean_console,
    error_summary_targets,
)

pytestmark = pytest.mark.browser

TITLE = "Keep the Woodhouse Moor toilets open all year"


def test_a_petition_is_started_accepted_and_signed_with_and_without_javascript(
    open_page: OpenPage, problems: PageProblems
) -> None:
    reader = open_page()
    reader.goto("/petitions/")
    expect(reader.get_by_role("heading", level=1)).to_have_text("Petitions")
    assert_accessible(reader, "the list of petitions")
    reader.goto("/petitions/rules")
    expect(reader.get_by_role("heading", level=1)).to_have_text("Petition rules")
    assert_accessible(reader, "the petition rules")

    # everyone signs in first: signing in checks the console is clean, and the empty
    # form's 422 below is an expected "error" in it
    starter = open_page(VOTER)
    moderator = open_page(MODERATOR)
    signer = open_page(NEIGHBOUR)
    plain = open_page(PLAIN, javascript=False)
    starter.goto("/petitions/")
    starter.get_by_role("link", name="Start a petition").click()
    expect(starter.get_by_role("heading", level=1)).to_have_text("Start a petition")
    assert_accessible(starter, "the start form")
    starter.get_by_role("button", name="Send for checking").click()
    expect(starter).to_have_title(re.compile(r"^Error: "))
    assert error_summary_targets(starter) == {
        "Enter a title for the petition": "title",
        "Enter what the petition asks": "asks",
        "Enter why": "why",
    }
    assert_accessible(starter, "the start form with errors")
    assert_clean_console(starter, problems, "the empty form", error_statuses=(422,))
    starter.get_by_label("Area").select_option(label=AREA_NAME)
    starter.get_by_label("Title").fill(TITLE)
    starter.get_by_label("What the petition asks the council to do").fill(
        "Keep the toilets by the bowling green open from November to March."
    )
    starter.get_by_label("Why").fill("Winter walkers and the Sunday football teams use them.")
    starter.get_by_role("button", name="Send for checking").click()
    expect(starter.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(starter.locator("#moderation")).to_contain_text("A moderator will check")
    assert_accessible(starter, "a petition waiting for its check")
    petition_path = starter.url.split("//", 1)[1].split("/", 1)[1]

    moderator.goto("/petitions/moderation")
    assert_accessible(moderator, "the moderation queue")
    moderator.get_by_role("link", name=TITLE).click()
    assert_accessible(moderator, "the check form")
    moderator.get_by_label("Yes: accept it and open it for signatures").check()
    moderator.get_by_role("button", name="Record the decision").click()
    expect(moderator.locator("#petition-state")).to_have_text("Open")

    signer.goto(f"/{petition_path}")
    expect(signer.locator("#petition-progress")).to_contain_text("needed for a council response")
    signer.get_by_role("button", name="Sign this petition").click()
    expect(signer.get_by_role("main")).to_contain_text("You signed the petition")
    expect(signer.locator("#signed")).to_contain_text("You have signed this petition.")
    assert_accessible(signer, "the petition after signing (JavaScript on)")
    assert_clean_console(signer, problems, "signing with JavaScript", error_statuses=(422,))

    plain.goto(f"/{petition_path}")
    plain.get_by_role("button", name="Sign this petition").click()
    expect(plain.get_by_role("main")).to_contain_text("You signed the petition")
    expect(plain.locator("#signed")).to_contain_text("You have signed this petition.")
    plain.reload()
    expect(plain.locator("#signature-count")).not_to_have_text("0")
    # axe runs in the page's JavaScript, so it cannot check this context; the same page
    # was checked above with JavaScript on
    assert_clean_console(plain, problems, "signing without JavaScript", error_statuses=(422,))
