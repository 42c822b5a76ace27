"""Consultations in a real browser: a moderator builds one (questions reordered in place with
htmx, and by a plain form post without JavaScript) and opens it; a resident answers, is told
what is missing, saves to come back later and submits; a moderator publishes "what we heard,
and what we will do", which the public page and the respondents' own page show, beside the
public analysis (charts with accessible names, and tables). In the builder, keyboard focus
stays on the move button used and the new position is announced; a change that fails (a 409
from the server, a 500 on the way) is reported where it was made, and nothing typed is lost.

The consultations come from conftest.py. Nobody signs in here for the first time when the
whole directory runs: MODERATOR and VOTER share their cookies with the other browser tests
(the sign-in limit is shared by every browser test), or sign in once when this module runs
alone.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Locator, Page, expect

from civic.accounts.models import utcnow
from tests.browser.conftest import (
    AREA_NAME,
    CLOSED_CONSULTATION,
    CLOSED_QUESTIONS,
    CLOSED_RESPONSES,
    DRAFT_CONSULTATION,
    DRAFT_QUESTIONS,
    MODERATOR,
    OPEN_CONSULTATION,
    OPEN_QUESTIONS,
    VOTER,
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
from tests.browser.test_votes_browser import broken_summary_links, fill_date

pytestmark = pytest.mark.browser

CREATED = "Consultation created. Add its questions, then open it."
SUBMITTED = (
    "Thank you: your response is submitted. You can change it until the consultation closes."
)
SAVED = "Your answers are saved. Come back to finish them before the consultation closes."
NOT_SUBMITTED = "Your answers are saved but not yet submitted."
LOCKED = "Questions are locked because residents have started responding"
REPLY_LABEL = "What we heard, and what we will do"
PUBLISHED = "Your response to residents is published."
CLOSE_CONFIRM = "I understand responses stop now: the consultation cannot be reopened"
CLOSE_REASON = "The lighting contract is being re-let sooner than planned"


def question_items(page: Page) -> Locator:
    """The builder's questions, by their text, in order."""
    return page.locator("#questions > li > strong")


def add_question(
    page: Page, kind: str, text: str, options: tuple[str, ...] = (), *, required: bool = False
) -> None:
    page.get_by_role("group", name="Kind of question").get_by_label(kind, exact=True).check()
    page.get_by_label("Question", exact=True).fill(text)
    if options:
        page.get_by_label("Options, one per line", exact=False).fill("\n".join(options))
    if required:
        page.get_by_label("Residents must answer this question").check()
    page.get_by_role("button", name="Save question").click()
    expect(page.get_by_text("Question added.")).to_be_visible()


def move_button(page: Page, direction: str, text: str) -> Locator:
    """A question's "Move up"/"Move down" button (the question is visually hidden text; the
    accessible name may have a space before the colon)."""
    return page.get_by_role("button", name=re.compile(rf"^{direction} ?: {re.escape(text)}$"))


def active_id(page: Page) -> str:
    """The id of the element that has keyboard focus ("" for none)."""
    return page.evaluate("document.activeElement ? document.activeElement.id : ''")


def request_error(page: Page) -> Locator:
    """The message civic.js shows when an htmx change (a POST) fails."""
    return page.locator(".civic-request-error")


def forget_failed_requests(problems: PageProblems, status: int) -> None:
    """A failed request is logged on the console by Chromium ("Failed to load resource")
    and by htmx ("Response Status Error Code"); drop those when the failure is the test."""
    expected = (
        f"the server responded with a status of {status} ",
        f"Response Status Error Code {status} from ",
    )
    problems.console_errors[:] = [
        e for e in problems.console_errors if not any(x in e for x in expected)
    ]


def group(page: Page, text: str) -> Locator:
    """A question's fieldset, named by its legend (the question, maybe "(optional)")."""
    return page.get_by_role("group", name=text)


