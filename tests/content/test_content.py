"""What moderators write, in Welsh and English: the fallback marked with lang attributes,
the moderators' page, who may use it, and easy read shown first (issue 17)."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from civic.audit.models import AuditEntry
from civic.content import services
from civic.content.models import ContentTranslation
from civic.errors import PermissionDenied, ValidationFailed
from civic.extensions import db
from civic.votes.models import ProposalState
from tests.budgets.rounds_helpers import make_round, resident_of
from tests.conftest import csrf_token, login
from tests.consultations.helpers import make_consultation
from tests.queries import statements
from tests.votes.helpers import make_proposal

WELSH = {"Accept-Language": "cy"}
NOTE_CY = "Nid oes fersiwn Gymraeg eto: dyma’r Saesneg."
TITLE_CY = "Allanoli’r ganolfan hamdden"
CASE_CY = "Ôl-groniad atgyweirio o £2m na all y cyngor ei ariannu"


def _key(obj, field: str, kind: str = "proposal") -> str:
    return f"{kind}-{obj.id}-{field}"


def _welsh_proposal():
    proposal, moderator, area = make_proposal(ProposalState.CONSULTATION)
    services.set_translations(
        moderator,
        proposal,
        "cy",
        {
            _key(proposal, "title"): TITLE_CY,
            _key(proposal, "public_interest_case"): CASE_CY,
        },
    )
    db.session.commit()
    return proposal, moderator, area


def _page(client, url: str, headers=None) -> str:
    response = client.get(url, headers=headers or {})
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_a_welsh_page_shows_the_welsh_version_with_lang_cy(client):
    proposal, _moderator, _area = _welsh_proposal()
    page = _page(client, f"/votes/{proposal.id}", WELSH)
    assert re.search(
        r'<h1 class="govuk-heading-l"><span lang="cy">Allanoli’r ganolfan hamdden</span></h1>', page
    )
    assert f'<span lang="cy">{CASE_CY}</span>' in page
    assert "Repairs backlog of £2m" not in page
    assert f"<title>{TITLE_CY}" in page


def test_a_missing_translation_shows_the_original_marked_with_its_language(client):
    proposal, _moderator, _area = _welsh_proposal()
    page = _page(client, f"/votes/{proposal.id}", WELSH)
    # the performance has no Welsh: the English, in an element that says so, with the note
    fallback = '<span lang="en-GB">Pool closed 14 days last year</span>'
    assert fallback in page
    note_then_text = re.search(
        r'<span class="civic-content-note">([^<]+)</span><span lang="en-GB">Pool closed', page
    )
    assert note_then_text and note_then_text.group(1) == NOTE_CY
    assert '<html lang="cy"' in page


def test_an_english_page_shows_the_original_without_marks(client):
    proposal, _moderator, _area = _welsh_proposal()
    page = _page(client, f"/votes/{proposal.id}", {"Accept-Language": "en"})
    assert '<h1 class="govuk-heading-l">Outsource the leisure centre</h1>' in page
    assert "Repairs backlog of £2m the council cannot fund" in page
    assert "civic-content-note" not in page
    assert TITLE_CY not in page


def test_a_moderator_edits_the_welsh_side_by_side_with_the_original(client):
    proposal, moderator, _area = make_proposal(ProposalState.CONSULTATION)
    db.session.commit()
    login(client, moderator)
    url = f"/content/proposal/{proposal.id}/translate/cy"
    page = _page(client, url)
    assert (
        f'id="proposal-{proposal.id}-public_interest_case-original" lang="en-GB">Repairs backlog'
        in page
    )
    assert f'name="{_key(proposal, "public_interest_case")}"' in page
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            _key(proposal, "title"): TITLE_CY,
            _key(proposal, "public_interest_case"): CASE_CY,
            _key(proposal, "current_performance"): "",
        },
    )
    assert response.status_code == 302
    rows = db.session.scalars(
        select(ContentTranslation).where(ContentTranslation.subject_id == proposal.id)
    ).all()
    assert {(r.field, r.language, r.text) for r in rows} == {
        ("title", "cy", TITLE_CY),
        ("public_interest_case", "cy", CASE_CY),
    }
    logged = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "content:translate")
    ).all()
    data = [json.loads(e.body)["data"] for e in logged]
    assert {d["field"] for d in data} == {"title", "public_interest_case"}
    assert services.sha256(CASE_CY) in {d["sha256"] for d in data}
    # the saved text is on the form when the moderator comes back
    assert CASE_CY in _page(client, url)
    # and on the public page in Welsh
    assert TITLE_CY in _page(client, f"/votes/{proposal.id}", WELSH)


def test_saving_again_unchanged_records_nothing_and_emptying_removes(client):
    proposal, moderator, _area = _welsh_proposal()
    before = db.session.scalar(select(db.func.count(AuditEntry.seq)))
    changed = services.set_translations(
        moderator, proposal, "cy", {_key(proposal, "title"): TITLE_CY}
    )
    assert changed == 0
    assert services.set_translations(moderator, proposal, "cy", {_key(proposal, "title"): " "}) == 1
    db.session.commit()
    assert db.session.scalar(select(db.func.count(AuditEntry.seq))) == before + 1
    page = _page(client, f"/votes/{proposal.id}", WELSH)
    assert (
        '<h1 class="govuk-heading-l"><span lang="en-GB">Outsource the leisure centre</span></h1>'
        in page
    )


def test_too_long_a_welsh_title_is_refused_by_the_field_keeping_the_input(client):
    proposal, moderator, _area = make_proposal(ProposalState.CONSULTATION)
    db.session.commit()
    login(client, moderator)
    url = f"/content/proposal/{proposal.id}/translate/cy"
    long_title = "Teitl " * 50
    response = client.post(
        url, data={"csrf_token": csrf_token(client, url), _key(proposal, "title"): long_title}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "govuk-error-summary" in page
    assert f'href="#{_key(proposal, "title")}"' in page
    assert f'id="{_key(proposal, "title")}-error"' in page
    assert long_title.strip() in page
    assert db.session.scalar(select(db.func.count(ContentTranslation.id))) == 0


def test_the_original_language_and_unknown_fields_are_refused(app):
    proposal, moderator, _area = make_proposal()
    with pytest.raises(ValidationFailed):
        services.set_translations(moderator, proposal, "en", {_key(proposal, "title"): "x"})
    with pytest.raises(ValidationFailed):
        services.set_translations(moderator, proposal, "fr", {_key(proposal, "title"): "x"})
    with pytest.raises(ValidationFailed):
        services.set_translations(moderator, proposal, "cy", {"proposal-999-title": "x"})


@pytest.mark.parametrize("who", ["resident", "anonymous"])
def test_residents_cannot_translate_or_write_easy_read(client, who):
    proposal, _moderator, area = make_proposal(ProposalState.CONSULTATION)
    resident = resident_of(area)
    with pytest.raises(PermissionDenied):
        services.set_translations(resident, proposal, "cy", {_key(proposal, "title"): "x"})
    with pytest.raises(PermissionDenied):
        services.set_easy_read(resident, proposal, "x")
    db.session.commit()
    if who == "resident":
        login(client, resident)
    for url in (
        f"/content/proposal/{proposal.id}/translate/cy",
        f"/content/proposal/{proposal.id}/easy-read",
    ):
        got = client.get(url)
        assert got.status_code == (403 if who == "resident" else 302)
        token = csrf_token(client)
        posted = client.post(url, data={"csrf_token": token, _key(proposal, "title"): "x"})
        assert posted.status_code == (403 if who == "resident" else 302)
    assert db.session.scalar(select(db.func.count(ContentTranslation.id))) == 0
    assert proposal.easy_read == ""


def _easy_read_first(page: str, after_h1_marker: str) -> None:
    """The easy-read box comes straight after the <h1>, before the page's other content."""
    h1 = page.index("</h1>")
    box = page.index('id="easy-read"')
    assert h1 < box < page.index(after_h1_marker)
    assert "Short and plain." in page[box : box + 600]


