"""Discussion pages over HTTP: without JavaScript, with htmx fragments, and at scale."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from civic.audit.models import AuditEntry
from civic.discussions import services
from civic.discussions.models import Comment
from civic.errors import ValidationFailed
from civic.extensions import db
from tests.conftest import csrf_token, login
from tests.discussions.bulk import make_thread
from tests.factories import UserFactory
from tests.queries import count_queries

URL = "/discussions/area/riverside"


def _post(client, body, **extra):
    return client.post(URL, data={"csrf_token": csrf_token(client, URL), "body": body, **extra})


def test_anyone_reads_signed_in_residents_post(client, resident):
    services.post_comment(resident, "area", "riverside", "Hello *neighbours*")
    page = client.get(URL).get_data(as_text=True)
    assert "<em>neighbours</em>" in page and "Sign in</a> to join" in page
    assert 'id="comment-form"' not in page


def test_outsider_sees_how_to_become_eligible(client, area):
    login(client, UserFactory())
    page = client.get(URL).get_data(as_text=True)
    assert "Enter the code from your letter" in page
    response = client.post(URL, data={"csrf_token": csrf_token(client, URL), "body": "hi"})
    assert response.status_code == 403


def test_post_without_javascript_redirects_to_the_comment(client, resident):
    login(client, resident)
    response = _post(client, "The leisure centre should stay in-house")
    assert response.status_code == 302
    comment = db.session.scalars(select(Comment)).one()
    assert response.headers["Location"].endswith(f"{URL}#comment-{comment.id}")
    assert "stay in-house" in client.get(URL).get_data(as_text=True)


def test_invalid_post_keeps_the_text_and_writes_nothing(client, resident):
    login(client, resident)
    long_text = "word " * 1200
    response = _post(client, long_text)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "at most 5,000 characters" in page and "There is a problem" in page
    assert long_text.strip()[:200] in page
    assert db.session.scalars(select(Comment)).all() == []


def test_htmx_post_returns_the_comment_a_fresh_form_and_the_count(htmx_client, resident):
    login(htmx_client, resident)
    response = _post(htmx_client, "In place, please")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<li class="civic-comment-item">') and "<html" not in body
    assert "In place, please" in body
    assert re.search(r'<form id="comment-form"[^>]*hx-swap-oob="true"', body)
    assert '<span id="comment-count" hx-swap-oob="true">1 comment</span>' in body
    form_html = body.split('id="comment-form"')[1]
    assert "In place, please" not in form_html  # the form is reset


def test_first_comment_by_htmx_removes_no_comments_yet(htmx_client, client, resident):
    """The empty-thread message is outside the list htmx adds to, so the first comment's
    response must delete it out of band, or the page says "No comments yet." under it."""
    empty = client.get(URL).get_data(as_text=True)
    assert re.search(
        r'<div id="no-comments"><p class="govuk-body">No comments yet\.</p></div>', empty
    )
    login(htmx_client, resident)
    body = _post(htmx_client, "First!").get_data(as_text=True)
    assert '<div id="no-comments" hx-swap-oob="true"></div>' in body
    # and a full page with a comment no longer carries the message at all
    assert "No comments yet." not in client.get(URL).get_data(as_text=True)


def test_htmx_invalid_post_retargets_the_form(htmx_client, resident):
    login(htmx_client, resident)
    response = _post(htmx_client, "")
    assert response.status_code == 422
    assert response.headers["HX-Retarget"] == "#comment-form"
    assert response.headers["HX-Reswap"] == "outerHTML"
    assert response.get_data(as_text=True).lstrip().startswith("<form")


def test_reply_with_and_without_javascript(client, htmx_client, resident, neighbour):
    root = services.post_comment(resident, "area", "riverside", "Root comment")
    login(client, neighbour)
    form_page = client.get(f"/discussions/comments/{root.id}/reply").get_data(as_text=True)
    assert "Your reply to Rita Resident" in form_page
    plain = _post(client, "A plain reply", parent_id=str(root.id))
    assert plain.status_code == 302
    login(htmx_client, neighbour)
    fragment = _post(htmx_client, "An htmx reply", parent_id=str(root.id))
    body = fragment.get_data(as_text=True)
    assert body.lstrip().startswith('<ol class="civic-replies">')
    assert "in reply to Rita Resident" in body
    assert 'hx-swap-oob="true">3 comments</span>' in body


def test_edit_in_place_and_history(htmx_client, client, resident):
    comment = services.post_comment(resident, "area", "riverside", "Frist")
    login(htmx_client, resident)
    form = htmx_client.get(f"/discussions/comments/{comment.id}/edit").get_data(as_text=True)
    assert form.lstrip().startswith("<form") and "Frist" in form
    token = csrf_token(htmx_client, URL)
    saved = htmx_client.post(
        f"/discussions/comments/{comment.id}/edit", data={"csrf_token": token, "body": "First"}
    )
    assert (
        saved.get_data(as_text=True)
        .lstrip()
        .startswith(f'<article class="civic-comment" id="comment-{comment.id}"')
    )
    history = client.get(f"/discussions/comments/{comment.id}/history").get_data(as_text=True)
    assert "First" in history and "Frist" in history


def test_flag_then_moderator_hides_with_tombstone(client, resident, neighbour, moderator):
    comment = services.post_comment(resident, "area", "riverside", "Call 07700 900123 for Jo")
    login(client, neighbour)
    flag_url = f"/discussions/comments/{comment.id}/flag"
    missing = client.post(flag_url, data={"csrf_token": csrf_token(client, flag_url), "reason": ""})
    assert missing.status_code == 422 and "Choose why" in missing.get_data(as_text=True)
    sent = client.post(
        flag_url, data={"csrf_token": csrf_token(client, flag_url), "reason": "personal_data"}
    )
    assert sent.status_code == 302
    assert "You reported this" in client.get(URL).get_data(as_text=True)
    mod = client.application.test_client()
    login(mod, moderator)
    queue = mod.get("/discussions/moderation").get_data(as_text=True)
    assert "Call 07700" in queue and "personal data" in queue
    url = f"/discussions/comments/{comment.id}/moderate"
    no_reason = mod.post(url, data={"csrf_token": csrf_token(mod, url), "reason": "", "hide": "y"})
    assert no_reason.status_code == 422
    hidden = mod.post(
        url,
        data={"csrf_token": csrf_token(mod, url), "reason": "Shares a phone number", "hide": "y"},
    )
    assert hidden.status_code == 302
    page = client.get(URL).get_data(as_text=True)
    assert "Hidden by a moderator: Shares a phone number" in page and "07700" not in page


def test_residents_cannot_moderate(client, resident, neighbour):
    comment = services.post_comment(resident, "area", "riverside", "text")
    login(client, neighbour)
    assert client.get("/discussions/moderation").status_code == 403
    url = f"/discussions/comments/{comment.id}/moderate"
    response = client.post(
        url, data={"csrf_token": csrf_token(client, URL), "reason": "x", "hide": "y"}
    )
    assert response.status_code == 403


@pytest.mark.parametrize("viewer", ["anonymous", "resident"])
def test_first_page_query_count_is_constant(client, resident, viewer):
    if viewer == "resident":
        login(client, resident)
    authors = [resident.id] + [UserFactory().id for _ in range(9)]
    make_thread("area", "riverside", 50, authors)
    small = count_queries(client, URL)
    make_thread("area", "riverside", 5000, authors)
    large = count_queries(client, URL)
    assert small == large, (small, large)
    assert large <= 10


@pytest.mark.parametrize("viewer", ["anonymous", "moderator"])
def test_the_page_translates_its_labels_once_not_once_per_comment(
    client, resident, moderator, viewer, monkeypatch
):
    """Rendering cost per comment (issue 16): each label of the comments is looked up once
    a page, so a page of 20 conversations asks for as many translations as a page of 2."""
    import flask_babel

    if viewer == "moderator":
        login(client, moderator)
    lookups = []
    original = flask_babel.Domain.get_translations

    def counted(self):
        lookups.append(1)
        return original(self)

    monkeypatch.setattr(flask_babel.Domain, "get_translations", counted)
    authors = [resident.id] + [UserFactory().id for _ in range(9)]

    def translations_per_page() -> int:
        lookups.clear()
        page = client.get(URL)
        assert page.status_code == 200
        return len(lookups)

    make_thread("area", "riverside", 8, authors)  # 2 conversations of 4 comments
    few = translations_per_page()
    make_thread("area", "riverside", 200, authors)  # the page now shows 20 of them
    many = translations_per_page()
    assert many == few + 1, (few, many)  # the one more: the new "Older comments" link


def _ids(html: str) -> list[str]:
    return re.findall(r'\sid="([^"]+)"', html)


def test_htmx_invalid_edit_rerenders_only_the_form_and_a_second_save_works(htmx_client, resident):
    comment = services.post_comment(resident, "area", "riverside", "Frist")
    login(htmx_client, resident)
    url = f"/discussions/comments/{comment.id}/edit"
    token = csrf_token(htmx_client, URL)
    too_long = "word " * 1200
    invalid = htmx_client.post(url, data={"csrf_token": token, "body": too_long})
    body = invalid.get_data(as_text=True)
    assert invalid.status_code == 422
    # the form's own target is the whole comment; the error replaces just the form
    assert invalid.headers["HX-Retarget"] == f"#edit-form-{comment.id}"
    assert invalid.headers["HX-Reswap"] == "outerHTML"
    assert body.lstrip().startswith(f'<form id="edit-form-{comment.id}"')
    assert f'hx-target="#comment-{comment.id}"' in body
    assert "<article" not in body and "<html" not in body
    assert too_long.strip()[:200] in body  # the typed text is kept
    assert re.search(rf'id="edit-body-{comment.id}-error"[^>]*>.*at most 5,000', body, re.S)
    assert "autofocus" not in body  # the error summary takes focus instead
    saved = htmx_client.post(url, data={"csrf_token": token, "body": "First"})
    assert saved.status_code == 200 and "HX-Retarget" not in saved.headers
    assert (
        saved.get_data(as_text=True)
        .lstrip()
        .startswith(f'<article class="civic-comment" id="comment-{comment.id}"')
    )
    assert db.session.get(Comment, comment.id).body_source == "First"


def test_inline_forms_add_no_duplicate_ids_to_the_thread(client, htmx_client, resident):
    root = services.post_comment(resident, "area", "riverside", "Root comment")
    login(client, resident)
    login(htmx_client, resident)
    page = client.get(URL).get_data(as_text=True)
    reply = htmx_client.get(f"/discussions/comments/{root.id}/reply").get_data(as_text=True)
    edit = htmx_client.get(f"/discussions/comments/{root.id}/edit").get_data(as_text=True)
    ids = _ids(page) + _ids(reply) + _ids(edit)
    assert sorted({i for i in ids if ids.count(i) > 1}) == []
    for fragment, box in ((reply, f"body-{root.id}"), (edit, f"edit-body-{root.id}")):
        assert f'<label class="govuk-label" for="{box}">' in fragment
        assert re.search(rf'<textarea[^>]*id="{box}"', fragment)
    assert f'id="reply-{root.id}-csrf_token" name="csrf_token"' in reply
    assert f'id="edit-{root.id}-submit"' in edit
    # the no-JS pages post the same field names, so they still work
    reply_url = f"/discussions/comments/{root.id}/reply"
    full = client.get(reply_url).get_data(as_text=True)
    assert 'name="parent_id"' in full and 'name="body"' in full
    posted = client.post(
        URL,
        data={
            "csrf_token": csrf_token(client, reply_url),
            "body": "A plain reply",
            "parent_id": str(root.id),
        },
    )
    assert posted.status_code == 302
    invalid = client.post(
        URL, data={"csrf_token": csrf_token(client, reply_url), "parent_id": str(root.id)}
    )
    assert invalid.status_code == 422
    assert f'href="#body-{root.id}"' in invalid.get_data(as_text=True)


def test_inline_forms_put_focus_in_the_new_box(client, htmx_client, resident):
    root = services.post_comment(resident, "area", "riverside", "Root comment")
    login(client, resident)
    login(htmx_client, resident)
    for path, box in (
        (f"/discussions/comments/{root.id}/reply", f"body-{root.id}"),
        (f"/discussions/comments/{root.id}/edit", f"edit-body-{root.id}"),
    ):
        fragment = htmx_client.get(path).get_data(as_text=True)
        assert re.search(rf'<textarea[^>]*id="{box}"[^>]*autofocus', fragment), path
        assert "autofocus" not in client.get(path).get_data(as_text=True), path


def test_edit_window_text_follows_the_setting(app, client, resident, monkeypatch):
    monkeypatch.setitem(app.config, "COMMENT_EDIT_MINUTES", 30)
    fresh = services.post_comment(resident, "area", "riverside", "Fresh")
    old = services.post_comment(resident, "area", "riverside", "Old")
    old.created_at = old.created_at - timedelta(minutes=45)
    db.session.flush()
    login(client, resident)
    page = client.get(f"/discussions/comments/{fresh.id}/edit").get_data(as_text=True)
    assert "for 30 minutes after posting" in page and "15 minutes" not in page
    late = client.get(f"/discussions/comments/{old.id}/edit")
    assert late.status_code == 409
    text = late.get_data(as_text=True)
    assert "edited for 30 minutes after posting" in text and "15 minutes" not in text


def test_moderator_dismisses_reports_on_a_visible_comment(
    app, client, resident, neighbour, moderator, monkeypatch
):
    monkeypatch.setitem(app.config, "FLAGS_TO_HIDE", 10)
    flagged = services.post_comment(resident, "area", "riverside", "Flagged but visible")
    services.flag_comment(neighbour, flagged, "off_topic")
    unflagged = services.post_comment(resident, "area", "riverside", "Nobody minds")
    monkeypatch.setitem(app.config, "FLAGS_TO_HIDE", 1)
    pending = services.post_comment(resident, "area", "riverside", "Hidden by reports")
    services.flag_comment(neighbour, pending, "off_topic")
    assert flagged.is_visible and not pending.is_visible
    login(client, moderator)

    def decide(comment, **data):
        url = f"/discussions/comments/{comment.id}/moderate"
        if not data:
            return client.get(url).get_data(as_text=True)
        data = {"csrf_token": csrf_token(client, url), **data}
        response = client.post(f"{url}?back=queue", data=data, follow_redirects=True)
        return response.get_data(as_text=True)

    page = decide(flagged)
    assert "Dismiss the reports" in page and "Restore comment" not in page
    page = decide(unflagged)
    assert "Dismiss the reports" not in page and "Restore comment" not in page
    page = decide(pending)
    assert "Restore comment" in page and "Dismiss the reports" not in page

    dismissed = decide(flagged, reason="On topic", restore="y")
    assert "Reports dismissed; the comment stays visible." in dismissed
    assert "Comment restored" not in dismissed
    restored = decide(pending, reason="Fine after all", restore="y")
    assert "Comment restored; its reports are dismissed." in restored

    def actions(comment):
        query = select(AuditEntry.action).where(
            AuditEntry.action.in_(["comment:restore", "comment:reports_dismiss"]),
            AuditEntry.subject_id == str(comment.id),
        )
        return db.session.scalars(query).all()

    assert actions(flagged) == ["comment:reports_dismiss"]
    assert actions(pending) == ["comment:restore"]


def test_comment_limits_count_in_words(app, monkeypatch, resident):
    monkeypatch.setitem(app.config, "COMMENTS_PER_MINUTE", 1)
    services.post_comment(resident, "area", "riverside", "One")
    with pytest.raises(ValidationFailed) as refused:
        services.post_comment(resident, "area", "riverside", "Two")
    assert "You have posted 1 comment in the last minute" in refused.value.errors["body"]
