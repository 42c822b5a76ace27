"""A consultation with one question of every kind, for tests."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from civic.accounts.models import Area, utcnow
from civic.consultations import services
from civic.consultations.models import Audience, QuestionKind
from civic.extensions import db
from tests.conftest import csrf_token, login
from tests.factories import AreaFactory, ModeratorFactory


def make_consultation(*, open_: bool = True, audience: Audience = Audience.RESIDENTS):
    """(consultation, moderator, questions by kind)."""
    moderator = ModeratorFactory()
    area = AreaFactory()
    now = utcnow()
    consultation = services.create_consultation(
        moderator,
        area,
        title="Bin collections",
        service="Waste",
        summary="How should bins be collected?",
        documents="",
        audience=audience,
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=20),
    )
    q = {}
    q["single"] = services.add_question(
        moderator,
        consultation,
        kind=QuestionKind.SINGLE,
        text="How often?",
        options=["Weekly", "Fortnightly"],
        required=True,
    )
    q["multiple"] = services.add_question(
        moderator,
        consultation,
        kind=QuestionKind.MULTIPLE,
        text="Which bins?",
        options=["Food", "Glass", "Garden"],
        max_choices=2,
    )
    q["scale"] = services.add_question(
        moderator, consultation, kind=QuestionKind.SCALE, text="Rate it"
    )
    q["ranking"] = services.add_question(
        moderator,
        consultation,
        kind=QuestionKind.RANKING,
        text="Rank priorities",
        options=["Cost", "Reliability", "Recycling"],
    )
    q["free_text"] = services.add_question(
        moderator, consultation, kind=QuestionKind.FREE_TEXT, text="Anything else?"
    )
    if open_:
        services.open_consultation(moderator, consultation)
    return consultation, moderator, q


def post_new_consultation(client, title: str, opens: list[str], closes: list[str]):
    """A moderator's POST of the new-consultation form with these dates (day, month, year)."""
    _, moderator, _ = make_consultation(open_=False)
    login(client, moderator)
    return client.post(
        "/consultations/new",
        data={
            "csrf_token": csrf_token(client, "/consultations/new"),
            "title": title,
            "service": "Parks",
            "area": str(db.session.scalars(select(Area.id)).first()),
            "audience": "residents",
            "opens": opens,
            "closes": closes,
        },
    )
