"""Anonymous public pages set no session cookie, so a shared proxy can cache them.

A CSRF token is made (and so the session written) only for a signed-in person's pages and
for forms that are shown and post; the walk below covers every GET route anyone may use.
"""

from __future__ import annotations

import re

from tests.conftest import csrf_token, login
from tests.factories import UserFactory
from tests.test_authorisation_matrix import ANONYMOUS, TABLE, _url
from tests.world import TOKEN_RE, build_world

# Pages whose whole point is a form that posts: they may set the session (its CSRF token).
FORM_PAGES = {"accounts.sign_in", "accounts.register", "accounts.forgot_password"}
# The language switch's whole point is its cookie (civic_lang; never the session).
FORM_PAGES |= {"language.switch"}


def test_no_public_page_sets_a_cookie_for_an_anonymous_visitor(app, client):
    world = build_world()
    setting = []
    for endpoint, row in sorted(TABLE.items()):
        if row.get is None or ANONYMOUS not in row.get or endpoint in FORM_PAGES:
            continue
        url = _url(app, world, endpoint, row)
        response = app.test_client().get(url)  # a fresh visitor each time
        assert response.status_code < 500, url
        if response.headers.getlist("Set-Cookie"):
            setting.append(url)
    assert not setting, f"anonymous GETs that set a cookie: {setting}"


def test_main_public_pages_carry_no_csrf_token_when_anonymous(app, client):
    world = build_world()
    for url in ("/", "/budgets", f"/budgets/{world.values['voting_round']}", "/audit"):
        response = app.test_client().get(url)
        assert response.status_code == 200, url
        assert not response.headers.getlist("Set-Cookie"), url
        page = response.get_data(as_text=True)
        assert "X-CSRFToken" not in page and 'name="csrf_token"' not in page, url


def test_sign_in_form_still_carries_a_token_and_works(app, client):
    user = UserFactory()
    response = client.get("/accounts/sign-in")
    assert response.headers.getlist("Set-Cookie"), "the sign-in form's token lives in the session"
    login(client, user)  # posts the form with its token
    assert TOKEN_RE.search(client.get("/").get_data(as_text=True)), "signed-in pages carry it"


def test_posts_without_a_token_are_still_refused(app, client):
    user = UserFactory()
    login(client, user)
    refused = client.post("/notifications/read-all", headers={"HX-Request": "true"})
    assert refused.status_code == 400
    token = TOKEN_RE.search(client.get("/").get_data(as_text=True)).group(1)
    accepted = client.post(
        "/notifications/read-all", headers={"HX-Request": "true", "X-CSRFToken": token}
    )
    assert accepted.status_code < 400


def test_an_anonymous_post_with_the_forms_token_still_works(app, client):
    token = csrf_token(client, "/accounts/sign-in")
    assert re.fullmatch(r"[\w.-]+", token)
    response = client.post(
        "/accounts/sign-in",
        data={"csrf_token": token, "email": "nobody@example.org", "password": "x"},
    )
    assert response.status_code in (200, 422)  # the form again with a message, not a CSRF 400
    assert "CSRF" not in response.get_data(as_text=True)
