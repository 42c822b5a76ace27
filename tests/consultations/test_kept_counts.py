"""A closed consultation's answer counts are kept (issue 16): stored at the close, equal to
a fresh count, and every later view of the analysis or the results API reads the stored
row instead of grouping tens of thousands of answers again."""

from __future__ import annotations

import re

from sqlalchemy import delete

from civic import frozen
from civic.consultations import counts, services
from civic.extensions import db
from civic.frozen.models import FrozenDownload
from tests.budgets.rounds_helpers import resident_of
from tests.consultations.helpers import make_consultation
from tests.queries import statements

ANSWER_TABLES = re.compile(r"\bconsultation_answer(_choice)?\b")


def _answered(n: int = 12):
    """A consultation with `n` submitted responses answering every kind of question."""
    consultation, moderator, q = make_consultation()
    for i in range(n):
        services.save_response(
            resident_of(consultation.area),
            consultation,
            {
                q["single"].id: str(i % 2),
                q["multiple"].id: [str(i % 3), str((i + 1) % 3)] if i % 4 else [str(i % 3)],
                q["scale"].id: str(1 + i % 5),
                q["ranking"].id: [str(i % 3), str((i + 1) % 3), str((i + 2) % 3)],
                q["free_text"].id: "Fewer bins",
            },
            submit=True,
        )
    return consultation, moderator, q


def _close(consultation, moderator) -> None:
    services.close_consultation(moderator, consultation, reason="Closed early in this test")
    db.session.commit()


def test_the_close_keeps_counts_equal_to_a_fresh_count() -> None:
    consultation, moderator, q = _answered()
    before = counts.count(consultation)
    _close(consultation, moderator)
    row = frozen.stored(services.frozen_subject(consultation), counts.NAME)
    assert row is not None, "the close stores the counts"
    kept = counts.AnswerCounts.from_json(row.body)
    assert kept == before == counts.count(consultation)
    assert kept.total == 12
    assert kept.questions[q["single"].id].counts == [6, 6]
    assert sum(kept.questions[q["scale"].id].counts) == 12
    assert any(kept.questions[q["ranking"].id].rank_points)


def _reads_answers(client, url: str) -> list[str]:
    with statements() as seen:
        response = client.get(url)
    assert response.status_code == 200
    # the answers and their choices (not the themes: tagging goes on after the close)
    return [s for s in seen if ANSWER_TABLES.search(s)]


def test_views_after_the_close_do_not_count_the_answers_again(client) -> None:
    consultation, moderator, _ = _answered()
    _close(consultation, moderator)
    for url in (
        f"/consultations/{consultation.id}/analysis",
        f"/api/v1/consultations/{consultation.id}/results",
    ):
        assert _reads_answers(client, url) == [], url


def test_a_consultation_closed_before_counts_were_kept_gets_them_on_its_first_view(
    client,
) -> None:
    consultation, moderator, _ = _answered()
    _close(consultation, moderator)
    data = client.get(f"/api/v1/consultations/{consultation.id}/results").get_json()
    subject = services.frozen_subject(consultation)
    db.session.execute(
        delete(FrozenDownload).where(
            FrozenDownload.subject == subject, FrozenDownload.name == counts.NAME
        )
    )
    db.session.commit()
    again = client.get(f"/api/v1/consultations/{consultation.id}/results").get_json()
    assert again == data
    assert frozen.stored(subject, counts.NAME) is not None
    single = next(x for x in data["questions"] if x["kind"] == "single")
    assert [o["count"] for o in single["options"]] == [6, 6] and data["responses"] == 12
    # and from then on the stored copy is read, not the answers
    assert _reads_answers(client, f"/consultations/{consultation.id}/analysis") == []


def test_the_kept_counts_are_no_download(client) -> None:
    consultation, moderator, _ = _answered()
    _close(consultation, moderator)
    assert client.get(f"/consultations/{consultation.id}/counts.json").status_code == 404
