"""A consultation's answers cannot single people out: it cannot open with fewer possible
respondents than MIN_ELECTORATE; nothing about how people answered is shown while it is open
(moderators included); after the close, per-option counts and the CSV need at least that
many responses; and free text is published only after a moderator's redaction review,
apart from the rest of each response, with an audit entry that never holds the original."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from civic.audit.models import AuditEntry
from civic.consultations import services
from civic.consultations.models import Audience, ConsultationState, FreeTextReview
from civic.errors import Conflict, ValidationFailed
from civic.extensions import db
from civic.privacy import ElectorateTooSmall
from tests.budgets.rounds_helpers import resident_of
from tests.conftest import csrf_token, login
from tests.consultations.helpers import make_consultation
from tests.factories import UserFactory


@pytest.fixture
def minimum(app, monkeypatch):
    monkeypatch.setitem(app.config, "MIN_ELECTORATE", 10)
    return 10


def _open(residents: int = 12):
    """An open consultation whose area has `residents` eligible people."""
    consultation, moderator, q = make_consultation(open_=False)
    for _ in range(residents):
        resident_of(consultation.area)
    services.open_consultation(moderator, consultation)
    return consultation, moderator, q


def _respond(consultation, q, people: int, text=lambda n: f"Answer number {n}"):
    for n in range(people):
        services.save_response(
            resident_of(consultation.area),
            consultation,
            {q["single"].id: str(n % 2), q["scale"].id: "4", q["free_text"].id: text(n)},
            submit=True,
        )


# --- opening ----------------------------------------------------------------------------


def test_a_residents_consultation_cannot_open_below_the_minimum(minimum):
    consultation, moderator, _ = make_consultation(open_=False)
    for _ in range(minimum - 1):
        resident_of(consultation.area)
    with pytest.raises(ElectorateTooSmall, match="Only 9 people are eligible"):
        services.open_consultation(moderator, consultation)
    assert consultation.state is ConsultationState.DRAFT
    resident_of(consultation.area)
    services.open_consultation(moderator, consultation)
    assert consultation.state is ConsultationState.OPEN


def test_an_anyone_signed_in_consultation_counts_every_active_account(app, minimum):
    consultation, moderator, _ = make_consultation(open_=False, audience=Audience.SIGNED_IN)
    active = db.session.scalar(select(func.count()).select_from(type(moderator)))
    app.config["MIN_ELECTORATE"] = active + 1
    with pytest.raises(ElectorateTooSmall, match="everyone with an account"):
        services.open_consultation(moderator, consultation)
    UserFactory()
    services.open_consultation(moderator, consultation)


def test_the_refusal_is_shown_by_the_open_button(client, minimum):
    consultation, moderator, _ = make_consultation(open_=False)
    login(client, moderator)
    url = f"/consultations/{consultation.id}/build"
    response = client.post(
        f"/consultations/{consultation.id}/state",
        data={"csrf_token": csrf_token(client, url), "action": "open"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    by_button = page.split('<p id="state-error" class="govuk-error-message"', 1)[1]
    assert "Only 0 people are eligible" in by_button.split("</p>", 1)[0]


# --- while open -------------------------------------------------------------------------


def test_nothing_about_the_answers_is_shown_while_open_even_to_moderators(client, minimum):
    consultation, moderator, q = _open(15)
    _respond(consultation, q, 12)
    cid = consultation.id
    detail = client.get(f"/consultations/{cid}").get_data(as_text=True)
    assert "At least 10" in detail and ">12<" not in detail
    login(client, moderator)
    for path in (
        f"/consultations/{cid}/analysis",
        f"/consultations/{cid}/responses.csv",
        f"/consultations/{cid}/free-text",
        f"/api/v1/consultations/{cid}/results",
    ):
        assert client.get(path).status_code == 403, path
    assert client.get(f"/consultations/{cid}/free-text/review").status_code == 409
    # a moderator sees the turnout on the builder, nothing more
    build = client.get(f"/consultations/{cid}/build").get_data(as_text=True)
    assert "Responses submitted so far: 12." in build


# --- after the close --------------------------------------------------------------------


def test_below_the_minimum_only_the_count_is_published(client, minimum):
    consultation, moderator, q = _open()
    _respond(consultation, q, 9)
    services.close_consultation(moderator, consultation, reason="Closed early for the test")
    cid = consultation.id
    page = client.get(f"/consultations/{cid}/analysis").get_data(as_text=True)
    assert "9 submitted responses" in page and "Only 9 responses were submitted" in page
    assert "<svg" not in page and "Share of answers" not in page
    data = client.get(f"/api/v1/consultations/{cid}/results").get_json()
    assert data["responses"] == 9 and data["questions"] is None and "Only 9" in data["withheld"]
    as_csv = client.get(f"/consultations/{cid}/responses.csv")
    assert as_csv.status_code == 404 and "Only 9 responses" in as_csv.get_data(as_text=True)
    free = client.get(f"/consultations/{cid}/free-text").get_data(as_text=True)
    assert "Free-text answers are not published. Only 9" in free


def test_at_the_minimum_counts_and_a_csv_without_free_text_are_published(client, minimum):
    consultation, moderator, q = _open()
    _respond(consultation, q, 10)
    services.close_consultation(moderator, consultation, reason="Closed early for the test")
    cid = consultation.id
    page = client.get(f"/consultations/{cid}/analysis").get_data(as_text=True)
    assert "<svg" in page and "50%" in page and "Answer number" not in page
    data = client.get(f"/api/v1/consultations/{cid}/results").get_json()
    single = next(x for x in data["questions"] if x["kind"] == "single")
    assert [o["count"] for o in single["options"]] == [5, 5]
    rows = list(csv.reader(io.StringIO(client.get(f"/consultations/{cid}/responses.csv").text)))
    assert len(rows) == 11 and not any("Anything else?" in h for h in rows[0])
    assert "Answer number" not in str(rows)
    body = [r[1:] for r in rows[1:]]
    assert body == sorted(body)  # ordered by the answers, not by when they came in


# --- free text: redaction review --------------------------------------------------------


def _closed_with_answers(minimum: int):
    consultation, moderator, q = _open()
    texts = {
        0: "Zebra crossing by the school",
        1: "I am Jo Bloggs at 4 Elm Row and the bins are late",
        2: "My neighbour at number 6 is a menace",
    }
    _respond(consultation, q, minimum, text=lambda n: texts.get(n, f"Answer number {n}"))
    services.close_consultation(moderator, consultation, reason="Closed early for the test")
    queue = {i.text: i.answer_id for i in services.review_queue(moderator, consultation)}
    return consultation, moderator, queue, texts


def test_only_reviewed_free_text_is_published_apart_and_in_a_fixed_order(client, minimum):
    consultation, moderator, queue, texts = _closed_with_answers(minimum)
    services.review_free_text(moderator, consultation, queue[texts[0]], "publish")
    services.review_free_text(
        moderator,
        consultation,
        queue[texts[1]],
        "redact",
        "I am [name removed] at [address removed] and the bins are late",
    )
    services.review_free_text(moderator, consultation, queue[texts[2]], "withhold")
    services.review_free_text(moderator, consultation, queue["Answer number 3"], "publish")

    page = client.get(f"/consultations/{consultation.id}/free-text").get_data(as_text=True)
    shown = [s.split("</p>", 1)[0] for s in page.split('civic-prewrap">')[1:]]
    assert shown == [
        "Answer number 3",
        "I am [name removed] at [address removed] and the bins are late",
        "Zebra crossing by the school",
    ]
    assert "Jo Bloggs" not in page and "menace" not in page and "Answer number 4" not in page
    # nothing on the page points back to an answer or a response
    assert 'id="answer-' not in page and "/answers/" not in page and "responses.csv" not in page


def test_the_audit_entry_of_a_review_never_holds_the_original_text(minimum):
    consultation, moderator, queue, texts = _closed_with_answers(minimum)
    before = db.session.scalar(select(func.max(AuditEntry.seq)))
    services.review_free_text(
        moderator, consultation, queue[texts[1]], "redact", "I am [name removed]"
    )
    services.review_free_text(moderator, consultation, queue[texts[2]], "withhold")
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.seq > before)).all()
    assert [e.action for e in entries] == ["consultation:free_text_review"] * 2
    for entry in entries:
        body = entry.body.decode()
        assert "Bloggs" not in body and "Elm Row" not in body and "menace" not in body
    assert '"decision":"withhold"' in entries[1].body.decode()


def test_a_review_is_refused_before_the_close_and_checks_its_input(minimum):
    consultation, moderator, q = _open()
    _respond(consultation, q, 1)
    answer_id = services.review_queue(moderator, consultation)[0].answer_id
    with pytest.raises(Conflict):
        services.review_free_text(moderator, consultation, answer_id, "publish")
    services.close_consultation(moderator, consultation, reason="Closed early for the test")
    with pytest.raises(ValidationFailed) as refused:
        services.review_free_text(moderator, consultation, answer_id, "redact", "  ")
    assert f"answer-{answer_id}-text" in refused.value.errors
    with pytest.raises(ValidationFailed):
        services.review_free_text(moderator, consultation, answer_id, "bogus")
    with pytest.raises(ValidationFailed, match="unchanged"):
        services.review_free_text(moderator, consultation, answer_id, "redact", "Answer number 0")
    resident = resident_of(consultation.area)
    with pytest.raises(Exception, match="moderators"):
        services.review_free_text(resident, consultation, answer_id, "publish")
    assert db.session.scalar(select(func.count()).select_from(FreeTextReview)) == 0


def test_the_review_queue_per_role(client, minimum):
    consultation, moderator, queue, texts = _closed_with_answers(minimum)
    cid = consultation.id
    url = f"/consultations/{cid}/free-text/review"
    post = f"/consultations/{cid}/free-text/{queue[texts[2]]}/review"
    # anonymous: sent to sign in; nothing written
    assert client.get(url).status_code == 302
    assert client.post(post, data={"decision": "publish"}).status_code in (302, 400)
    # a resident: refused
    resident = resident_of(consultation.area)
    login(client, resident)
    assert client.get(url).status_code == 403
    token = csrf_token(client, f"/consultations/{cid}")
    refused = client.post(post, data={"csrf_token": token, "decision": "publish"})
    assert refused.status_code == 403 and "menace" not in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(FreeTextReview)) == 0
    client.post("/accounts/sign-out", data={"csrf_token": token})
    # a moderator: the queue, with what needs reviewing
    login(client, moderator)
    page = client.get(url).get_data(as_text=True)
    assert "10 of 10 answers still to review." in page and "menace" in page
    # a redaction without text: the page again, the error by the box, the choice kept
    bad = client.post(post, data={"csrf_token": csrf_token(client, url), "decision": "redact"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and f'href="#answer-{queue[texts[2]]}-text"' in text
    assert f'id="answer-{queue[texts[2]]}-text-error"' in text
    assert 'value="redact" checked' in text
    good = client.post(post, data={"csrf_token": csrf_token(client, url), "decision": "withhold"})
    assert good.status_code == 302
    assert "9 of 10 answers still to review." in client.get(url).get_data(as_text=True)
    review = db.session.scalar(select(FreeTextReview))
    assert review.decision.value == "withhold" and review.reviewed_by_id == moderator.id
