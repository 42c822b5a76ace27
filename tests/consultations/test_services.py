"""Consultation builder, locking, responses of every kind, analysis against hand counts."""

from __future__ import annotations

import csv
import io
from fractions import Fraction

import pytest
from sqlalchemy import func, select

from civic import audit
from civic.audit.models import AuditEntry
from civic.consultations import services
from civic.consultations.models import ConsultationState, QuestionKind, Response
from civic.errors import Conflict, PermissionDenied, ValidationFailed
from civic.extensions import db
from tests.budgets.rounds_helpers import resident_of
from tests.consultations.helpers import make_consultation
from tests.factories import UserFactory


def _answer(consultation, q, *, single="0", multiple=(), scale="", ranking=(), text=""):
    return {
        q["single"].id: single,
        q["multiple"].id: list(multiple),
        q["scale"].id: scale,
        q["ranking"].id: list(ranking),
        q["free_text"].id: text,
    }


def test_builder_validates_questions_and_moves_them():
    consultation, moderator, q = make_consultation(open_=False)
    with pytest.raises(ValidationFailed, match="at least two options"):
        services.add_question(
            moderator, consultation, kind=QuestionKind.SINGLE, text="x", options=["a"]
        )
    with pytest.raises(ValidationFailed, match="different"):
        services.add_question(
            moderator, consultation, kind=QuestionKind.RANKING, text="x", options=["a", "a"]
        )
    services.move_question(moderator, q["free_text"], -1)
    assert [x.kind.value for x in consultation.questions] == [
        "single",
        "multiple",
        "scale",
        "free_text",
        "ranking",
    ]
    with pytest.raises(Conflict):
        services.move_question(moderator, consultation.questions[0], -1)
    with pytest.raises(PermissionDenied):
        services.add_question(UserFactory(), consultation, kind=QuestionKind.FREE_TEXT, text="x")


def test_questions_lock_at_the_first_response_but_late_ones_can_be_added():
    consultation, moderator, q = make_consultation()
    voter = resident_of(consultation.area)
    services.save_response(voter, consultation, _answer(consultation, q), submit=False)
    with pytest.raises(Conflict, match="locked"):
        services.edit_question(
            moderator,
            q["single"],
            text="Changed",
            hint="",
            required=True,
            options=["Weekly", "Fortnightly"],
            max_choices=None,
        )
    with pytest.raises(Conflict, match="locked"):
        services.move_question(moderator, q["scale"], -1)
    late = services.add_question(
        moderator, consultation, kind=QuestionKind.FREE_TEXT, text="Late one", required=True
    )
    assert late.late and not late.required


def test_each_question_type_is_validated():
    consultation, _, q = make_consultation()
    voter = resident_of(consultation.area)
    bad = {
        q["single"].id: "7",
        q["multiple"].id: ["0", "1", "2"],
        q["scale"].id: "9",
        q["ranking"].id: ["0", "0"],
        q["free_text"].id: "x" * 5001,
    }
    with pytest.raises(ValidationFailed) as failure:
        services.save_response(voter, consultation, bad, submit=True)
    errors = failure.value.errors
    assert errors[q["single"].field] == "Choose from the options given"
    assert errors[q["multiple"].field] == "Choose at most 2 options"
    assert errors[q["scale"].field] == "Choose a number from 1 to 5"
    assert errors[q["ranking"].field] == "Choose each option only once"
    assert "5,000" in errors[q["free_text"].field]
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0


def test_required_only_on_submit_and_one_response_per_person():
    consultation, _, q = make_consultation()
    voter = resident_of(consultation.area)
    draft = services.save_response(
        voter, consultation, _answer(consultation, q, single=""), submit=False
    )
    assert draft.submitted_at is None
    with pytest.raises(ValidationFailed, match="How often"):
        services.save_response(
            voter, consultation, _answer(consultation, q, single=""), submit=True
        )
    services.save_response(
        voter, consultation, _answer(consultation, q, single="1", scale="4"), submit=True
    )
    services.save_response(
        voter, consultation, _answer(consultation, q, single="0", scale="2"), submit=True
    )
    assert db.session.scalar(select(func.count()).select_from(Response)) == 1
    _, values = services.my_response(consultation, voter)
    assert values[q["single"].id] == "0" and values[q["scale"].id] == "2"
    assert audit.release_pending(consultation) == 3  # draft, submit, change: all waited
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.subject_type == "consultation")
    ).all()
    assert actions.count("consultation:respond") == 1 and "consultation:response_change" in actions
    actors = set(
        db.session.scalars(
            select(AuditEntry.actor).where(AuditEntry.action.like("consultation:respon%"))
        )
    )
    # one pseudonym for this response alone, never the one that signs the voter's comments
    assert actors == {audit.pseudonym(voter.id, f"consultation:{consultation.id}")}
    assert audit.pseudonym(voter.id) not in actors


def test_who_may_respond_and_not_after_close():
    consultation, moderator, q = make_consultation()
    with pytest.raises(PermissionDenied, match="Only residents"):
        services.save_response(UserFactory(), consultation, _answer(consultation, q), submit=True)
    services.close_consultation(moderator, consultation, reason="Closed early in this test")
    with pytest.raises(Conflict, match=r"closed at .* before your answers arrived"):
        services.save_response(
            resident_of(consultation.area), consultation, _answer(consultation, q), submit=True
        )


