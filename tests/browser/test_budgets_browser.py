"""Community budgets in a real browser: the ballot's running total (htmx, and without
JavaScript), over-budget ballots refused with the reason next to the choices, saving and
changing a ballot, and the published results (chart, table, downloads).

One person, VOTER, signs in (once for the whole run: the sign-in limit is shared by every
browser test). The rounds, projects and counted ballots come from conftest.py.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import (
    AREA_NAME,
    BUDGET_AMOUNT,
    MODERATOR,
    RESULTS_PROJECTS,
    RESULTS_ROUND,
    VOTER,
    VOTING_PROJECTS,
    VOTING_ROUND,
    LiveSite,
    OpenPage,
    PageProblems,
)
from tests.browser.test_foundation_browser import (
    assert_accessible,
    assert_clean_console,
    error_summary_targets,
)

pytestmark = pytest.mark.browser

BALLOT = f"/budgets/{VOTING_ROUND}/ballot"
BUDGET = f"£{BUDGET_AMOUNT:,}"
SAVED = "Your ballot is saved. You can change it until voting closes."


def pounds(amount: int) -> str:
    return f"£{amount:,}"


def boxes(page: Page) -> list[Locator]:
    """The ballot's checkboxes, found by their labels ("<title> — £<cost>"), in order."""
    return [page.get_by_label(f"{title} — {pounds(cost)}") for title, cost in VOTING_PROJECTS]


def summary(page: Page) -> Locator:
    return page.locator("#ballot-summary")


def expect_summary(page: Page, count: int, spent: int) -> None:
    """The running total box says how many projects, their cost, and what is left (or over)."""
    box = summary(page)
    noun = "project" if count == 1 else "projects"
    expect(box).to_contain_text(f"{count} {noun}, costing {pounds(spent)}.")
    if spent <= BUDGET_AMOUNT:
        expect(box).to_contain_text(f"{pounds(BUDGET_AMOUNT - spent)} left of {BUDGET}")
    else:
        expect(box).to_contain_text(f"Over budget by {pounds(spent - BUDGET_AMOUNT)}")


def expect_ticked(page: Page, ticked: set[int]) -> None:
    for n, box in enumerate(boxes(page)):
        if n in ticked:
            expect(box).to_be_checked()
        else:
            expect(box).not_to_be_checked()


def tick_only(page: Page, ticked: set[int]) -> None:
    for n, box in enumerate(boxes(page)):
        box.set_checked(n in ticked)


def cost_of(ticked: set[int]) -> int:
    return sum(VOTING_PROJECTS[n][1] for n in ticked)


def expect_over_budget_error(page: Page, ticked: set[int]) -> None:
    """Refused: the summary lists the reason, linked to the first choice, and the message sits
    in the fieldset and is read out with it; the ticks are kept."""
    spent = cost_of(ticked)
    message = (
        f"Your projects cost {pounds(spent)}, {pounds(spent - BUDGET_AMOUNT)} more than the "
        f"budget of {BUDGET}: remove a project"
    )
    expect(page).to_have_title(re.compile(r"^Error: "))
    # the summary links to the first checkbox, which can take focus (a <div> cannot)
    first_box = page.locator("#ballot-choices input[type=checkbox]").first.get_attribute("id")
    assert error_summary_targets(page) == {message: first_box}
    fieldset = page.get_by_role("group", name="Choose projects")
    expect(fieldset.locator("#ballot-error")).to_have_text(f"Error: {message}")
    described_by = (fieldset.get_attribute("aria-describedby") or "").split()
    assert "ballot-error" in described_by, f"fieldset aria-describedby={described_by}"
    expect(page.locator("#ballot-choices")).to_have_class(re.compile(r"govuk-form-group--error"))
    expect_ticked(page, ticked)
    expect_summary(page, len(ticked), spent)