def test_moderator_builds_reorders_and_opens_a_consultation(
    open_page: OpenPage, live_site: LiveSite, problems: PageProblems
) -> None:
    moderator = open_page(MODERATOR)
    moderator.goto("/consultations")
    moderator.get_by_role("link", name="New consultation").click()
    expect(moderator).to_have_url(f"{live_site.url}/consultations/new")
    expect(moderator.get_by_role("heading", level=1)).to_have_text("New consultation")
    assert_accessible(moderator, "the new consultation page")

    # Nothing filled in: every missing answer is listed, linked and shown by its field.
    moderator.get_by_role("button", name="Create consultation").click()
    expect(moderator).to_have_title(re.compile(r"^Error: "))
    targets = error_summary_targets(moderator)
    for message in ("Enter a title", "Name the service"):
        assert message in targets, targets
    assert {"Enter the opening date", "Enter the closing date"} <= set(targets), targets
    assert not broken_summary_links(moderator, "the empty new consultation form")
    assert_field_error(moderator, "title", "Enter a title")
    assert_field_error(moderator, "service", "Name the service")
    expect(moderator.get_by_role("group", name="Opens")).to_contain_text("Enter the opening date")
    assert_accessible(moderator, "the new consultation page with errors")

    title = "Street lighting on Hyde Park Road"
    moderator.get_by_label("Title", exact=True).fill(title)
    moderator.get_by_label("Service", exact=True).fill("Street lighting")
    moderator.get_by_label("Area", exact=True).select_option(label=AREA_NAME)
    moderator.get_by_label("Summary").fill("Should the lights **dim** after midnight?")
    audience = moderator.get_by_role("group", name="Who may respond")
    audience.get_by_label("Eligible residents of the area").check()
    today = utcnow().date()
    fill_date(moderator, "Opens", today)
    fill_date(moderator, "Closes", today + timedelta(days=30))
    moderator.get_by_role("button", name="Create consultation").click()
    expect(moderator).to_have_url(re.compile(r"/consultations/\d+/build$"))
    build = moderator.url.removeprefix(live_site.url)
    expect(moderator.get_by_text(CREATED)).to_be_visible()
    expect(moderator.get_by_text("Build consultation · Draft")).to_be_visible()
    expect(moderator.get_by_role("heading", level=1)).to_have_text(title)
    expect(moderator.locator("#questions")).to_contain_text("No questions yet.")
    assert_accessible(moderator, "the empty builder")

    first = "Should the lights dim after midnight?"
    second = "Where are the paths too dark?"
    add_question(moderator, "Single choice", first, ("Yes", "No", "Not sure"), required=True)
    add_question(moderator, "Free text", second)
    expect(question_items(moderator)).to_have_text([first, second])
    items = moderator.locator("#questions > li")
    expect(items.first).to_contain_text("(Single choice, required)")
    expect(items.first).to_contain_text("Yes · No · Not sure")
    expect(items.last).to_contain_text("(Free text)")
    assert_accessible(moderator, "the builder with two questions")

    # With JavaScript, htmx swaps the list in place: no page load.
    moderator.evaluate("window.__same_page = true")
    with moderator.expect_response(lambda r: r.url.endswith("/move")) as moved:
        move_button(moderator, "Move down", first).click()
    response = moved.value
    assert response.status == 200, response.status
    assert response.request.headers.get("hx-request") == "true"
    fragment = response.text().strip()
    assert fragment.startswith('<ol class="govuk-list govuk-list--number" id="questions">'), (
        fragment[:200]
    )
    assert "<html" not in fragment, fragment[:200]
    expect(question_items(moderator)).to_have_text([second, first])
    expect(move_button(moderator, "Move up", first)).to_be_visible()
    expect(move_button(moderator, "Move down", first)).to_have_count(0)
    assert moderator.evaluate("window.__same_page === true"), "htmx should swap, not reload"
    assert_accessible(moderator, "the builder after moving a question")

    # Without JavaScript the same button is a form post and a redirect back to the list.
    plain = open_page(MODERATOR, javascript=False)
    plain.goto(build)
    expect(plain.locator("body")).not_to_have_class(re.compile(r"\bjs-enabled\b"))
    expect(question_items(plain)).to_have_text([second, first])
    move_button(plain, "Move up", first).click()
    expect(plain).to_have_url(f"{live_site.url}{build}#questions")
    expect(question_items(plain)).to_have_text([first, second])

    moderator.reload()
    expect(question_items(moderator)).to_have_text([first, second])
    moderator.get_by_role("button", name="Open the consultation").click()
    expect(moderator).to_have_url(f"{live_site.url}{build}")
    expect(moderator.get_by_text("The consultation is open.")).to_be_visible()
    expect(moderator.get_by_text("Build consultation · Open")).to_be_visible()
    expect(moderator.get_by_role("button", name="Close the consultation now")).to_be_visible()
    moderator.get_by_role("link", name="See the public page").click()
    expect(moderator.get_by_role("heading", level=1)).to_have_text(title)
    expect(moderator.locator(".civic-markdown strong")).to_have_text("dim")
    assert_accessible(moderator, "the new consultation's public page")

    # Closing it early: without JavaScript the button leads to a confirmation page ...
    plain.goto(build)
    plain.get_by_role("button", name="Close the consultation now").click()
    expect(plain).to_have_url(f"{live_site.url}/consultations/{build.split('/')[2]}/close")
    expect(plain.get_by_text("Close the consultation", exact=True).first).to_be_visible()
    expect(plain.get_by_label(CLOSE_CONFIRM)).not_to_be_checked()
    # axe runs scripts, so the same page is checked in the browser that has them
    moderator.goto(plain.url)
    assert_accessible(moderator, "the consultation's close confirmation")
    # ... with htmx the same form opens in the builder, focus on its first box
    moderator.goto(build)
    moderator.get_by_role("button", name="Close the consultation now").click()
    confirm = moderator.get_by_label(CLOSE_CONFIRM)
    expect(confirm).to_be_focused()
    expect(moderator).to_have_url(f"{live_site.url}{build}")
    assert_accessible(moderator, "the builder with the close form open")
    confirm.check()
    moderator.get_by_label(re.compile(r"Why close the consultation before")).fill("soon")
    moderator.get_by_role("button", name="Close the consultation", exact=True).click()
    expect(moderator).to_have_title(re.compile(r"^Error: "))
    reason_error = error_summary_targets(moderator)
    assert list(reason_error.values()) == ["close-reason"], reason_error
    assert_field_error(moderator, "close-reason", "at least 10 characters")
    expect(moderator.get_by_label(re.compile(r"Why close the consultation"))).to_have_value("soon")
    assert_accessible(moderator, "the close confirmation with an error")
    moderator.get_by_label(CLOSE_CONFIRM).check()
    moderator.get_by_label(re.compile(r"Why close the consultation")).fill(CLOSE_REASON)
    moderator.get_by_role("button", name="Close the consultation", exact=True).click()
    expect(moderator.get_by_role("heading", level=1)).to_have_text(title)
    expect(moderator.locator("#close-reason")).to_contain_text(
        re.compile(rf"Closed early on \d{{1,2}} \w+ \d{{4}}: {CLOSE_REASON}")
    )
    assert_clean_console(moderator, problems, "building a consultation", error_statuses=(422,))
    assert_clean_console(
        plain, problems, "moving a question without JavaScript", error_statuses=(422,)
    )


