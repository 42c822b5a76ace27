"""Which language a page is in, the switch, and formatting for the locale."""

from __future__ import annotations

from datetime import UTC, date, datetime

from civic.extensions import db
from civic.i18n import format_day, format_money, format_number, in_language
from tests.conftest import csrf_token, login
from tests.factories import UserFactory


def _nav(page: str) -> bool:
    return "Neidio i\u2019r prif gynnwys" in page


def test_a_visitor_gets_english_by_default_and_welsh_when_their_browser_asks(app, client):
    english = client.get("/")
    assert 'lang="en-GB"' in english.get_data(as_text=True)
    assert not _nav(english.get_data(as_text=True))
    welsh = app.test_client().get("/", headers={"Accept-Language": "cy-GB,cy;q=0.9,en;q=0.5"})
    page = welsh.get_data(as_text=True)
    assert '<html lang="cy"' in page and _nav(page)
    assert "Neidio i\u2019r prif gynnwys" in page
    # nothing stored for a visitor who did not choose: the page stays cacheable
    assert not welsh.headers.getlist("Set-Cookie")
    assert "Accept-Language" in welsh.headers["Vary"] and "Cookie" in welsh.headers["Vary"]


def test_an_unknown_browser_language_falls_back_to_english(app):
    page = app.test_client().get("/", headers={"Accept-Language": "fr, de;q=0.8"})
    assert 'lang="en-GB"' in page.get_data(as_text=True)


def test_the_switch_is_a_link_for_visitors_that_sets_a_cookie_and_goes_back(app):
    visitor = app.test_client()
    page = visitor.get("/budgets").get_data(as_text=True)
    assert 'href="/language/cy?next=/budgets"' in page and 'lang="cy"' in page
    response = visitor.get("/language/cy?next=/budgets")
    assert response.status_code == 302 and response.headers["Location"].endswith("/budgets")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("civic_lang="))
    assert cookie.startswith("civic_lang=cy;") and "HttpOnly" in cookie
    after = visitor.get("/budgets").get_data(as_text=True)
    assert '<html lang="cy"' in after and _nav(after)
    # the cookie beats the browser's language, both ways
    back = visitor.get("/", headers={"Accept-Language": "cy"})
    assert _nav(back.get_data(as_text=True))
    visitor.get("/language/en?next=/")
    english = visitor.get("/", headers={"Accept-Language": "cy"}).get_data(as_text=True)
    assert 'lang="en-GB"' in english and 'href="/language/cy?next=/"' in english


def test_the_switch_keeps_the_query_of_the_page_it_came_from(app):
    visitor = app.test_client()
    page = visitor.get("/search?q=pool").get_data(as_text=True)
    assert 'href="/language/cy?next=/search"' in page  # the query is not written into pages
    back = visitor.get(
        "/language/cy?next=/search", headers={"Referer": "http://localhost/search?q=pool"}
    )
    assert back.headers["Location"].endswith("/search?q=pool")
    elsewhere = visitor.get(
        "/language/cy?next=/search", headers={"Referer": "https://evil.example/search?q=x"}
    )
    assert elsewhere.headers["Location"].endswith("/search")


def test_the_switch_refuses_other_sites_and_unknown_languages(app):
    visitor = app.test_client()
    away = visitor.get("/language/cy?next=https://evil.example/")
    assert away.status_code == 302 and away.headers["Location"] in ("/", "http://localhost/")
    assert visitor.get("/language/fr").status_code == 404
    assert visitor.get("/language/CY").status_code == 404


def test_a_signed_in_resident_saves_the_choice_on_their_account(app, client):
    sam = UserFactory()
    login(client, sam)
    page = client.get("/budgets").get_data(as_text=True)
    assert 'action="/language/cy"' in page  # a form for signed-in people, with a token
    token = csrf_token(client, "/budgets")
    response = client.post("/language/cy", data={"csrf_token": token, "next": "/budgets"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(sam), sam.id).locale == "cy"
    # another device, with no cookie and an English browser, still gets Welsh once signed in
    other = app.test_client()
    login(other, sam)
    welsh = other.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="cy"' in welsh and "Wedi mewngofnodi fel" in welsh


def test_saving_the_choice_needs_the_csrf_token(app, client):
    sam = UserFactory()
    login(client, sam)
    response = client.post("/language/cy", data={"next": "/"})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(type(sam), sam.id).locale is None


def test_money_numbers_and_dates_follow_the_language(app):
    with app.test_request_context("/"):
        with in_language("en"):
            assert format_money(125_000_00) == "£125,000"
            assert format_money(1_250) == "£12.50"
            assert format_number(61668) == "61,668"
            assert format_day(date(2026, 11, 29)) == "29 November 2026"
        with in_language("cy"):
            assert format_day(datetime(2026, 11, 29, 23, 0, tzinfo=UTC)) == "29 Tachwedd 2026"
            assert format_day(date(2026, 3, 1)) == "1 Mawrth 2026"
            assert format_money(1_250) == "£12.50"
        with in_language("xx"):  # an unknown language: English, not an error
            assert format_day(date(2026, 1, 5)) == "5 January 2026"
