"""The privacy, accessibility and cookies pages in a browser's view: defaults, footer links
on every page, the administrator's edit form (per role, bad input, sanitised Markdown)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from civic.extensions import db
from civic.site_pages.models import SitePageVersion
from tests.conftest import csrf_token, login, post_form
from tests.factories import AdminFactory, AreaFactory, ModeratorFactory, UserFactory

FOOTER = {"/privacy": "Privacy", "/accessibility": "Accessibility", "/cookies": "Cookies"}


@pytest.mark.parametrize(
    ("path", "title", "must_say"),
    [
        (
            "/privacy",
            "Privacy notice",
            ["data controller", "public task", "ico.org.uk", "pseudonym"],
        ),
        ("/accessibility", "Accessibility statement", ["WCAG", "2.2", "axe-core", "Equality"]),
        ("/cookies", "Cookies", ["civic_device", "session", "no other organisation"]),
    ],
)
def test_each_page_shows_its_default_text(client, path, title, must_say):
    response = client.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("<h1") == 1 and f">{title}</h1>" in html
    for phrase in must_say:
        assert phrase in html, phrase
    assert "Last updated" not in html  # nothing saved yet: no date to claim
    assert 'class="govuk-heading-m"' in html  # sections are styled as the site's headings


def test_the_cookies_page_names_the_cookies_civic_really_sets(client, app):
    """If a cookie is renamed or one is added, this page must change with it."""
    from civic.accounts import devices

    html = client.get("/cookies").get_data(as_text=True)
    assert app.config.get("SESSION_COOKIE_NAME", "session") in html
    assert devices.COOKIE in html
    assert f"{devices.MAX_AGE_DAYS} days" in html
    assert "at most 12 hours" in html  # CIVIC_SESSION_MAX_HOURS
    user = UserFactory()
    login(client, user)
    names = {cookie.key for cookie in client._cookies.values()}
    assert names <= {app.config.get("SESSION_COOKIE_NAME", "session"), devices.COOKIE}


@pytest.mark.parametrize("path", ["/", "/accounts/sign-in", "/areas", "/audit", "/no-such-page"])
def test_every_page_links_to_them_in_its_footer(client, path):
    AreaFactory()
    html = client.get(path).get_data(as_text=True)
    footer = html.split('<footer class="govuk-footer">', 1)[1]
    for href, text in FOOTER.items():
        assert f'href="{href}">{text}</a>' in footer, (path, href)


@pytest.mark.parametrize("factory", [UserFactory, ModeratorFactory])
def test_residents_and_moderators_cannot_edit(client, factory):
    login(client, factory())
    assert client.get("/admin/pages/privacy/edit").status_code == 403
    token = csrf_token(client, "/")
    response = client.post(
        "/admin/pages/privacy/edit", data={"csrf_token": token, "body": "Hijacked"}
    )
    assert response.status_code == 403
    assert db.session.scalar(select(SitePageVersion)) is None


def test_anonymous_people_are_sent_to_sign_in(client):
    response = client.get("/admin/pages/privacy/edit")
    assert response.status_code == 302 and "/accounts/sign-in" in response.headers["Location"]


def test_an_administrator_edits_a_page_and_it_shows_the_new_version(client):
    login(client, AdminFactory())
    form = client.get("/admin/pages/accessibility/edit").get_data(as_text=True)
    assert "Web Content Accessibility Guidelines" in form  # starts from the default text
    assert 'name="based_on" type="hidden" value="0"' in form
    response = post_form(
        client,
        "/admin/pages/accessibility/edit",
        {"body": "## Our statement\n\nWe test with **axe**.", "based_on": "0"},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/accessibility"
    html = client.get("/accessibility").get_data(as_text=True)
    assert '<h2 class="govuk-heading-m">Our statement</h2>' in html
    assert "<strong>axe</strong>" in html and "Last updated" in html
    assert "(version 1)" in html
    edit = client.get("/admin/pages/accessibility/edit").get_data(as_text=True)
    assert "Saved versions" in edit and 'value="1"' in edit


def test_markdown_is_sanitised(client):
    login(client, AdminFactory())
    body = (
        "# Title\n\n<script>alert(1)</script>\n\n[click](javascript:alert(2))\n\n"
        '<img src=x onerror="alert(3)">'
    )
    post_form(client, "/admin/pages/privacy/edit", {"body": body, "based_on": "0"})
    html = client.get("/privacy").get_data(as_text=True)
    content = html.split('class="civic-site-page">', 1)[1].split("</main>", 1)[0]
    assert "<script>alert" not in content and "<img" not in content
    assert 'href="javascript' not in content  # the link is refused, left as text
    assert "&lt;script&gt;" in content  # shown as text, not run
    assert html.count("<h1") == 1  # a "# heading" becomes a section heading


@pytest.mark.parametrize(
    ("body", "message"), [("", "Enter the text of the page"), ("y" * 60_001, "60,000")]
)
def test_bad_input_re_renders_with_the_error_next_to_the_field(client, body, message):
    login(client, AdminFactory())
    response = post_form(client, "/admin/pages/cookies/edit", {"body": body, "based_on": "0"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "govuk-error-summary" in html and 'id="body-error"' in html
    assert message in html
    if body:
        assert body in html  # the text is kept
    assert db.session.scalar(select(SitePageVersion)) is None


def test_an_unknown_page_is_not_found(client):
    login(client, AdminFactory())
    assert client.get("/admin/pages/terms/edit").status_code == 404
    assert client.get("/terms").status_code == 404