def test_resident_is_told_what_is_missing_saves_and_submits(
    open_page: OpenPage, live_site: LiveSite, problems: PageProblems
) -> None:
    consultation = live_site.consultations[OPEN_CONSULTATION]
    build = f"/consultations/{consultation}/build"
    single, multiple, scale, ranking, free_text = (text for _, text, *_ in OPEN_QUESTIONS)
    moderator = open_page(MODERATOR)
    moderator.goto(build)
    expect(moderator.get_by_role("heading", name="Add a question", exact=True)).to_be_visible()
    expect(moderator.get_by_text(LOCKED)).to_have_count(0)
    expect(move_button(moderator, "Move down", single)).to_be_visible()

    resident = open_page(VOTER)
    resident.goto("/consultations")
    expect(resident.get_by_role("heading", level=1)).to_have_text("Consultations")
    assert_accessible(resident, "the list of consultations")
    resident.get_by_role("link", name=OPEN_CONSULTATION).click()
    expect(resident).to_have_url(f"{live_site.url}/consultations/{consultation}")
    expect(resident.get_by_role("heading", level=1)).to_have_text(OPEN_CONSULTATION)
    assert_accessible(resident, "the open consultation's page")
    resident.get_by_role("link", name="Respond").click()
    expect(resident).to_have_url(f"{live_site.url}/consultations/{consultation}/respond")
    expect(resident.get_by_role("heading", level=1)).to_have_text(OPEN_CONSULTATION)
    expect(group(resident, multiple)).to_contain_text("Choose up to 2.")
    assert_accessible(resident, "the response form")

    # Everything but the one required question.
    typed = "Please collect before 8am: the lorries block Hyde Park Road."
    group(resident, multiple).get_by_label("Food").check()
    group(resident, multiple).get_by_label("Garden").check()
    group(resident, scale).get_by_label("4", exact=True).check()
    group(resident, ranking).get_by_label("Choice 1").select_option(label="Reliability")
    group(resident, ranking).get_by_label("Choice 2").select_option(label="Recycling")
    resident.get_by_label(free_text).fill(typed)

    def expect_kept(page: Page) -> None:
        expect(group(page, multiple).get_by_label("Food")).to_be_checked()
        expect(group(page, multiple).get_by_label("Glass")).not_to_be_checked()
        expect(group(page, multiple).get_by_label("Garden")).to_be_checked()
        expect(group(page, scale).get_by_label("4", exact=True)).to_be_checked()
        expect(group(page, ranking).get_by_label("Choice 1")).to_have_value("1")
        expect(group(page, ranking).get_by_label("Choice 2")).to_have_value("2")
        expect(group(page, ranking).get_by_label("Choice 3")).to_have_value("")
        expect(page.get_by_label(free_text)).to_have_value(typed)

    resident.get_by_role("button", name="Submit my response").click()
    expect(resident).to_have_title(re.compile(r"^Error: "))
    message = f"Answer “{single}”"
    targets = error_summary_targets(resident)
    assert list(targets) == [message], targets
    required = group(resident, single)
    first_option = required.get_by_label("Weekly")
    expect(first_option).to_have_attribute("id", targets[message])
    expect(required).to_contain_text(f"Error: {message}")
    described_by = (required.get_attribute("aria-describedby") or "").split()
    assert f"{targets[message]}-error" in described_by, described_by
    for option in ("Weekly", "Fortnightly", "Every three weeks"):
        expect(required.get_by_label(option)).not_to_be_checked()
    expect_kept(resident)
    expect(resident.get_by_text(NOT_SUBMITTED)).to_have_count(0)
    assert_accessible(resident, "the response form with an error")
    resident.locator(".govuk-error-summary").get_by_role("link", name=message).click()
    expect(first_option).to_be_focused()

    # Saving needs no answer to the required question, and keeps everything typed.
    resident.get_by_role("button", name="Save and come back later").click()
    expect(resident).to_have_url(f"{live_site.url}/consultations/{consultation}/respond")
    expect(resident.get_by_text(SAVED)).to_be_visible()
    expect(resident.get_by_text(NOT_SUBMITTED)).to_be_visible()
    resident.reload()
    expect(resident.get_by_text(NOT_SUBMITTED)).to_be_visible()
    expect_kept(resident)
    expect(required.get_by_label("Weekly")).not_to_be_checked()

    required.get_by_label("Fortnightly").check()
    resident.get_by_role("button", name="Submit my response").click()
    expect(resident).to_have_url(f"{live_site.url}/consultations/{consultation}/respond")
    expect(resident.get_by_text(SUBMITTED)).to_be_visible()
    expect(resident.get_by_text("You submitted your response on")).to_be_visible()
    expect(required.get_by_label("Fortnightly")).to_be_checked()
    expect_kept(resident)
    assert_accessible(resident, "the response form once submitted")
    resident.goto("/consultations/mine")
    item = resident.locator(".civic-proposal-item").filter(has_text=OPEN_CONSULTATION)
    expect(item).to_contain_text("Submitted ")
    expect(item.get_by_role("link", name="See or change your answers")).to_be_visible()

    # The moderator's page is from before the response: moving a question now fails (409),
    # and says why, with the server's own words, without reloading the page.
    moderator.get_by_label("Question", exact=True).fill("Typed before the failed move")
    with moderator.expect_response(lambda r: r.url.endswith("/move")) as refused:
        move_button(moderator, "Move down", single).click()
    assert refused.value.status == 409, refused.value.status
    expect(request_error(moderator)).to_have_attribute("role", "alert")
    expect(request_error(moderator)).to_have_text(
        re.compile(
            r"^Error: That cannot be done now\. Questions are locked because residents have "
            r"started responding.* What you entered is still on this page\. \(Error 409\)$"
        )
    )
    expect(moderator.get_by_label("Question", exact=True)).to_have_value(
        "Typed before the failed move"
    )

    # Once anyone has answered, the questions cannot change; a late question can be added.
    moderator.reload()
    expect(moderator.get_by_text(LOCKED)).to_be_visible()
    expect(moderator.get_by_role("heading", name="Add a late question")).to_be_visible()
    expect(moderator.get_by_role("button", name=re.compile(r"^Move (up|down)"))).to_have_count(0)
    expect(moderator.get_by_label("Residents must answer this question")).to_have_count(0)
    expect(question_items(moderator)).to_have_text([single, multiple, scale, ranking, free_text])
    assert_accessible(moderator, "the locked builder")
    forget_failed_requests(problems, 409)
    assert_clean_console(resident, problems, "responding", error_statuses=(422,))
    assert_clean_console(moderator, problems, "the locked builder", error_statuses=(422,))