def test_running_total_updates_live_and_an_over_budget_ballot_is_refused(
    open_page: OpenPage, live_site: LiveSite, problems: PageProblems
) -> None:
    page = open_page(VOTER)
    checks = []
    page.on("request", lambda r: checks.append(r) if r.url.endswith("/ballot/check") else None)
    page.goto(BALLOT)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your ballot")
    expect(page.locator("body")).to_have_class(re.compile(r"\bjs-enabled\b"))
    # before any tick the box shows the saved ballot (nothing yet); ticking makes it live
    expect(summary(page).get_by_role("heading")).to_have_text("Your saved ballot")
    expect_ticked(page, set())
    expect_summary(page, 0, 0)
    assert_accessible(page, "the ballot page")
    page.evaluate("window.__same_page = true")

    lights, benches, _planters, mural = boxes(page)
    lights.check()  # £400
    expect_summary(page, 1, 400)
    expect(summary(page).get_by_role("heading")).to_have_text("Your choices so far")
    mural.check()  # £500
    expect_summary(page, 2, 900)
    benches.check()  # £300
    expect_summary(page, 3, 1200)
    expect(summary(page)).to_contain_text("remove a project")
    assert page.evaluate("window.__same_page === true"), "htmx should swap, not reload"
    assert checks, "ticking a box should ask the server for the running total"
    assert all(r.method == "POST" and r.headers.get("hx-request") == "true" for r in checks)
    assert_accessible(page, "the ballot page over budget")

    page.get_by_role("button", name="Save my ballot").click()
    expect_over_budget_error(page, {0, 1, 3})
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    assert_accessible(page, "the ballot page with an error")

    benches.uncheck()
    expect_summary(page, 2, 900)
    page.get_by_role("button", name="Save my ballot").click()
    expect(page).to_have_url(f"{live_site.url}{BALLOT}")
    expect(page.get_by_text(SAVED)).to_be_visible()
    expect(page).not_to_have_title(re.compile(r"^Error: "))
    expect_ticked(page, {0, 3})

    page.reload()
    expect(page.get_by_text(SAVED)).to_have_count(0)
    expect_ticked(page, {0, 3})
    expect_summary(page, 2, 900)
    assert_clean_console(page, problems, "voting with JavaScript", error_statuses=(422,))


def test_ballot_without_javascript(
    open_page: OpenPage, live_site: LiveSite, problems: PageProblems
) -> None:
    page = open_page(VOTER, javascript=False)
    page.goto(BALLOT)
    expect(page.locator("body")).not_to_have_class(re.compile(r"\bjs-enabled\b"))
    everything = set(range(len(VOTING_PROJECTS)))  # £1,500
    tick_only(page, everything)
    page.get_by_role("button", name="Save my ballot").click()
    expect_over_budget_error(page, everything)

    within = {0, 1, 2}  # exactly the budget: £400 + £300 + £300
    assert cost_of(within) == BUDGET_AMOUNT
    tick_only(page, within)
    page.get_by_role("button", name="Save my ballot").click()
    expect(page).to_have_url(f"{live_site.url}{BALLOT}")
    expect(page.get_by_text(SAVED)).to_be_visible()
    expect_ticked(page, within)
    expect_summary(page, 3, BUDGET_AMOUNT)

    # without JavaScript the box cannot follow the ticks: it says it shows the saved ballot,
    # and claims nothing about ticks that are not saved
    tick_only(page, everything)
    expect(summary(page).get_by_role("heading")).to_have_text("Your saved ballot")
    expect_summary(page, 3, BUDGET_AMOUNT)
    expect(summary(page)).not_to_contain_text("can be saved")
    assert_clean_console(page, problems, "voting without JavaScript", error_statuses=(422,))


def test_round_and_results_pages(
    open_page: OpenPage, live_site: LiveSite, problems: PageProblems
) -> None:
    page = open_page()
    page.goto(f"/budgets/{RESULTS_ROUND}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hyde Park 2025")
    expect(page.get_by_text(f"Community budget, {AREA_NAME}")).to_be_visible()
    assert_accessible(page, "the counted round's page")
    page.get_by_role("link", name="See the results").click()
    expect(page).to_have_url(f"{live_site.url}/budgets/{RESULTS_ROUND}/results")
    expect(page.get_by_role("heading", level=1)).to_have_text("Results: Hyde Park 2025")
    expect(page).to_have_title(re.compile(r"^Results: Hyde Park 2025"))

    chart = page.get_by_role("img", name="Support for each project")
    expect(chart).to_be_visible()
    expect(chart).to_have_accessible_name(re.compile(r"^Support for each project\b"))
    table = page.get_by_role("table", name="Every project on the ballot, funded first")
    expect(table.locator("tbody tr")).to_have_count(len(RESULTS_PROJECTS))
    for title, cost in RESULTS_PROJECTS:
        row = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=title))
        expect(row).to_have_count(1)
        expect(row).to_contain_text(pounds(cost))
        expect(chart).to_contain_text(title)
    assert_accessible(page, "the results page")

    href = page.get_by_role("link", name="Results (JSON)", exact=True).get_attribute("href")
    response = page.request.get(href or "")
    assert response.ok, response.status
    assert response.headers["content-type"].startswith("application/json")
    published = response.json()
    assert published["round"] == RESULTS_ROUND
    assert published["rule"] == "mes"
    assert published["ballots"] == 4
    assert isinstance(published["selected"], list) and published["selected"]
    assert {p["title"] for p in published["projects"]} == {t for t, _ in RESULTS_PROJECTS}
    project_page = re.compile(rf"^{re.escape(live_site.url)}/budgets/{RESULTS_ROUND}/projects/\d+$")
    assert all(project_page.match(p["url"]) for p in published["projects"])
    funded = {p["title"] for p in published["projects"] if p["selected"]}
    assert len(funded) == len(published["selected"])
    # the page shows the same winners as the published file
    for title, _cost in RESULTS_PROJECTS:
        row = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=title))
        expect(row).to_contain_text("Funded" if title in funded else "Not funded")
    expect(page.locator(".govuk-panel__title")).to_have_text(f"{len(funded)} projects funded")

    href = page.get_by_role("link", name="Results (CSV)", exact=True).get_attribute("href")
    response = page.request.get(href or "")
    assert response.ok, response.status
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text().startswith("project_id,title,cost_minor_units,votes,score,selected")
    assert_clean_console(page, problems, "the results page")


