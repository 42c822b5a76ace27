"""Responses racing the close of a consultation on PostgreSQL: every response answered with
success is in the count the close recorded, later ones get a 409 and leave nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from civic.accounts.models import User
from civic.consultations import services
from civic.consultations.models import Consultation, ConsultationState, Response
from civic.extensions import db
from tests.consultations.helpers import make_consultation
from tests.races import (
    ACCEPTED,
    assert_participation_before_close,
    log_of,
    many_residents,
    race,
    skip_without_postgres,
)

LATE = re.compile(
    r"^This consultation closed at .* before your answers arrived; they were not saved\.$"
)
REASON = "The service review was brought forward by the council"


@pytest.mark.commits
def test_responses_racing_the_close_are_counted_or_refused(app):
    skip_without_postgres()
    consultation, moderator, q = make_consultation()
    people = many_residents(consultation.area, 120)
    db.session.commit()
    consultation_id, moderator_id = consultation.id, moderator.id
    single, scale = q["single"].id, q["scale"].id

    def respond(user_id: int) -> str:
        services.save_response(
            db.session.get(User, user_id),
            db.session.get(Consultation, consultation_id),
            {single: str(user_id % 2), scale: str(1 + user_id % 5)},
            submit=True,
        )
        db.session.commit()
        return ACCEPTED

    def close() -> None:
        services.close_consultation(
            db.session.get(User, moderator_id),
            db.session.get(Consultation, consultation_id),
            reason=REASON,
        )
        db.session.commit()

    outcome = race(app, [p.id for p in people], respond, close, close_after=30)
    print(f"{len(outcome.accepted)} responses accepted, {len(outcome.refused)} refused")
    assert outcome.errors == [] and outcome.close_error is None
    assert len(outcome.accepted) + len(outcome.refused) == len(people)
    assert outcome.refused, "the close landed after every response: no race was tested"
    assert all(LATE.match(message) for message in outcome.refused.values())

    db.session.expire_all()
    consultation = db.session.get(Consultation, consultation_id)
    assert consultation.state is ConsultationState.CLOSED
    assert consultation.close_reason == REASON
    rows = set(
        db.session.scalars(
            select(Response.respondent_id).where(
                Response.consultation_id == consultation_id, Response.submitted_at.is_not(None)
            )
        )
    )
    assert rows == set(outcome.accepted)  # no refused response left a row, none was lost
    assert db.session.scalar(
        select(func.count())
        .select_from(Response)
        .where(Response.consultation_id == consultation_id)
    ) == len(outcome.accepted)
    close = assert_participation_before_close(
        log_of("consultation", str(consultation_id)),
        "consultation:respond",
        "consultation:close",
        len(outcome.accepted),
    )
    assert close["responses"] == len(outcome.accepted)
    assert close["early_reason"] == REASON
    total, results, _ = services.analyse(consultation)
    assert total == len(outcome.accepted)
    by_question = {r.question.id: r for r in results}
    assert by_question[single].counts == [
        sum(1 for uid in outcome.accepted if uid % 2 == 0),
        sum(1 for uid in outcome.accepted if uid % 2 == 1),
    ]