def test_the_published_response_and_the_analysis(
    open_page: OpenPage, live_site: LiveSite, problems: PageProblems
) -> None:
    consultation = live_site.consultations[CLOSED_CONSULTATION]
    detail = f"/consultations/{consultation}"
    respondents = len(CLOSED_RESPONSES)

    # The analysis is public once the consultation has closed.
    public = open_page()
    public.goto(detail)
    expect(public.get_by_role("heading", level=1)).to_have_text(CLOSED_CONSULTATION)
    expect(public.get_by_role("region", name="You said, we did")).to_have_count(0)
    expect(public.get_by_role("link", name="Respond")).to_have_count(0)
    public.get_by_role("link", name="Results and analysis").click()
    expect(public).to_have_url(f"{live_site.url}{detail}/analysis")
    expect(public.get_by_role("heading", level=1)).to_have_text("Results and analysis")
    expect(public.get_by_role("main")).to_contain_text(f"{respondents} submitted responses.")
    for kind, text, options, *_ in CLOSED_QUESTIONS:
        if kind.value == "free_text":
            continue
        chart = public.get_by_role("img", name=f"{text}: chart of the table below")
        expect(chart).to_be_visible()
        assert chart.evaluate("node => node.tagName.toLowerCase()") == "svg"
        table = public.get_by_role("table", name=f"Answers to: {text}")
        expect(table.locator("tbody tr")).to_have_count(len(options) or 5)
    # The first (single choice) question's counts, from the seeded answers.
    _kind, when, when_options, *_ = CLOSED_QUESTIONS[0]
    chosen = [answers[0] for answers in CLOSED_RESPONSES.values()]
    counts = public.get_by_role("table", name=f"Answers to: {when}")
    for n, option in enumerate(when_options):
        row = counts.locator("tbody tr").filter(has=public.get_by_role("rowheader", name=option))
        expect(row.get_by_role("cell").first).to_have_text(str(chosen.count(str(n))))
    # free text is not beside the counts: it is published apart, once a moderator clears it
    written = CLOSED_RESPONSES[VOTER][3]
    expect(public.get_by_text(written)).to_have_count(0)
    assert_accessible(public, "the analysis")

    # The moderator reviews the free-text answers; only cleared ones are published.
    moderator = open_page(MODERATOR)
    moderator.goto(f"{detail}/free-text/review")
    expect(moderator.get_by_role("heading", level=1)).to_have_text("Review free-text answers")
    answer = moderator.locator("div.civic-answer").filter(has_text=written)
    answer.get_by_role("button", name="Save review of this answer").click()
    expect(moderator).to_have_title(re.compile(r"^Error: "))
    assert list(error_summary_targets(moderator)) == [
        "Choose whether to publish, redact or withhold it"
    ]
    assert_accessible(moderator, "the free-text review with an error")
    answer = moderator.locator("div.civic-answer").filter(has_text=written)
    answer.get_by_label("Publish as written").check()
    answer.get_by_role("button", name="Save review of this answer").click()
    expect(moderator.get_by_text("Review saved.")).to_be_visible()
    assert_accessible(moderator, "the free-text review")
    public.goto(f"{detail}/free-text")
    expect(public.get_by_role("heading", level=1)).to_have_text("What people wrote")
    expect(public.get_by_text(written)).to_be_visible()
    assert_accessible(public, "what people wrote")

    # The moderator says what the council heard and will do; it must not be empty.
    moderator.goto(f"{detail}/build")
    expect(moderator.get_by_text("Build consultation · Closed")).to_be_visible()
    expect(moderator.get_by_role("heading", name="Add a question")).to_have_count(0)
    moderator.get_by_role("button", name="Publish the response").click()
    expect(moderator).to_have_title(re.compile(r"^Error: "))
    empty = "Write what you heard and what you will do"
    targets = error_summary_targets(moderator)
    assert list(targets) == [empty], targets
    reply_box = moderator.get_by_label(REPLY_LABEL)
    expect(reply_box).to_have_attribute("id", targets[empty])
    assert_field_error(moderator, targets[empty], empty)
    assert_accessible(moderator, "the builder with an empty reply")
    reply = (
        "We heard that **evenings** suit most of you.\n\n"
        "From May the library will open until 8pm on Thursdays."
    )
    reply_box.fill(reply)
    moderator.get_by_role("button", name="Publish the response").click()
    expect(moderator).to_have_url(f"{live_site.url}{detail}")
    expect(moderator.get_by_text(PUBLISHED)).to_be_visible()

    def expect_reply(where: Locator) -> None:
        expect(where).to_contain_text("We heard that evenings suit most of you.")
        expect(where).to_contain_text("until 8pm on Thursdays")
        expect(where.locator("strong", has_text="evenings")).to_have_count(1)
        expect(where).not_to_contain_text("**")

    public.goto(detail)
    banner = public.get_by_role("region", name="You said, we did")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(REPLY_LABEL)
    expect_reply(banner.locator(".civic-reply"))
    assert_accessible(public, "the consultation with its published response")

    # A respondent sees it beside their response.
    resident = open_page(VOTER)
    resident.goto("/consultations/mine")
    expect(resident.get_by_role("heading", level=1)).to_have_text("Your responses")
    item = resident.locator(".civic-proposal-item").filter(has_text=CLOSED_CONSULTATION)
    expect(item).to_contain_text("Submitted ")
    expect(item.get_by_role("heading", name="You said, we did")).to_be_visible()
    expect_reply(item.locator(".govuk-inset-text"))
    assert_accessible(resident, "the respondent's page with the published response")
    public.goto(f"{detail}/analysis")
    expect(public.get_by_role("heading", level=1)).to_have_text("Results and analysis")
    assert_clean_console(
        public, problems, "the analysis and the published response", error_statuses=(422,)
    )
    assert_clean_console(moderator, problems, "publishing the response", error_statuses=(422,))
    assert_clean_console(resident, problems, "the respondent's page", error_statuses=(422,))


