"""Public votes before outsourcing in a real browser: a resident reads the whole case and
votes (and changes the vote) while the turnout updates itself; a moderator opens a vote,
closes and counts another, and records the council's decision, which the public page shows.

The proposals come from conftest.py. Nobody signs in here: VOTER (a resident of the
proposals' area) and MODERATOR reuse the cookies of the budget and discussion tests (the
sign-in limit is shared by every browser test), or sign in once when this module runs alone.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Locator, Page, expect

from civic.accounts.models import utcnow
from civic.clock import day
from civic.votes.models import STANDARD_LABELS
from tests.browser.conftest import (
    AREA_NAME,
    CONSULTATION_PROPOSAL,
    MODERATOR,
    PROPOSAL_QUORUM,
    VOTER,
    VOTING_PROPOSAL,
    LiveSite,
    OpenPage,
    PageProblems,
)
from tests.browser.test_foundation_browser import (
    assert_accessible,
    assert_clean_console,
    assert_field_error,
    error_summary_targets,
)

pytestmark = pytest.mark.browser

RECORDED = "Your vote is recorded. You can change it until the vote closes."
DECIDED = "The council's decision is recorded and published."
OVERRIDE_LABEL = "If going ahead against the vote or the standards: why (published)"
CLOSE_CONFIRM = "I understand the count is final: the vote cannot be reopened"
CLOSE_ERROR = "Confirm that you understand the count is final"
DECISION_CONFIRM = "I understand the decision is final: it is published and cannot be changed"
OVERRIDE_ERROR = "Going ahead although the vote did not pass needs a stated reason"
TURNOUT = re.compile(r"(\d+) of (\d+) eligible residents have voted\.")
# tests/votes/helpers.complete_case, weighted 40/30/30 (the default weights), best first
OPTIONS = [
    ("In-house (the council)", "Council", "£1,100,000", "70.0"),
    ("Private company", "LeisureCo", "£950,000", "61.5"),
]


def turnout(page: Page) -> tuple[int, int]:
    """(votes cast, eligible residents) as the #turnout box says."""
    box = page.locator("#turnout")
    expect(box).to_contain_text(TURNOUT)
    match = TURNOUT.search(box.inner_text())
    assert match, box.inner_text()
    return int(match.group(1)), int(match.group(2))


def options_table(page: Page) -> Locator:
    return page.get_by_role("table", name="Options, best weighted total first")


def expect_case(page: Page) -> None:
    """The public case: the public-interest case, the appraisal with Civic's weighted totals,
    the standards checklist and the decision trail."""
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name="The public-interest case")).to_be_visible()
    expect(main).to_contain_text("Repairs backlog of £2m the council cannot fund")
    expect(main.get_by_role("heading", name="The in-house bid")).to_be_visible()
    expect(main).to_contain_text("£1.1m a year, with a repairs plan")

    expect(main.get_by_role("heading", name="Options appraisal")).to_be_visible()
    expect(main).to_contain_text("cost 40%, quality 30%, social value 30%")
    table = options_table(page)
    expect(table.get_by_role("columnheader", name="Weighted total")).to_be_visible()
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(len(OPTIONS))
    for row, (option, provider, cost, total) in zip(rows.all(), OPTIONS, strict=True):
        expect(row.get_by_role("rowheader")).to_contain_text(option)
        expect(row.get_by_role("rowheader")).to_contain_text(provider)
        expect(row).to_contain_text(cost)
        expect(row.get_by_role("cell").last).to_have_text(total)

    expect(main.get_by_role("heading", name="The contract's minimum standards")).to_be_visible()
    expect(main).to_contain_text("Every standard is met or does not apply.")
    checklist = page.locator("#standards + p + dl")
    expect(checklist.locator(".govuk-summary-list__row")).to_have_count(len(STANDARD_LABELS))
    for label in map(str, STANDARD_LABELS.values()):
        row = checklist.locator(".govuk-summary-list__row").filter(has_text=label)
        expect(row.locator(".govuk-summary-list__value")).to_have_text("Yes")

    expect(main.get_by_role("heading", name="Decision trail")).to_be_visible()
    trail = page.locator("#trail + ol")
    for action in ("proposal:create", "proposal:case", "proposal:consultation"):
        expect(trail.get_by_text(action, exact=True)).to_have_count(1)