def test_easy_read_is_shown_first_on_a_proposal(client):
    proposal, moderator, _area = make_proposal(ProposalState.CONSULTATION)
    services.set_easy_read(moderator, proposal, "Short and plain.")
    db.session.commit()
    _easy_read_first(_page(client, f"/votes/{proposal.id}"), 'id="current"')


def test_easy_read_is_shown_first_on_a_consultation_and_a_round(client):
    consultation, moderator, _questions = make_consultation()
    services.set_easy_read(moderator, consultation, "Short and plain.")
    round_, _round_moderator, _projects = make_round()
    services.set_easy_read(moderator, round_, "Short and plain.")
    db.session.commit()
    _easy_read_first(_page(client, f"/consultations/{consultation.id}"), "civic-markdown")
    _easy_read_first(_page(client, f"/budgets/{round_.slug}"), "govuk-summary-list")


def test_easy_read_has_a_welsh_version_or_is_marked(client):
    proposal, moderator, _area = make_proposal(ProposalState.CONSULTATION)
    services.set_easy_read(moderator, proposal, "Short and plain.")
    db.session.commit()
    page = _page(client, f"/votes/{proposal.id}", WELSH)
    box = page[page.index('id="easy-read"') :]
    assert NOTE_CY in box[:800]
    assert 'lang="en-GB">Short and plain.' in box
    services.set_translations(
        moderator, proposal, "cy", {_key(proposal, "easy_read"): "Byr a syml."}
    )
    db.session.commit()
    page = _page(client, f"/votes/{proposal.id}", WELSH)
    box = page.split('id="easy-read"', 1)[1].split("</section>", 1)[0]
    assert 'lang="cy">Byr a syml.' in box
    assert NOTE_CY not in box