def open_draft_builder(open_page: OpenPage, live_site: LiveSite) -> Page:
    """The moderator's builder for the draft consultation, its questions in their first order."""
    moderator = open_page(MODERATOR)
    moderator.goto(f"/consultations/{live_site.consultations[DRAFT_CONSULTATION]}/build")
    expect(question_items(moderator)).to_have_text(list(DRAFT_QUESTIONS))
    return moderator


# Records every focus that lands on swapped-in content htmx has not yet enhanced (htmx marks
# new content "htmx-added" until it has processed it) by the end of the task that moved focus.
# A key press is a task of its own: pressed then, Enter would submit the form natively (a full
# page load and the no-JS redirect) instead of by htmx.
WATCH_FOCUS_BEFORE_ENHANCEMENT = """
window.__focusBeforeEnhancement = [];
document.addEventListener("focusin", (event) => {
  const control = event.target;
  queueMicrotask(() => {
    if (control.isConnected && control.closest(".htmx-added")) {
      window.__focusBeforeEnhancement.push(control.id || control.tagName);
    }
  });
});
"""


def test_keyboard_focus_stays_on_the_move_button_and_the_move_is_announced(
    open_page: OpenPage, live_site: LiveSite, problems: PageProblems
) -> None:
    first, second, third = DRAFT_QUESTIONS
    moderator = open_draft_builder(open_page, live_site)
    status = moderator.get_by_role("status")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_have_text("")
    down_id = move_button(moderator, "Move down", first).get_attribute("id")
    up_id = move_button(moderator, "Move up", second).get_attribute("id")
    assert down_id and down_id.endswith("-down"), down_id
    question_id = down_id.removeprefix("move-").removesuffix("-down")
    moderator.evaluate("window.__same_page = true")
    moderator.evaluate(WATCH_FOCUS_BEFORE_ENHANCEMENT)

    def press_enter_on_focused(order: list[str]) -> None:
        with moderator.expect_response(lambda r: r.url.endswith("/move")) as moved:
            moderator.keyboard.press("Enter")
        assert moved.value.status == 200, moved.value.status
        expect(question_items(moderator)).to_have_text(order)
        # However fast the next Enter comes, the focused button's form already uses htmx.
        early = moderator.evaluate("window.__focusBeforeEnhancement")
        assert early == [], f"focus reached {early} before htmx enhanced it"

    # The same button, in the new list, has focus again.
    move_button(moderator, "Move down", first).focus()
    press_enter_on_focused([second, first, third])
    expect(move_button(moderator, "Move down", first)).to_be_focused()
    assert active_id(moderator) == down_id
    expect(status).to_have_text(f"Question “{first}” moved to position 2 of 3.")

    # Last now: there is no "Move down" any more, so its "Move up" has focus.
    press_enter_on_focused([second, third, first])
    expect(move_button(moderator, "Move down", first)).to_have_count(0)
    expect(move_button(moderator, "Move up", first)).to_be_focused()
    assert active_id(moderator) == f"move-{question_id}-up"
    expect(status).to_have_text(f"Question “{first}” moved to position 3 of 3.")
    assert_accessible(moderator, "the builder after moving a question with the keyboard")

    # And back to the top, by the keyboard alone.
    press_enter_on_focused([second, first, third])
    expect(move_button(moderator, "Move up", first)).to_be_focused()
    expect(status).to_have_text(f"Question “{first}” moved to position 2 of 3.")
    press_enter_on_focused([first, second, third])
    expect(move_button(moderator, "Move down", first)).to_be_focused()
    assert active_id(moderator) == down_id
    expect(status).to_have_text(f"Question “{first}” moved to position 1 of 3.")
    assert moderator.evaluate("window.__same_page === true"), "htmx should swap, not reload"
    assert up_id == move_button(moderator, "Move up", second).get_attribute("id")
    assert_clean_console(moderator, problems, "moving questions with the keyboard")