def test_budget_pages_have_no_console_errors_or_csp_violations(
    open_page: OpenPage, problems: PageProblems
) -> None:
    anonymous = open_page()
    for path in ("/budgets", f"/budgets/{VOTING_ROUND}", f"/budgets/{RESULTS_ROUND}/results"):
        anonymous.goto(path)
        anonymous.wait_for_load_state("load")
        assert_accessible(anonymous, path)
        assert_clean_console(anonymous, problems, path)

    voter = open_page(VOTER)
    voter.goto(f"/budgets/{VOTING_ROUND}")
    expect(voter.get_by_text("Hyde Park 2026").first).to_be_visible()
    for title, cost in VOTING_PROJECTS:
        expect(voter.get_by_role("link", name=title)).to_be_visible()
        expect(voter.get_by_role("main")).to_contain_text(f"{title} — {pounds(cost)}")
    assert_accessible(voter, "the voting round's page")
    voter.get_by_role("link", name="Vote", exact=True).click()
    expect(voter).to_have_url(re.compile(rf"{BALLOT}$"))
    voter.wait_for_load_state("load")
    assert_clean_console(voter, problems, "the round page and ballot, signed in")


def test_officer_prints_numbered_ballot_papers_and_a_wrong_number_is_refused(
    open_page: OpenPage, problems: PageProblems
) -> None:
    """The desk prints numbered ballot papers (the print stylesheet hides the menus); a
    paper number never printed is refused by its field, the input kept, nothing written."""
    officer = open_page(MODERATOR)
    desk = f"/budgets/{VOTING_ROUND}/paper"
    officer.goto(desk)
    expect(officer.get_by_role("heading", level=1)).to_have_text("Enter a paper ballot")
    assert_accessible(officer, "the budget paper desk")
    officer.get_by_label("How many papers").fill("2")
    officer.get_by_role("button", name="Number and show papers to print").click()
    papers = officer.locator(".civic-paper")
    expect(papers).to_have_count(2)
    label = re.compile(r"B\d+-\d{4}")
    expect(papers.first).to_contain_text(label)
    for title, cost in VOTING_PROJECTS:
        expect(papers.first).to_contain_text(f"{title} — {pounds(cost)}")
    assert_accessible(officer, "the printable ballot papers")
    officer.emulate_media(media="print")
    expect(officer.locator(".govuk-footer")).to_be_hidden()
    expect(officer.get_by_role("link", name="Back to entering paper ballots")).to_be_hidden()
    officer.emulate_media(media="screen")
    officer.get_by_role("link", name="Back to entering paper ballots").click()

    officer.get_by_label("Paper number").fill("9999")
    officer.get_by_label("Resident's email address").fill(VOTER.email)
    boxes(officer)[0].check()
    officer.get_by_role("button", name="Record paper ballot").click()
    targets = error_summary_targets(officer)
    assert "paper_number" in targets.values(), targets
    expect(officer.locator("#paper_number-error")).to_contain_text("were printed")
    expect(officer.get_by_label("Paper number")).to_have_value("9999")
    assert_accessible(officer, "the budget paper desk with errors")
    assert_clean_console(officer, problems, "the refused paper ballot", error_statuses=(422,))
