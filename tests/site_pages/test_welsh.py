"""The site pages in Welsh (issue 17): Welsh defaults with their settings filled in, a Welsh
version per page that administrators save apart from the English, and the English shown
to Welsh readers, marked as English, once the council has changed it after the Welsh."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from civic.audit.models import AuditEntry
from civic.errors import NotFound
from civic.extensions import db
from civic.site_pages import services
from civic.site_pages.models import SitePageVersion
from tests.conftest import csrf_token, login, on_postgres, post_form
from tests.factories import AdminFactory, ModeratorFactory, UserFactory

NOTE = "Nid oes fersiwn Gymraeg eto: dyma’r Saesneg."

# path, Welsh title, phrases only the Welsh default says, the settings it must show filled
WELSH_PAGES = [
    (
        "/privacy",
        "Hysbysiad preifatrwydd",
        ["rheolydd data", "tasg gyhoeddus", "ico.org.uk", "Eich hawliau"],
        ["Y cyngor sy’n rhedeg y wefan hon yw’r rheolydd data", "365 diwrnod"],
    ),
    (
        "/accessibility",
        "Datganiad hygyrchedd",
        ["Gweithdrefn orfodi", "WCAG", "axe-core", "Statws cydymffurfio"],
        ["cysylltwch â swyddog diogelu data’r cyngor"],
    ),
    (
        "/cookies",
        "Cwcis",
        ["civic_device", "Y cwcis y mae Civic yn eu gosod", "Ar ôl 180 diwrnod"],
        ["12 awr ar y mwyaf"],
    ),
    (
        "/petitions/rules",
        "Rheolau deisebau",
        ["Beth rydym yn ei wrthod", "cymedrolwr"],
        ["o fewn 10 diwrnod", "am 180 diwrnod", "o fewn 30 diwrnod"],
    ),
]


def _welsh(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "cy-GB,cy;q=0.9,en;q=0.5"
    return client


def _body(html: str) -> str:
    """The page's text block and what is right before it (the note), up to the end."""
    return html.split('<h1 class="govuk-heading-l">', 1)[1]


def _content_tag(html: str) -> str:
    match = re.search(r'<div class="civic-site-page"[^>]*>', html)
    assert match, "no site page content"
    return match.group(0)


@pytest.mark.parametrize(("path", "title", "says", "filled"), WELSH_PAGES)
def test_each_page_in_welsh_shows_its_welsh_default_with_the_settings_filled(
    client, path, title, says, filled
):
    html = _welsh(client).get(path).get_data(as_text=True)
    assert '<html lang="cy"' in html
    assert f">{title}</h1>" in html
    for phrase in says + filled:
        assert phrase in html, phrase
    body = _body(html)
    assert "$" not in body  # no placeholder left unfilled
    assert "lang=" not in _content_tag(html)  # Welsh in a Welsh page: no lang of its own
    assert NOTE not in html
    # and the English page still shows the English default
    english = client.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="en-GB"' in english and "Hysbysiad" not in _body(english)


def test_every_welsh_default_has_the_structure_and_placeholders_of_the_english():
    for slug in services.PAGES:
        english = (services.DEFAULTS / f"{slug}.md").read_text(encoding="utf-8")
        welsh = (services.DEFAULTS / "cy" / f"{slug}.md").read_text(encoding="utf-8")

        def shape(text: str) -> tuple:
            lines = text.splitlines()
            return (
                [line.split(" ", 1)[0] for line in lines if line.startswith("#")],
                sum(line.startswith("- ") for line in lines),
                sum(line.startswith("|") for line in lines),
                sorted(re.findall(r"\$\w+", text)),
                sorted(re.findall(r"\]\(([^)]+)\)", text)),  # the same link targets
                sorted(re.findall(r"\d+(?:\.\d+)?", text)),  # the same facts and figures
            )

        assert shape(welsh) == shape(english), slug


def test_the_welsh_names_come_from_their_own_settings_or_the_english_ones(app):
    with app.test_request_context("/"):
        built_in = services.default_text("privacy", "cy")
        app.config["DATA_CONTROLLER"] = "Northgate Borough Council"
        try:
            # a council's own name is never translated by guesswork
            assert "Northgate Borough Council yw’r rheolydd data" in services.default_text(
                "privacy", "cy"
            )
            app.config["DATA_CONTROLLER_CY"] = "Cyngor Bwrdeistref Northgate"
            welsh = services.default_text("privacy", "cy")
            english = services.default_text("privacy", "en")
        finally:
            app.config["DATA_CONTROLLER"] = "The council that runs this site"
            app.config["DATA_CONTROLLER_CY"] = ""
    assert "Y cyngor sy’n rhedeg y wefan hon yw’r rheolydd data" in built_in
    assert "Cyngor Bwrdeistref Northgate yw’r rheolydd data" in welsh
    assert "Northgate Borough Council is the data controller" in english