def test_a_failed_change_is_reported_and_what_was_typed_is_kept(
    open_page: OpenPage, live_site: LiveSite, problems: PageProblems
) -> None:
    first, second, third = DRAFT_QUESTIONS
    moderator = open_draft_builder(open_page, live_site)
    typed = "Should dogs be on leads near the playground?"
    moderator.get_by_label("Question", exact=True).fill(typed)
    moderator.evaluate("window.__same_page = true")

    # The server fails (as a proxy or a crash would: no Civic error page to read).
    moderator.route(
        "**/questions/*/move",
        lambda route: route.fulfill(
            status=500, content_type="text/html; charset=utf-8", body="<h1>Server Error</h1>"
        ),
    )
    button = move_button(moderator, "Move down", second)
    button.focus()
    with moderator.expect_response(lambda r: r.url.endswith("/move")) as failed:
        moderator.keyboard.press("Enter")
    assert failed.value.status == 500, failed.value.status
    message = request_error(moderator)
    expect(message).to_be_visible()
    expect(message).to_have_attribute("role", "alert")
    expect(message).to_have_text(
        "Error: Sorry, there is a problem with the service. Try again later. "
        "What you entered is still on this page. (Error 500)"
    )
    # By the question whose button failed; nothing else changed and focus stayed put.
    expect(
        moderator.locator("#questions > li").nth(1).locator(".civic-request-error")
    ).to_be_visible()
    expect(moderator.get_by_role("alert")).to_have_count(1)
    expect(question_items(moderator)).to_have_text([first, second, third])
    expect(moderator.get_by_label("Question", exact=True)).to_have_value(typed)
    expect(button).to_be_focused()
    assert moderator.evaluate("window.__same_page === true"), "a failed POST must not reload"
    assert_accessible(moderator, "the builder with a failed move")

    # A second failure replaces the message (read out again), rather than adding another.
    with moderator.expect_response(lambda r: r.url.endswith("/move")):
        moderator.keyboard.press("Enter")
    expect(request_error(moderator)).to_have_count(1)

    # Once the server answers again, trying again works and the message goes.
    moderator.unroute("**/questions/*/move")
    with moderator.expect_response(lambda r: r.url.endswith("/move")) as moved:
        moderator.keyboard.press("Enter")
    assert moved.value.status == 200, moved.value.status
    expect(question_items(moderator)).to_have_text([first, third, second])
    expect(request_error(moderator)).to_have_count(0)
    expect(moderator.get_by_label("Question", exact=True)).to_have_value(typed)
    move_button(moderator, "Move up", second).click()
    expect(question_items(moderator)).to_have_text([first, second, third])
    forget_failed_requests(problems, 500)
    assert_clean_console(moderator, problems, "a failed move")


