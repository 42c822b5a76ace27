"""Discussions in a real browser: posting and replying with htmx and without JavaScript,
reporting, moderating, and Markdown/HTML payloads that must not run.

Each person signs in once per session through conftest's `open_page` (the sign-in limit is
5 POSTs a minute per address, shared by every browser test), and later pages, in this module
or another, reuse their cookies. The seeded people and comments come from conftest.py.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    MODERATOR,
    NEIGHBOUR,
    PLAIN,
    POSTER,
    REPORTER,
    XSS_AUTHOR,
    XSS_PAYLOADS,
    XSS_REPLY,
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

THREAD = "/discussions/area/hyde-park"
XSS_THREAD = "/discussions/area/little-london"
MODERATION = "/discussions/moderation"
REASON_LABEL = "Reason, shown publicly in the thread and the audit log"


def comment_count(page: Page) -> int:
    text = page.locator("#comment-count").inner_text()
    match = re.fullmatch(r"(\d+) comments?", text.strip())
    assert match, f"#comment-count reads {text!r}"
    return int(match.group(1))


def test_post_and_reply_inline_with_javascript(
    open_page: OpenPage, live_site: LiveSite, problems: PageProblems
) -> None:
    neighbour_id, _ = live_site.comments["neighbour"]
    page = open_page(POSTER)
    page.goto(THREAD)
    expect(page.get_by_role("heading", level=1)).to_have_text(live_site.area_name)
    expect(page.locator("body")).to_have_class(re.compile(r"\bjs-enabled\b"))
    assert_accessible(page, "the thread before posting")
    before = comment_count(page)
    page.evaluate("window.__same_page = true")

    text = "Could the library on Raglan Road open on Sunday afternoons?"
    box = page.get_by_label("Your comment", exact=True)
    box.fill(text)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Post comment").click()
    assert posted.value.request.headers.get("hx-request") == "true"
    assert posted.value.status == 200
    newest = page.locator("#comments-list > li").first
    expect(newest).to_contain_text(text)
    expect(newest).to_contain_text(POSTER.name)
    expect(newest.get_by_role("link", name="Edit your comment")).to_be_visible()
    expect(page.get_by_label("Your comment", exact=True)).to_have_value("")
    expect(page.locator("#comment-count")).to_have_text(f"{before + 1} comments")
    assert page.evaluate("window.__same_page === true"), "htmx should swap, not reload"
    expect(page).to_have_url(f"{live_site.url}{THREAD}")

    parent = page.locator(f"#comment-{neighbour_id}")
    parent.get_by_role("link", name=f"Reply to {NEIGHBOUR.name}").click()
    slot = page.locator(f"#reply-slot-{neighbour_id}")
    reply_box = slot.get_by_label(f"Your reply to {NEIGHBOUR.name}")
    expect(reply_box).to_be_visible()
    assert page.evaluate("window.__same_page === true"), "the reply form should load in place"
    reply = "Yes: the path by the tennis courts is the darkest."
    reply_box.fill(reply)
    slot.get_by_role("button", name="Post reply").click()
    posted_reply = slot.locator("article.civic-comment")
    expect(posted_reply).to_contain_text(reply)
    expect(posted_reply).to_contain_text(f"in reply to {NEIGHBOUR.name}")
    expect(slot.get_by_role("button", name="Post reply")).to_have_count(0)
    expect(page.locator("#comment-count")).to_have_text(f"{before + 2} comments")
    assert page.evaluate("window.__same_page === true"), "htmx should swap, not reload"
    assert_accessible(page, "the thread after posting and replying")
    assert_clean_console(page, problems, "posting and replying with JavaScript")

    # What htmx showed is what the server stored: after a reload the reply is in the thread.
    page.reload()
    expect(page.locator("#comments-list > li").first).to_contain_text(text)
    thread_reply = page.locator("li.civic-comment-item", has=parent).get_by_text(reply)
    expect(thread_reply).to_be_visible()
    assert_clean_console(page, problems, "the thread after a reload")


def test_report_then_moderator_hides_with_a_public_reason(
    open_page: OpenPage, live_site: LiveSite, problems: PageProblems
) -> None:
    comment_id, text = live_site.comments["to_report"]
    reporter = open_page(REPORTER)
    reporter.goto(THREAD)
    comment = reporter.locator(f"#comment-{comment_id}")
    comment.get_by_role("link", name=f"Report comment by {POSTER.name}").click()
    expect(reporter.get_by_role("heading", level=1)).to_have_text("Report a comment")
    expect(
        reporter.get_by_role("group", name="Why are you reporting this comment?")
    ).to_be_visible()
    assert_accessible(reporter, "the report page")
    reporter.get_by_label("Shares someone's personal data").check()
    reporter.get_by_role("button", name="Send report").click()
    expect(
        reporter.get_by_text("Thank you. A moderator will look at this comment.")
    ).to_be_visible()
    expect(reporter.locator(f"#comment-{comment_id}")).to_contain_text("You reported this")
    assert_clean_console(reporter, problems, "reporting a comment")

    moderator = open_page(MODERATOR)
    moderator.goto(MODERATION)
    expect(moderator.get_by_role("heading", level=1)).to_have_text("Comments to review")
    item = moderator.locator(".civic-queue-item").filter(has_text=text)
    expect(item).to_contain_text("Shares someone's personal data")
    assert_accessible(moderator, "the moderation queue")
    item.get_by_role("link", name=f"Decide about the comment by {POSTER.name}").click()
    expect(moderator.get_by_role("heading", level=1)).to_have_text("Moderate a comment")
    assert_accessible(moderator, "the moderate page")

    moderator.get_by_role("button", name="Hide comment").click()
    expect(moderator).to_have_title(re.compile(r"^Error: "))
    assert list(error_summary_targets(moderator).values()) == ["reason"]
    assert_field_error(moderator, "reason", "Give the reason; it is shown in the thread")
    assert_accessible(moderator, "the moderate page with an error")

    reason = "It gives a private phone number"
    moderator.get_by_label(REASON_LABEL).fill(reason)
    moderator.get_by_role("button", name="Hide comment").click()
    expect(moderator).to_have_url(f"{live_site.url}{MODERATION}")
    expect(
        moderator.get_by_text("Comment hidden; the reason is shown in the thread.")
    ).to_be_visible()
    expect(moderator.locator(".civic-queue-item").filter(has_text=text)).to_have_count(0)
    assert_clean_console(moderator, problems, "moderating", error_statuses=(422,))

    for who, page in (("the moderator", moderator), ("the reporter", reporter)):
        page.goto(THREAD)
        hidden = page.locator(f"#comment-{comment_id}")
        expect(hidden).to_contain_text(f"Hidden by a moderator: {reason}")
        expect(page.get_by_text(text)).to_have_count(0)
        assert_clean_console(
            page, problems, f"the thread as {who} after hiding", error_statuses=(422,)
        )


def test_post_and_reply_without_javascript(
    open_page: OpenPage, live_site: LiveSite, problems: PageProblems
) -> None:
    neighbour_id, _ = live_site.comments["neighbour"]
    page = open_page(PLAIN, javascript=False)
    page.goto(THREAD)
    expect(page.locator("body")).not_to_have_class(re.compile(r"\bjs-enabled\b"))
    before = comment_count(page)

    text = "Without JavaScript: more bins on Hyde Park Road, please."
    page.get_by_label("Your comment", exact=True).fill(text)
    page.get_by_role("button", name="Post comment").click()
    expect(page).to_have_url(re.compile(rf"{THREAD}#comment-\d+$"))
    expect(page.get_by_text("Your comment is posted.")).to_be_visible()
    expect(page.locator("#comments-list > li").first).to_contain_text(text)
    expect(page.locator("#comment-count")).to_have_text(f"{before + 1} comments")

    page.locator(f"#comment-{neighbour_id}").get_by_role(
        "link", name=f"Reply to {NEIGHBOUR.name}"
    ).click()
    expect(page).to_have_url(re.compile(rf"/discussions/comments/{neighbour_id}/reply$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Reply to {NEIGHBOUR.name}")
    reply = "Without JavaScript: and a bench by the bowling green."
    page.get_by_label(f"Your reply to {NEIGHBOUR.name}").fill(reply)
    page.get_by_role("button", name="Post reply").click()
    expect(page).to_have_url(re.compile(rf"{THREAD}#comment-\d+$"))
    expect(page.get_by_text("Your comment is posted.")).to_be_visible()
    reply_id = page.url.rsplit("#comment-", 1)[1]
    posted = page.locator(f"#comment-{reply_id}")
    expect(posted).to_contain_text(reply)
    expect(posted).to_contain_text(f"in reply to {NEIGHBOUR.name}")
    parent_item = page.locator(
        "li.civic-comment-item", has=page.locator(f"#comment-{neighbour_id}")
    )
    expect(parent_item.locator(f"#comment-{reply_id}")).to_have_count(1)
    expect(page.locator("#comment-count")).to_have_text(f"{before + 2} comments")
    assert_clean_console(page, problems, "posting and replying without JavaScript")


def _links_in_comments(page: Page) -> list[str]:
    return page.locator(".civic-comment__body a[href]").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))"
    )


def _assert_inert(page: Page, where: str) -> None:
    """No element or attribute that could run script came out of the comments."""
    dangerous = page.locator(
        ":is(.civic-comment, .govuk-inset-text, .civic-queue-item)"
        " :is(script, img, svg, iframe, object, embed, details, math, style, input)"
    )
    assert dangerous.count() == 0, (
        f"{where}: {dangerous.evaluate_all('e => e.map(x => x.outerHTML)')}"
    )
    handlers = page.evaluate(
        """[...document.querySelectorAll('#main-content *')].flatMap(element =>
             [...element.attributes]
               .filter(a => a.name.startsWith("on")
                 || /^\\s*(javascript|data|vbscript):/i.test(a.value))
               .map(a => `${element.tagName} ${a.name}=${a.value}`))"""
    )
    assert not handlers, f"{where}: {handlers}"
    for href in _links_in_comments(page):
        assert re.match(r"^(https?:|mailto:|/|#)", href.strip(), re.IGNORECASE), (where, href)


def test_markdown_and_html_payloads_do_not_run(
    open_page: OpenPage, live_site: LiveSite, problems: PageProblems
) -> None:
    dialogs: list[str] = []

    def watch(page: Page) -> Page:
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        return page

    page = watch(open_page())
    page.goto(XSS_THREAD)
    bodies = page.locator("#comments-list .civic-comment__body")
    expect(bodies).to_have_count(len(XSS_PAYLOADS) + 1)
    listing = page.locator("#comments-list")
    # Raw HTML is shown as the text that was typed, and so is the author's name.
    for payload in ("<img src=x onerror=alert(1)>", "<svg/onload=alert(1)>", "<script>alert(1)"):
        expect(listing).to_contain_text(payload)
    expect(listing).to_contain_text(f"in reply to {XSS_AUTHOR.name}")
    expect(listing).to_contain_text(XSS_REPLY.split(") ", 1)[1])  # the <iframe ...>, as text
    _assert_inert(page, "the thread")
    assert_accessible(page, "the thread of payloads")
    assert_clean_console(page, problems, "the thread of payloads")

    links = _links_in_comments(page)
    assert len(links) >= 2, f"the payloads should leave some safe links: {links}"
    for index, href in enumerate(links):
        assert not href.strip().lower().startswith("javascript:"), href
        link = page.locator(".civic-comment__body a[href]").nth(index)
        link.hover()  # for the title="... onmouseover=..." payload
        link.click()
        page.wait_for_load_state("load")
        assert_clean_console(page, problems, f"after following {href}")
        if page.url != f"{live_site.url}{XSS_THREAD}":
            page.goto(XSS_THREAD)

    # The other pages that show a comment's HTML: its own page, then for a moderator the
    # queue, the moderate page and the reply page (the reported payload has a link).
    reported_id, _ = live_site.comments["xss7"]
    root_id, _ = live_site.comments["xss2"]
    page.goto(f"/discussions/comments/{root_id}")
    _assert_inert(page, "the comment page")
    assert_clean_console(page, problems, "the comment page")
    moderator = watch(open_page(MODERATOR))
    for path in (
        MODERATION,
        f"/discussions/comments/{reported_id}/moderate",
        f"/discussions/comments/{reported_id}/reply",
        XSS_THREAD,
    ):
        moderator.goto(path)
        moderator.wait_for_load_state("load")
        expect(moderator.get_by_role("link", name="the areas").first).to_be_visible()
        _assert_inert(moderator, path)
        assert_clean_console(moderator, problems, path)
    page.wait_for_timeout(200)  # a handler on a late event would show by now
    assert not dialogs, f"a payload ran: {dialogs}"


def test_discussion_pages_have_no_console_errors_or_csp_violations(
    open_page: OpenPage, live_site: LiveSite, problems: PageProblems
) -> None:
    neighbour_id, _ = live_site.comments["neighbour"]
    anonymous = open_page()
    for path in (THREAD, f"/discussions/comments/{neighbour_id}"):
        anonymous.goto(path)
        anonymous.wait_for_load_state("load")
        expect(anonymous.get_by_text("The Woodhouse Moor paths need lighting.")).to_be_visible()
        assert_accessible(anonymous, path)
        assert_clean_console(anonymous, problems, path)
    expect(anonymous.get_by_role("link", name="Reply", exact=False)).to_have_count(0)

    resident = open_page(POSTER)
    for path in (
        f"/discussions/comments/{neighbour_id}/reply",
        f"/discussions/comments/{neighbour_id}/flag",
    ):
        resident.goto(path)
        resident.wait_for_load_state("load")
        assert_accessible(resident, path)
        assert_clean_console(resident, problems, path)


def test_reply_error_summary_links_to_the_reply_box(
    open_page: OpenPage, live_site: LiveSite, problems: PageProblems
) -> None:
    neighbour_id, _ = live_site.comments["neighbour"]
    page = open_page(PLAIN, javascript=False)
    page.goto(f"/discussions/comments/{neighbour_id}/reply")
    page.get_by_role("button", name="Post reply").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    box_id = page.get_by_label(f"Your reply to {NEIGHBOUR.name}").get_attribute("id")
    assert_clean_console(page, problems, "an empty reply", error_statuses=(422,))
    assert error_summary_targets(page) == {"Write your comment before posting": box_id}


def duplicate_ids(page: Page) -> list[str]:
    return page.evaluate(
        """() => {
          const ids = [...document.querySelectorAll("[id]")].map((el) => el.id);
          return [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
        }"""
    )


def test_inline_edit_and_reply_forms_take_focus_and_recover_from_errors(
    open_page: OpenPage, live_site: LiveSite, problems: PageProblems
) -> None:
    neighbour_id, _ = live_site.comments["neighbour"]
    page = open_page(POSTER)
    page.goto(THREAD)
    page.evaluate("window.__same_page = true")
    page.get_by_label("Your comment", exact=True).fill("Bins on Brudenell Road go out too early.")
    page.get_by_role("button", name="Post comment").click()
    newest = page.locator("#comments-list > li").first.locator("article.civic-comment").first
    expect(newest).to_contain_text("Bins on Brudenell Road")
    comment_id = (newest.get_attribute("id") or "").removeprefix("comment-")
    comment = page.locator(f"#comment-{comment_id}")

    # the reply form loads in place with the caret in its box, and adds no duplicate ids
    page.locator(f"#comment-{neighbour_id}").get_by_role(
        "link", name=f"Reply to {NEIGHBOUR.name}"
    ).click()
    expect(page.get_by_label(f"Your reply to {NEIGHBOUR.name}")).to_be_focused()

    comment.get_by_role("link", name="Edit your comment").click()
    box = page.locator(f"#edit-body-{comment_id}")
    expect(box).to_be_focused()
    assert duplicate_ids(page) == []

    # an invalid edit re-renders only the form: the comment keeps its author and links
    box.fill("")
    with page.expect_response(lambda r: r.request.method == "POST") as invalid:
        comment.get_by_role("button", name="Save changes").click()
    assert invalid.value.status == 422
    assert_field_error(page, f"edit-body-{comment_id}", "Write your comment before posting")
    expect(comment).to_contain_text(POSTER.name)
    expect(comment.get_by_role("link", name="Edit your comment")).to_be_visible()
    assert duplicate_ids(page) == []

    # and saving again works
    page.locator(f"#edit-body-{comment_id}").fill("Bins on Brudenell Road go out at 6am.")
    with page.expect_response(lambda r: r.request.method == "POST") as saved:
        comment.get_by_role("button", name="Save changes").click()
    assert saved.value.status == 200
    expect(comment.locator(".civic-comment__body")).to_have_text(
        "Bins on Brudenell Road go out at 6am."
    )
    expect(comment.get_by_role("button", name="Save changes")).to_have_count(0)
    assert page.evaluate("window.__same_page === true"), "htmx should swap, not reload"
    assert_accessible(page, "the thread after an inline edit")
    assert_clean_console(page, problems, "editing inline", error_statuses=(422,))