def test_a_moderator_writes_the_easy_read_summary(client):
    proposal, moderator, _area = make_proposal(ProposalState.CONSULTATION)
    db.session.commit()
    login(client, moderator)
    url = f"/content/proposal/{proposal.id}/easy-read"
    too_long = "word " * 200
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "easy_read": too_long})
    assert response.status_code == 422
    assert 'id="easy_read-error"' in response.get_data(as_text=True)
    assert proposal.easy_read == ""
    response = client.post(
        url, data={"csrf_token": csrf_token(client, url), "easy_read": "Short and plain."}
    )
    assert response.status_code == 302
    db.session.refresh(proposal)
    assert proposal.easy_read == "Short and plain."
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "content:easy_read"))
    assert json.loads(entry.body)["data"]["sha256"] == services.sha256("Short and plain.")


def test_a_consultations_questions_and_options_in_welsh(client):
    consultation, moderator, questions = make_consultation()
    single = questions["single"]
    fields = {
        f"consultation-{consultation.id}-summary": "Sut dylid casglu biniau?",
        f"consultation_question-{single.id}-text": "Pa mor aml?",
        f"consultation_question-{single.id}-option.0": "Bob wythnos",
    }
    services.set_translations(moderator, consultation, "cy", fields)
    resident = resident_of(consultation.area)
    db.session.commit()
    page = _page(client, f"/consultations/{consultation.id}", WELSH)
    assert (
        '<div class="govuk-body civic-markdown" lang="cy"><p>Sut dylid casglu biniau?</p>' in page
    )
    login(client, resident)
    page = _page(client, f"/consultations/{consultation.id}/respond", WELSH)
    assert '<span lang="cy">Pa mor aml?</span>' in page
    assert '<span lang="cy">Bob wythnos</span>' in page
    # the second option has no Welsh: English, marked with its language
    assert '<span lang="en-GB">Fortnightly</span>' in page
    # a question without Welsh stays English, in its own language
    assert '<span lang="en-GB">Which bins?</span>' in page


def test_the_translate_page_lists_every_question_and_option(client):
    consultation, moderator, questions = make_consultation()
    db.session.commit()
    login(client, moderator)
    page = _page(client, f"/content/consultation/{consultation.id}/translate/cy")
    for q in questions.values():
        assert f'name="consultation_question-{q.id}-text"' in page
    assert f'name="consultation_question-{questions["ranking"].id}-option.2"' in page
    assert client.get(f"/content/consultation/{consultation.id}/translate/en").status_code == 404
    assert client.get("/content/petition/1/translate/cy").status_code == 404
    assert client.get("/content/proposal/999999/translate/cy").status_code == 404


def test_english_pages_read_no_translations(client):
    """An English page of an English subject never queries the translations."""
    proposal, _moderator, _area = _welsh_proposal()
    with statements() as seen:
        _page(client, f"/votes/{proposal.id}", {"Accept-Language": "en"})
    assert seen
    assert not [s for s in seen if "content_translation" in s]


def test_a_subject_written_in_welsh_is_marked_on_an_english_page(client):
    proposal, moderator, _area = make_proposal(ProposalState.CONSULTATION)
    proposal.language = "cy"
    proposal.title = "Allanoli’r ganolfan hamdden"
    services.set_translations(
        moderator, proposal, "en", {_key(proposal, "public_interest_case"): "In English"}
    )
    db.session.commit()
    page = _page(client, f"/votes/{proposal.id}", {"Accept-Language": "en"})
    assert (
        '<h1 class="govuk-heading-l"><span lang="cy">Allanoli’r ganolfan hamdden</span></h1>'
        in page
    )
    assert "There is no English version yet: this is the Welsh." in page
    assert '<span lang="en-GB">In English</span>' in page
    with pytest.raises(ValidationFailed):
        services.set_translations(moderator, proposal, "cy", {_key(proposal, "title"): "x"})
