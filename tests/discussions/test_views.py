"""Discussion pages over HTTP: without JavaScript, with htmx fragments, and at scale."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, select

from civic.discussions import services
from civic.discussions.models import Comment
from civic.extensions import db
from tests.conftest import csrf_token, login
from tests.discussions.bulk import make_thread
from tests.factories import UserFactory

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


def _queries_for(client, url: str) -> int:
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    engine = db.engine if not hasattr(db.engines[None], "engine") else db.engines[None].engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


@pytest.mark.parametrize("viewer", ["anonymous", "resident"])
def test_first_page_query_count_is_constant(client, resident, viewer):
    if viewer == "resident":
        login(client, resident)
    authors = [resident.id] + [UserFactory().id for _ in range(9)]
    make_thread("area", "riverside", 50, authors)
    small = _queries_for(client, URL)
    make_thread("area", "riverside", 5000, authors)
    large = _queries_for(client, URL)
    assert small == large, (small, large)
    assert large <= 10
