# ruff: noqa: RUF001 (Welsh is written with the typographic apostrophe, U+2019)
"""The account journeys in Welsh (issue 17, slice "accounts"): a Welsh-speaking visitor
registers, a resident redeems a letter code, and the home page, Your areas, search, error
pages and the data rights pages speak Welsh, with dates formatted for the language."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from civic.accounts import services
from civic.accounts.codes import display
from civic.accounts.models import Eligibility, User
from civic.clock import utcnow
from civic.extensions import db
from tests.accounts.mail_links import messages_to
from tests.conftest import CSRF_RE, csrf_token, login, post_form
from tests.factories import AreaFactory, ModeratorFactory, UserFactory

WELSH = {"Accept-Language": "cy-GB,cy;q=0.9,en;q=0.5"}


def _text(response) -> str:
    return response.get_data(as_text=True)


def _welsh_token(client, path: str) -> str:
    page = _text(client.get(path, headers=WELSH))
    match = CSRF_RE.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def _field_errors(page: str) -> dict[str, str]:
    """Each field's error message, as the GOV.UK error message under it shows it."""
    found = re.findall(
        r'id="([\w-]+)-error"[^>]*>\s*<span class="govuk-visually-hidden">([^<]*)</span>'
        r"\s*([^<]+)<",
        page,
    )
    return {field: (hidden.strip(), message.strip()) for field, hidden, message in found}


def test_a_welsh_speaking_visitor_registers_errors_in_welsh_then_success(client):
    page = _text(client.get("/accounts/register", headers=WELSH))
    assert '<html lang="cy"' in page
    assert '<h1 class="govuk-heading-l">Creu cyfrif</h1>' in page
    assert "Anyone can read everything on Civic" not in page
    assert "Cyfeiriad e-bost" in page and "Eich enw, fel y bydd trigolion eraill yn ei weld" in page

    token = _welsh_token(client, "/accounts/register")
    refused = client.post(
        "/accounts/register",
        data={
            "csrf_token": token,
            "email": "",
            "display_name": "Nia",
            "password": "a-Strong-test-passw0rd",
            "confirm": "something else entirely",
        },
        headers=WELSH,
    )
    assert refused.status_code == 422
    page = _text(refused)
    assert "<title>Gwall: Creu cyfrif – Civic</title>" in page
    assert "Mae problem" in page and "There is a problem" not in page
    errors = _field_errors(page)
    assert errors["email"] == ("Gwall:", "Rhowch eich cyfeiriad e-bost")
    assert errors["confirm"] == ("Gwall:", "Nid yw’r cyfrineiriau’n cyfateb")
    assert "Enter your email address" not in page
    assert 'value="Nia"' in page  # what the visitor typed stays
    assert db.session.scalar(select(func.count()).select_from(User)) == 0

    weak = client.post(
        "/accounts/register",
        data={
            "csrf_token": token,
            "email": "nia@example.org",
            "display_name": "Nia",
            "password": "short",
            "confirm": "short",
        },
        headers=WELSH,
    )
    assert _field_errors(_text(weak))["password"] == (
        "Gwall:",
        "Rhaid i’r cyfrinair fod yn 10 nod o leiaf",
    )

    done = client.post(
        "/accounts/register",
        data={
            "csrf_token": token,
            "email": "nia@example.org",
            "display_name": "Nia",
            "password": "a-Strong-test-passw0rd",
            "confirm": "a-Strong-test-passw0rd",
        },
        headers=WELSH,
    )
    assert done.status_code == 302 and done.headers["Location"].endswith("/register/check-email")
    after = _text(client.get(done.headers["Location"], headers=WELSH))
    assert "Gwiriwch eich e-bost" in after and "Check your email" not in after
    # the account keeps the language it was made in, and its first mail is in it
    nia = db.session.scalar(select(User).where(User.email == "nia@example.org"))
    assert nia.locale == "cy"
    assert [m.subject for m in messages_to("nia@example.org")] == [
        "Cadarnhewch eich cyfeiriad e-bost ar gyfer Civic"
    ]


def test_an_english_visitor_still_registers_in_english(client):
    refused = post_form(client, "/accounts/register", {"email": "", "display_name": "Sam"})
    page = _text(refused)
    assert "Enter your email address" in page and "Rhowch eich" not in page
    assert "There is a problem" in page


def test_wtforms_own_messages_are_in_welsh_too(client):
    """WTForms' built-in messages come from its catalogue (Flask-WTF, WTF_I18N_ENABLED)."""
    sam = UserFactory(locale="cy")
    login(client, sam)
    token = csrf_token(client, "/accounts/delete")
    refused = client.post(
        "/accounts/delete",
        data={"csrf_token": token, "comments": "burn-them", "password": "x"},
    )
    assert refused.status_code == 422
    page = _text(refused)
    assert "Nid yw hwn yn ddewis dilys" in page and "Not a valid choice" not in page