def test_a_welsh_version_has_its_own_numbers_and_its_audit_entry_names_the_language():
    admin = AdminFactory()
    services.save_page(admin, "privacy", "English one.", based_on=0)
    services.save_page(admin, "privacy", "English two.", based_on=1)
    welsh = services.save_page(admin, "privacy", "Cymraeg un.", based_on=0, language="cy")
    assert (welsh.version, welsh.language) == (1, "cy")
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert entry.action == "site_page:update" and entry.subject_id == "privacy"
    data = json.loads(entry.body)["data"]
    assert b"Cymraeg" not in entry.body  # the hash, never the text
    assert (data["language"], data["version"]) == ("cy", 1)
    assert data["sha256"] == services.sha256("Cymraeg un.")
    assert [v.body for v in services.versions("privacy", "cy")] == ["Cymraeg un."]
    assert [v.version for v in services.versions("privacy")] == [2, 1]
    # the Welsh was saved last: each reader sees their own language
    assert services.get_page("privacy", "cy").body == "Cymraeg un."
    assert services.get_page("privacy", "en").body == "English two."
    assert not services.get_page("privacy", "cy").missing


def test_a_stale_welsh_edit_is_refused_by_the_welsh_numbers_only():
    admin = AdminFactory()
    services.save_page(admin, "cookies", "Cymraeg un.", based_on=0, language="cy")
    services.save_page(admin, "cookies", "English one.", based_on=0)  # its own line: allowed
    with pytest.raises(services.ValidationFailed):
        services.save_page(admin, "cookies", "Cymraeg arall.", based_on=0, language="cy")
    assert services.get_page("cookies", "cy").body == "English one."  # saved after the Welsh


def test_an_english_version_saved_after_the_welsh_stands_in_for_it_marked():
    admin = AdminFactory()
    services.save_page(admin, "privacy", "Cymraeg un.", language="cy")
    services.save_page(admin, "privacy", "Changed by the council.")
    page = services.get_page("privacy", "cy")
    assert (page.body, page.language, page.page_language, page.missing) == (
        "Changed by the council.",
        "en",
        "cy",
        True,
    )
    assert page.text.lang == "en-GB" and page.text.note  # the content module's note
    # a Welsh version saved after it takes its place again
    services.save_page(admin, "privacy", "Cymraeg dau.", language="cy")
    page = services.get_page("privacy", "cy")
    assert (page.body, page.language, page.missing, page.version) == (
        "Cymraeg dau.",
        "cy",
        False,
        2,
    )


def test_an_english_version_with_no_welsh_saved_replaces_the_welsh_default():
    """The default Welsh describes Civic's default English: once the council has its own
    English notice, the default Welsh may say something the council no longer does."""
    services.save_page(AdminFactory(), "accessibility", "Our own statement.")
    assert services.get_page("accessibility", "cy").body == "Our own statement."
    assert services.get_page("cookies", "cy").language == "cy"  # other pages untouched


def test_an_unknown_language_is_refused():
    with pytest.raises(NotFound):
        services.get_page("privacy", "fr")
    with pytest.raises(NotFound):
        services.save_page(AdminFactory(), "privacy", "Texte.", language="fr")
    assert db.session.scalar(select(SitePageVersion)) is None