def test_analysis_matches_hand_counts():
    consultation, _moderator, q = make_consultation()
    answers = [
        dict(
            single="0",
            multiple=["0", "1"],
            scale="5",
            ranking=["1", "0", "2"],
            text="More food bins",
        ),
        dict(single="0", multiple=["0"], scale="4", ranking=["1", "2"], text=""),
        dict(single="1", multiple=[], scale="", ranking=["0"], text="Keep it weekly"),
        dict(single="1", multiple=["2"], scale="2", ranking=[], text=""),
    ]
    for given in answers:
        services.save_response(
            resident_of(consultation.area),
            consultation,
            _answer(consultation, q, **given),
            submit=True,
        )
    # a saved draft does not count
    services.save_response(
        resident_of(consultation.area),
        consultation,
        _answer(consultation, q, single="1"),
        submit=False,
    )
    total, results, _ = services.analyse(consultation)
    by_kind = {r.question.kind.value: r for r in results}
    assert total == 4
    assert by_kind["single"].counts == [2, 2] and by_kind["single"].percent(2) == "50%"
    assert by_kind["multiple"].counts == [2, 1, 1] and by_kind["multiple"].answered == 3
    assert by_kind["scale"].counts == [0, 1, 0, 1, 1]
    assert by_kind["scale"].average == Fraction(11, 3)
    # ranking points, 3 options: 1st = 3, 2nd = 2, 3rd = 1
    assert by_kind["ranking"].rank_points == [2 + 3, 3 + 3, 1 + 2]
    # free text is not part of the analysis: it is published apart, after review
    assert by_kind["free_text"].answered == 2 and not hasattr(by_kind["free_text"], "texts")
    queue = services.review_queue(_moderator, consultation)
    assert [i.text for i in queue] == ["More food bins", "Keep it weekly"]


def test_themes_and_csv_have_no_names():
    consultation, moderator, q = make_consultation()
    voter = resident_of(consultation.area)
    services.save_response(
        voter,
        consultation,
        _answer(consultation, q, multiple=["0", "2"], text="Fix the lids"),
        submit=True,
    )
    answer_id = services.review_queue(moderator, consultation)[0].answer_id
    services.tag_answer(moderator, answer_id, ["Repairs", " repairs ", "Lids"])
    _, _, themes = services.analyse(consultation)
    assert sorted((t.name, n) for t, n in themes) == [("Lids", 1), ("Repairs", 1)]
    rows = list(csv.reader(io.StringIO(services.responses_csv(consultation))))
    assert rows[0][0] == "response" and rows[1][2] == "Food | Garden"
    # the CSV holds the structured answers only: free text could unmask the row
    assert len(rows[0]) == 5 and "Fix the lids" not in services.responses_csv(consultation)
    flat = " ".join(" ".join(r) for r in rows)
    assert voter.email not in flat and voter.display_name not in flat


def test_reply_after_close_only():
    consultation, moderator, _ = make_consultation()
    with pytest.raises(Conflict):
        services.publish_reply(moderator, consultation, "We heard you")
    services.close_consultation(moderator, consultation, reason="Closed early in this test")
    with pytest.raises(ValidationFailed):
        services.publish_reply(moderator, consultation, "  ")
    services.publish_reply(moderator, consultation, "**Weekly** collections stay.")
    assert consultation.state is ConsultationState.RESPONDED
    assert "<strong>Weekly</strong>" in consultation.reply_html


def test_closing_date_must_be_in_the_future_and_a_lapsed_draft_cannot_open():
    from datetime import UTC, datetime, timedelta

    from civic.accounts.models import utcnow

    consultation, moderator, _ = make_consultation(open_=False)
    with pytest.raises(ValidationFailed) as refused:
        services.create_consultation(
            moderator,
            consultation.area,
            title="Old",
            service="Parks",
            summary="",
            documents="",
            audience=consultation.audience,
            opens_at=datetime(2020, 1, 1, tzinfo=UTC),
            closes_at=datetime(2020, 2, 1, 23, 59, tzinfo=UTC),
        )
    assert refused.value.errors == {"closes_at": "The closing date must be in the future"}
    consultation.closes_at = utcnow() - timedelta(minutes=1)
    with pytest.raises(Conflict, match="has passed"):
        services.open_consultation(moderator, consultation)
    assert consultation.state is ConsultationState.DRAFT


def test_saving_a_submitted_response_changes_it_and_keeps_it_complete():
    consultation, _, q = make_consultation()
    voter = resident_of(consultation.area)
    services.save_response(voter, consultation, _answer(consultation, q, single="0"), submit=True)
    with pytest.raises(ValidationFailed, match="How often"):
        services.save_response(
            voter, consultation, _answer(consultation, q, single=""), submit=False
        )
    changed = services.save_response(
        voter, consultation, _answer(consultation, q, single="1"), submit=False
    )
    assert changed.submitted_at is not None
    _, values = services.my_response(consultation, voter)
    assert values[q["single"].id] == "1"