def test_resident_reads_the_case_and_votes(
    open_page: OpenPage, live_site: LiveSite, problems: PageProblems
) -> None:
    proposal_id = live_site.proposals[VOTING_PROPOSAL]
    detail = f"/votes/{proposal_id}"
    page = open_page(VOTER)
    # Fake timers (time still runs), so the 15-second poll can be brought forward below.
    page.clock.install()
    page.goto("/votes")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Public votes on outsourcing and public assets"
    )
    item = page.locator(".civic-proposal-item").filter(has_text=VOTING_PROPOSAL)
    expect(item).to_contain_text(AREA_NAME)
    expect(item.locator(".govuk-tag")).to_have_text("Voting")
    expect(page.get_by_role("link", name=CONSULTATION_PROPOSAL)).to_be_visible()
    assert_accessible(page, "the list of proposals")

    page.get_by_role("link", name=VOTING_PROPOSAL).click()
    expect(page).to_have_url(f"{live_site.url}{detail}")
    expect(page.get_by_role("heading", level=1)).to_have_text(VOTING_PROPOSAL)
    expect(page.locator("body")).to_have_class(re.compile(r"\bjs-enabled\b"))
    expect_case(page)
    expect(page.locator("#trail + ol").get_by_text("proposal:voting", exact=True)).to_have_count(1)
    expect(page.get_by_role("main")).to_contain_text(
        f"Quorum {PROPOSAL_QUORUM}% of eligible residents"
    )
    box = page.locator("#turnout")
    expect(box).to_contain_text("The running tally is hidden until the vote closes.")
    cast, eligible = turnout(page)
    assert eligible >= 5, f"the area has at least 5 residents, the page says {eligible}"
    vote_link = page.get_by_role("link", name="Vote", exact=True)
    expect(vote_link).to_be_visible()
    expect(vote_link).to_have_class(re.compile(r"\bgovuk-button\b"))
    assert_accessible(page, "the proposal's page")

    # Voting: nothing chosen is refused, with the reason in the summary and by the radios.
    vote_link.click()
    expect(page).to_have_url(f"{live_site.url}{detail}/vote")
    expect(page.get_by_role("heading", level=1)).to_have_text(VOTING_PROPOSAL)
    choices = page.get_by_role("group", name="Your vote")
    against = choices.get_by_label("Against: keep the service in-house")
    in_favour = choices.get_by_label("For: outsource the service")
    expect(against).not_to_be_checked()
    expect(in_favour).not_to_be_checked()
    assert_accessible(page, "the voting page")
    page.get_by_role("button", name="Cast my vote").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    targets = error_summary_targets(page)
    assert list(targets) == ["Choose for or against"], targets
    expect(page.locator(f"#{targets['Choose for or against']}")).to_have_count(1)
    expect(choices).to_contain_text("Error: Choose for or against")
    assert_accessible(page, "the voting page with an error")

    in_favour.check()
    page.get_by_role("button", name="Cast my vote").click()
    expect(page).to_have_url(f"{live_site.url}{detail}")
    expect(page.get_by_text(RECORDED)).to_be_visible()
    expect(page.get_by_text("You voted for", exact=False)).to_be_visible()
    assert turnout(page) == (cast + 1, eligible)

    # Changing the vote: the form shows the vote cast, and the turnout does not change.
    page.get_by_role("link", name="Change my vote").click()
    expect(page).to_have_url(f"{live_site.url}{detail}/vote")
    expect(in_favour).to_be_checked()
    against.check()
    page.get_by_role("button", name="Cast my vote").click()
    expect(page).to_have_url(f"{live_site.url}{detail}")
    expect(page.get_by_text(RECORDED)).to_be_visible()
    expect(page.get_by_text("You voted against", exact=False)).to_be_visible()
    assert turnout(page) == (cast + 1, eligible)
    assert_accessible(page, "the proposal's page after voting")

    # The turnout box polls the server every 15 seconds while the vote is open.
    turnout_path = f"{detail}/turnout"
    expect(box).to_have_attribute("hx-get", turnout_path)
    expect(box).to_have_attribute("hx-trigger", "every 15s")
    expect(box).to_have_attribute("hx-swap", "outerHTML")
    page.evaluate("window.__same_page = true")
    with page.expect_response(lambda r: r.url.endswith(turnout_path)) as polled:
        page.clock.fast_forward("00:16")
    response = polled.value
    assert response.status == 200, response.status
    assert response.request.headers.get("hx-request") == "true"
    assert response.text().lstrip().startswith('<div id="turnout"'), response.text()[:200]
    expect(page.locator("#turnout")).to_have_count(1)
    assert turnout(page) == (cast + 1, eligible)
    expect(page.locator("#turnout")).to_have_attribute("hx-get", turnout_path)
    assert page.evaluate("window.__same_page === true"), "the poll should swap, not reload"

    # The same URL gives htmx a fragment and everyone else the whole page.
    fragment = page.request.get(turnout_path, headers={"HX-Request": "true"})
    assert fragment.ok, fragment.status
    text = fragment.text().strip()
    assert text.startswith('<div id="turnout"') and text.endswith("</div>"), text[:200]
    assert "<html" not in text and "<main" not in text, text[:200]
    assert f"{cast + 1}</span> of {eligible} eligible residents have voted" in text, text
    whole = page.request.get(turnout_path)
    assert whole.ok and "<html" in whole.text(), whole.status
    assert_clean_console(page, problems, "reading the case and voting", error_statuses=(422,))