def test_after_close_a_respondent_sees_their_answers_and_the_facts_fit(
    open_page: OpenPage, live_site: LiveSite, problems: PageProblems
) -> None:
    consultation = live_site.consultations[CLOSED_CONSULTATION]
    detail = f"/consultations/{consultation}"
    resident = open_page(VOTER)
    resident.goto(detail)
    expect(resident.get_by_role("heading", level=1)).to_have_text(CLOSED_CONSULTATION)
    expect(resident.get_by_text("You responded on ")).to_be_visible()
    expect(resident.get_by_role("link", name="Respond", exact=True)).to_have_count(0)
    expect(resident.get_by_role("link", name="Change your response")).to_have_count(0)

    # Each term beside the consultation is on one line ("Responses" broke mid-word).
    terms = resident.locator("#consultation-facts dt")
    expect(terms).to_have_text(["Status", "Open", "Who can respond", "Responses"])
    for n in range(terms.count()):
        lines = terms.nth(n).evaluate(
            "node => { const r = document.createRange(); r.selectNodeContents(node);"
            " return new Set([...r.getClientRects()].map(b => Math.round(b.top))).size; }"
        )
        assert lines == 1, (terms.nth(n).text_content(), lines)

    resident.get_by_role("link", name="See your answers").click()
    expect(resident).to_have_url(f"{live_site.url}{detail}/respond")
    answers = resident.locator("#your-answers")
    when, what, rating, free_text = CLOSED_RESPONSES[VOTER]
    expect(answers).to_contain_text(CLOSED_QUESTIONS[0][2][int(when)])
    for option in what:
        expect(answers).to_contain_text(CLOSED_QUESTIONS[1][2][int(option)])
    expect(answers).to_contain_text(f"{rating} out of 5")
    expect(answers).to_contain_text(free_text)
    main = resident.get_by_role("main")
    expect(main).not_to_contain_text("You can change it until")
    expect(main).not_to_contain_text("not taking responses")
    expect(main.locator("form")).to_have_count(0)
    assert_accessible(resident, "a closed consultation's answers, read only")
    assert_clean_console(resident, problems, "seeing answers after close")