def test_welsh_readers_see_the_english_marked_with_lang_and_the_note(client):
    admin = AdminFactory()
    services.save_page(admin, "privacy", "## Ein hysbysiad\n\nCymraeg un.", language="cy")
    db.session.commit()
    _welsh(client)
    html = client.get("/privacy").get_data(as_text=True)
    assert "Cymraeg un." in html and NOTE not in html
    assert "lang=" not in _content_tag(html)
    # English readers never see the Welsh version
    english = client.get("/privacy", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Cymraeg un." not in english and "data controller" in english
    services.save_page(admin, "privacy", "## Our notice\n\nThe council changed this.")
    db.session.commit()
    html = client.get("/privacy").get_data(as_text=True)
    assert '<html lang="cy"' in html
    assert _content_tag(html) == '<div class="civic-site-page" lang="en-GB">'
    body = _body(html)
    assert body.index(NOTE) < body.index("The council changed this.")
    assert "Cymraeg un." not in html
    assert ">Hysbysiad preifatrwydd</h1>" in html  # the site's own words stay Welsh


def test_the_petition_rules_page_marks_the_english_too(client):
    services.save_page(AdminFactory(), "petition_rules", "Our rules have changed.")
    db.session.commit()
    html = _welsh(client).get("/petitions/rules").get_data(as_text=True)
    assert _content_tag(html) == '<div class="civic-site-page" lang="en-GB">'
    assert NOTE in html and "Our rules have changed." in html


@pytest.mark.parametrize("language", ["en", "cy"])
@pytest.mark.parametrize("factory", [UserFactory, ModeratorFactory])
def test_residents_and_moderators_cannot_edit_either_language(client, factory, language):
    login(client, factory())
    path = f"/admin/pages/privacy/edit?language={language}"
    assert client.get(path).status_code == 403
    token = csrf_token(client, "/")
    response = client.post(path, data={"csrf_token": token, "body": "Hijacked", "based_on": "0"})
    assert response.status_code == 403
    assert db.session.scalar(select(SitePageVersion)) is None


@pytest.mark.parametrize("language", ["en", "cy"])
def test_visitors_are_sent_to_sign_in_for_either_language(client, language):
    response = client.get(f"/admin/pages/privacy/edit?language={language}")
    assert response.status_code == 302 and "/accounts/sign-in" in response.headers["Location"]
    token = csrf_token(client, "/accounts/sign-in")
    response = client.post(
        f"/admin/pages/privacy/edit?language={language}",
        data={"csrf_token": token, "body": "Hijacked", "based_on": "0"},
    )
    assert response.status_code == 302
    assert db.session.scalar(select(SitePageVersion)) is None


def test_an_administrator_saves_the_welsh_version_and_only_welsh_readers_see_it(client):
    login(client, AdminFactory())
    form = client.get("/admin/pages/cookies/edit?language=cy").get_data(as_text=True)
    assert "Y cwcis y mae Civic yn eu gosod" in form  # starts from the Welsh default
    assert re.search(r'<textarea[^>]*lang="cy"', form)
    assert 'aria-current="page">Welsh version<' in form
    assert 'href="/admin/pages/cookies/edit?language=en">English version<' in form
    response = post_form(
        client,
        "/admin/pages/cookies/edit?language=cy",
        {"body": "## Ein cwcis\n\nDim ond dau.", "based_on": "0"},
    )
    # the administrator reads in English: back to the Welsh edit page, with its version
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/pages/cookies/edit?language=cy"
    edit = client.get("/admin/pages/cookies/edit?language=cy").get_data(as_text=True)
    assert "Saved versions" in edit and 'name="based_on" type="hidden" value="1"' in edit
    row = db.session.scalar(select(SitePageVersion))
    assert (row.language, row.version) == ("cy", 1)
    english = client.get("/cookies").get_data(as_text=True)
    assert "Dim ond dau." not in english and "Last updated" not in english
    welsh = _welsh(client).get("/cookies").get_data(as_text=True)
    assert "Dim ond dau." in welsh and "(fersiwn 1)" in welsh


def test_the_edit_page_defaults_to_the_administrators_language_and_says_when_english_is_newer(
    client,
):
    admin = AdminFactory()
    services.save_page(admin, "privacy", "Cymraeg un.", language="cy")
    services.save_page(admin, "privacy", "Changed in English.")
    db.session.commit()
    login(client, admin)
    _welsh(client)
    page = client.get("/privacy").get_data(as_text=True)
    assert 'href="/admin/pages/privacy/edit?language=cy"' in page
    edit = client.get("/admin/pages/privacy/edit").get_data(as_text=True)
    assert "Cymraeg un." in edit  # the Welsh text to update, not the English on show
    assert 'id="english-is-newer"' in edit
    english_edit = client.get("/admin/pages/privacy/edit?language=en").get_data(as_text=True)
    assert 'id="english-is-newer"' not in english_edit and "Changed in English." in english_edit


def test_an_unknown_language_on_the_edit_page_is_not_found(client):
    login(client, AdminFactory())
    assert client.get("/admin/pages/privacy/edit?language=fr").status_code == 404


def test_bad_welsh_input_keeps_the_text_and_saves_nothing(client):
    login(client, AdminFactory())
    response = post_form(
        client, "/admin/pages/privacy/edit?language=cy", {"body": "  ", "based_on": "0"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "govuk-error-summary" in html and 'id="body-error"' in html
    assert db.session.scalar(select(SitePageVersion)) is None


def test_the_migration_makes_existing_versions_english(tmp_path):
    if on_postgres():
        pytest.skip("runs the migrations on a fresh SQLite file; CI's PostgreSQL is shared")
    from flask_migrate import downgrade, upgrade

    from civic import create_app

    url = f"sqlite:///{tmp_path / 'migrate.db'}"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(revision="0044_contests")
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "insert into site_page_version (slug, version, body, sha256, created_at) "
                    "values ('privacy', 1, 'Old text', 'x', '2026-01-01 00:00:00')"
                )
            )
        upgrade(revision="0045_site_page_language")
        with engine.begin() as connection:
            rows = connection.execute(
                sa.text("select slug, language, version from site_page_version")
            ).all()
            # the same number in the other language is allowed now
            connection.execute(
                sa.text(
                    "insert into site_page_version (slug, language, version, body, sha256, "
                    "created_at) values ('privacy', 'cy', 1, 'Cymraeg', 'y', "
                    "'2026-01-02 00:00:00')"
                )
            )
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
            connection.execute(
                sa.text(
                    "insert into site_page_version (slug, language, version, body, sha256, "
                    "created_at) values ('privacy', 'cy', 1, 'Eto', 'z', '2026-01-03 00:00:00')"
                )
            )
        downgrade(revision="0044_contests")
        with engine.connect() as connection:
            left = connection.execute(sa.text("select slug, version from site_page_version")).all()
        engine.dispose()
    assert [tuple(r) for r in rows] == [("privacy", "en", 1)]
    assert [tuple(r) for r in left] == [("privacy", 1)]  # the Welsh cannot go back: dropped