def fill_date(page: Page, legend: str, day: date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def broken_summary_links(page: Page, where: str) -> list[str]:
    """Error summary links whose target is not on the page."""
    return [
        f"{where}: {message!r} links to #{target}, which is not on the page"
        for message, target in error_summary_targets(page).items()
        if page.locator(f"[id='{target}']").count() != 1
    ]


def test_manage_page_errors_link_to_their_fields(
    open_page: OpenPage, live_site: LiveSite, problems: PageProblems
) -> None:
    """Nothing is changed: each form is sent with a mistake and refused."""
    moderator = open_page(MODERATOR)
    manage = f"/votes/{live_site.proposals[CONSULTATION_PROPOSAL]}/manage"
    found = []
    moderator.goto(manage)
    moderator.get_by_role("button", name="Open the vote").click()
    expect(moderator).to_have_title(re.compile(r"^Error: "))
    found += broken_summary_links(moderator, "no closing date")

    fill_date(moderator, "Voting closes", (utcnow() - timedelta(days=1)).date())
    moderator.get_by_role("button", name="Open the vote").click()
    expect(moderator).to_have_title(re.compile(r"^Error: "))
    found += broken_summary_links(moderator, "a closing date in the past")
    past = "The vote must close in the future"
    closes = moderator.get_by_role("group", name="Voting closes")
    if past not in closes.inner_text():
        found.append(f"{past!r} is not shown by the 'Voting closes' date")

    moderator.goto(manage)
    moderator.get_by_label("Turnout quorum (% of eligible residents)").fill("")
    moderator.get_by_role("button", name="Fix the vote rules").click()
    expect(moderator).to_have_title(re.compile(r"^Error: "))
    found += broken_summary_links(moderator, "no quorum")
    assert_clean_console(moderator, problems, "refused manage forms", error_statuses=(422,))
    assert not found, found


def test_moderator_opens_closes_and_decides(
    open_page: OpenPage, live_site: LiveSite, problems: PageProblems
) -> None:
    moderator = open_page(MODERATOR)

    # Open the vote on the proposal whose consultation has ended.
    consulted = live_site.proposals[CONSULTATION_PROPOSAL]
    moderator.goto(f"/votes/{consulted}/manage")
    expect(moderator.get_by_role("heading", level=1)).to_have_text(CONSULTATION_PROPOSAL)
    expect(moderator.get_by_text("Manage proposal · Consultation")).to_be_visible()
    assert_accessible(moderator, "the manage page in consultation")
    closes = (utcnow() + timedelta(days=14)).date()
    fill_date(moderator, "Voting closes", closes)
    moderator.get_by_role("button", name="Open the vote").click()
    expect(moderator).to_have_url(f"{live_site.url}/votes/{consulted}/manage")
    expect(moderator.get_by_text("The vote is open.")).to_be_visible()
    expect(moderator.get_by_text("Manage proposal · Voting")).to_be_visible()
    expect(moderator.get_by_role("main")).to_contain_text(f"The vote closes on {day(closes)}")
    expect(moderator.get_by_role("button", name="Close the vote and count it")).to_be_visible()
    assert_accessible(moderator, "the manage page while voting")
    moderator.get_by_role("link", name="See the public page").click()
    expect(moderator.locator(".govuk-tag").filter(has_text="Voting")).to_be_visible()
    expect(moderator.locator("#turnout")).to_have_attribute("hx-trigger", "every 15s")
    expect(moderator.get_by_role("link", name="Vote", exact=True)).to_be_visible()

    # Close and count the other vote (VOTER's vote, changed to against, is the only one).
    voting = live_site.proposals[VOTING_PROPOSAL]
    manage = f"/votes/{voting}/manage"
    moderator.goto(manage)
    expect(moderator.get_by_role("heading", level=1)).to_have_text(VOTING_PROPOSAL)
    expect(moderator.get_by_role("main")).to_contain_text(
        re.compile(r"\d+ of \d+ eligible residents have voted")
    )
    # The count is final, so closing needs the box ticked (it works without JavaScript).
    moderator.get_by_role("button", name="Close the vote and count it").click()
    expect(moderator).to_have_title(re.compile(r"^Error: "))
    expect(moderator.get_by_text("Manage proposal · Voting")).to_be_visible()
    confirm_close = moderator.get_by_label(CLOSE_CONFIRM)
    assert_field_error(moderator, confirm_close.get_attribute("id") or "", CLOSE_ERROR)
    assert list(error_summary_targets(moderator)) == [CLOSE_ERROR]
    confirm_close.check()
    # it closes before its published date, so the reason is asked for (and published)
    moderator.get_by_label(re.compile(r"Why close the vote before")).fill(
        "The council's decision meeting moved forward"
    )
    moderator.get_by_role("button", name="Close the vote and count it").click()
    expect(moderator).to_have_url(f"{live_site.url}{manage}")
    closed = re.compile(r"The vote is closed: (quorum not met|rejected)\.")
    expect(moderator.get_by_text(closed)).to_be_visible()
    expect(moderator.get_by_text("Manage proposal · Closed")).to_be_visible()
    result = moderator.locator("p").filter(has_text=re.compile(r"^Result: "))
    expect(result).to_contain_text(re.compile(r"(quorum not met|rejected) \(0 for, \d+ against\)"))
    expect(result).to_contain_text("By Civic's rule, the service stays in-house.")
    assert_accessible(moderator, "the manage page after the count")

    # Going ahead against the vote needs a published reason.
    decision = moderator.get_by_role("group", name="The council's decision")
    reasons = "The vote did not pass, so the centre stays with the council's leisure team."
    decision.get_by_label("Outsource the service").check()
    moderator.get_by_label("The council's reasons (published)").fill(reasons)
    moderator.get_by_label(DECISION_CONFIRM).check()
    moderator.get_by_role("button", name="Record the decision").click()
    expect(moderator).to_have_title(re.compile(r"^Error: "))
    expect(moderator.get_by_text("Manage proposal · Closed")).to_be_visible()
    override = moderator.get_by_label(OVERRIDE_LABEL)
    override_id = override.get_attribute("id") or ""
    assert_field_error(moderator, override_id, OVERRIDE_ERROR)
    targets = error_summary_targets(moderator)
    assert list(targets) == [f"{OVERRIDE_ERROR}, which is published"], targets
    expect(decision.get_by_label("Outsource the service")).to_be_checked()
    expect(moderator.get_by_label("The council's reasons (published)")).to_have_value(reasons)
    expect(moderator.get_by_label(DECISION_CONFIRM)).to_be_checked()
    assert_accessible(moderator, "the manage page with an error")

    decision.get_by_label("Keep the service in-house", exact=False).check()
    moderator.get_by_role("button", name="Record the decision").click()
    expect(moderator).to_have_url(f"{live_site.url}{manage}")
    expect(moderator.get_by_text(DECIDED)).to_be_visible()
    expect(moderator.get_by_text("Decided. Nothing more to do.")).to_be_visible()
    assert_accessible(moderator, "the manage page once decided")

    # The public page shows the decision, the count and the whole trail.
    public = open_page()
    public.goto(f"/votes/{voting}")
    banner = public.get_by_role("region", name="Decision")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("The service stays in-house.")
    expect(banner).to_contain_text(f"Council's reasons: {reasons}")
    expect(banner).not_to_contain_text("goes against the result of the vote")
    expect(public.get_by_role("heading", name="Result of the vote")).to_be_visible()
    expect(public.get_by_role("main")).to_contain_text(re.compile(r"0 for, \d+ against"))
    expect(public.locator(".govuk-tag").filter(has_text="Decided")).to_be_visible()
    assert public.locator("#turnout").get_attribute("hx-get") is None, "it should stop polling"
    expect(public.get_by_role("link", name="Vote", exact=True)).to_have_count(0)
    expect_case(public)
    trail = public.locator("#trail + ol")
    for action in ("proposal:voting", "proposal:vote_cast", "proposal:close", "proposal:decide"):
        expect(trail.get_by_text(action, exact=True).first).to_be_visible()
    assert_accessible(public, "the decided proposal's page")
    assert_clean_console(moderator, problems, "managing proposals", error_statuses=(422,))
    assert_clean_console(public, problems, "the decided proposal's page", error_statuses=(422,))


def test_vote_pages_have_no_console_errors_or_csp_violations(
    open_page: OpenPage, live_site: LiveSite, problems: PageProblems
) -> None:
    anonymous = open_page()
    paths = ["/votes", *(f"/votes/{n}" for n in live_site.proposals.values())]
    for path in paths:
        anonymous.goto(path)
        anonymous.wait_for_load_state("load")
        expect(anonymous.get_by_role("heading", level=1)).to_be_visible()
        assert_accessible(anonymous, path)
        assert_clean_console(anonymous, problems, path)

    # The filter swaps the results in place with JavaScript.
    anonymous.goto("/votes")
    anonymous.evaluate("window.__same_page = true")
    anonymous.get_by_label("Area").select_option(label=AREA_NAME)
    anonymous.get_by_role("button", name="Filter").click()
    expect(anonymous).to_have_url(re.compile(r"/votes\?area=hyde-park"))
    for title in live_site.proposals:
        expect(anonymous.get_by_role("link", name=title)).to_be_visible()
    assert anonymous.evaluate("window.__same_page === true"), "htmx should swap, not reload"
    assert_accessible(anonymous, "the filtered list of proposals")
    assert_clean_console(anonymous, problems, "filtering proposals")

    resident = open_page(VOTER, javascript=False)
    for path in [*paths, *(f"/votes/{n}/vote" for n in live_site.proposals.values())]:
        resident.goto(path)
        resident.wait_for_load_state("load")
        assert_clean_console(resident, problems, f"{path} without JavaScript")