def test_a_signed_in_resident_redeems_a_letter_code_in_welsh(client):
    moderator = ModeratorFactory()
    area = AreaFactory(name="Glan yr Afon")
    _, codes = services.generate_codes(moderator, area, count=2, valid_days=30)
    nia = UserFactory(locale="cy")  # her saved choice: no header, no cookie needed
    login(client, nia)

    page = _text(client.get("/accounts/eligibility"))
    assert '<html lang="cy"' in page
    assert "Defnyddio’r cod o’ch llythyr" in page and "Use the code from your letter" not in page
    assert "Ni allwch bleidleisio mewn unrhyw ardal eto." in page

    bad = post_form(client, "/accounts/eligibility", {"code": "7K2M-Q9XD-4HPA"})
    assert bad.status_code == 422
    assert _field_errors(_text(bad))["code"] == (
        "Gwall:",
        "Nid ydym yn adnabod y cod hwn: gwiriwch ef yn erbyn eich llythyr",
    )
    good = post_form(client, "/accounts/eligibility", {"code": display(codes[0])})
    assert good.status_code == 302
    after = _text(client.get("/accounts/eligibility"))
    assert "Gallwch gymryd rhan yn Glan yr Afon nawr." in after  # the flash, in Welsh
    assert "Gallwch bleidleisio a chymryd rhan yn:" in after
    assert "cod llythyr" in after
    today = utcnow()
    welsh_month = ["Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai", "Mehefin", "Gorffennaf",
                   "Awst", "Medi", "Hydref", "Tachwedd", "Rhagfyr"][today.month - 1]  # fmt: skip
    assert f"{today.day} {welsh_month} {today.year}" in after  # the date it was granted

    again = post_form(client, "/accounts/eligibility", {"code": display(codes[0])})
    said = _field_errors(_text(again))["code"][1]
    assert said.startswith("Defnyddiwyd y cod hwn eisoes gennych chi ar ")
    assert db.session.scalar(select(func.count()).select_from(Eligibility)) == 1


def test_an_expired_code_says_its_date_in_welsh(client):
    moderator = ModeratorFactory()
    area = AreaFactory()
    batch, codes = services.generate_codes(moderator, area, count=1, valid_days=30)
    batch.expires_at = utcnow() - timedelta(days=3)
    db.session.flush()
    login(client, UserFactory(locale="cy"))
    refused = post_form(client, "/accounts/eligibility", {"code": display(codes[0])})
    message = _field_errors(_text(refused))["code"][1]
    assert message.startswith("Daeth y cod hwn i ben ar ") and "ask for a new letter" not in message


def test_home_your_areas_and_the_language_setting_in_welsh(client):
    AreaFactory(name="Glan yr Afon")
    home = _text(client.get("/", headers=WELSH))
    assert "Cael dweud eich dweud go iawn am eich gwasanaethau cyhoeddus" in home
    assert "Have a real say" not in home
    assert "0 grŵp cymdogaeth" in home  # ngettext, not "0 neighbourhood groups"

    login(client, UserFactory(locale="cy"))
    mine = _text(client.get("/me"))
    assert '<h1 class="govuk-heading-xl">Eich ardaloedd</h1>' in mine
    assert "Ni allwch bleidleisio mewn unrhyw ardal eto." in mine
    # the account's own settings carry the language choice (the header switch does too)
    assert 'action="/language/en"' in mine
    assert 'Defnyddio <span lang="en-GB">English</span>' in mine
    token = csrf_token(client, "/me")
    client.post("/language/en", data={"csrf_token": token, "next": "/me"})
    assert '<h1 class="govuk-heading-xl">Your areas</h1>' in _text(client.get("/me"))


def test_search_and_error_pages_in_welsh(client):
    search = _text(client.get("/search?q=llyfrgell", headers=WELSH))
    assert "Geiriau i chwilio amdanynt" in search and "Words to search for" not in search
    assert "Dim canlyniadau ar gyfer “llyfrgell”" in search  # the status line, in Welsh
    assert "Pleidleisiau cyhoeddus" in search  # the kinds in the filter
    too_long = client.get("/search?q=" + "a" * 500, headers=WELSH)
    assert too_long.status_code in (200, 422)
    assert "Chwiliwch am ddim mwy na" in _text(too_long)

    missing = client.get("/no-such-page", headers=WELSH)
    assert missing.status_code == 404
    page = _text(missing)
    assert "Heb ddod o hyd i’r dudalen" in page and "Page not found" not in page
    assert "Gwall 404" in page


def test_an_ineligible_resident_is_pointed_to_your_areas_in_welsh(app):
    """NotEligible, not the words of a message, says the refusal is about eligibility."""
    from flask_login import login_user

    from civic import web
    from civic.errors import NotEligible, PermissionDenied

    nia = UserFactory(locale="cy")
    with app.test_request_context("/votes/1", headers=WELSH):
        login_user(nia)
        refused = web._service_error(NotEligible("Dim ond trigolion sy’n gallu pleidleisio."))
        page = refused.get_data(as_text=True)
        assert refused.status_code == 403
        assert "Ewch i Eich ardaloedd" in page and 'href="/accounts/eligibility"' in page
        other = web._service_error(PermissionDenied("Dim ond cymedrolwyr.")).get_data(as_text=True)
        assert "Ewch i Eich ardaloedd" not in other


def test_your_data_and_delete_pages_in_welsh(client):
    login(client, UserFactory(locale="cy"))
    data = _text(client.get("/accounts/data"))
    assert '<h1 class="govuk-heading-l">Eich data</h1>' in data
    assert "Grwpiau rydych yn perthyn iddynt" in data  # a section title from data_rights
    assert "Groups you belong to" not in data
    delete = _text(client.get("/accounts/delete"))
    assert "Ni ellir dadwneud hyn." in delete and "This cannot be undone." not in delete
    assert "Beth ddylai ddigwydd i’ch sylwadau cyhoeddus?" in delete
