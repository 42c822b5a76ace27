"""The load benchmark's data set: a city round, residents, a big thread, a big consultation.

Built inside an app context by `build(scale, pb_path)`; `benchmarks/load.py` runs it on a
fresh PostgreSQL database, `tests/test_load_benchmark.py` at a tiny scale on the test
database. What goes through the service functions (so its audit entries, counters and
frozen downloads are real) and what is bulk-inserted (only volume matters):

- services: the administrator, moderator and area; the first `scale.audited` residents'
  eligibility (`confirm_eligibility`, audited); the city round, imported from its
  Pabulib file (`import_round`: projects, every ballot, the audit entry, results computed
  and frozen, downloads stored); a small round in voting that residents cast ballots in
  (create, propose, review, advance); a proposal in voting; the consultation, its
  questions, opening and closing.
- bulk inserts: the residents (one Argon2 hash shared by all, computed once: 10,000
  hashes would take minutes and measure nothing), the other residents' eligibility rows,
  the consultation's responses and answers, and the thread's comments
  (`tests/discussions/bulk.make_thread`).

Signed-in visitors get a session cookie and CSRF token made here with the app's own
secret (`signed_in`), as a browser would hold after signing in: signing 500 people in
over HTTP would measure Argon2, not the pages.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path

from flask import Flask
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, insert, select

from civic.accounts import services as accounts
from civic.accounts.models import (
    Area,
    Eligibility,
    EligibilityMethod,
    Role,
    User,
    new_session_token,
    utcnow,
)
from civic.accounts.passwords import hash_password
from civic.audit.models import AuditEntry
from civic.budgets import services as budgets
from civic.budgets.models import BallotKind, BudgetRound, Phase, Project
from civic.budgets.pabulib import parse_file
from civic.budgets.pabulib_io import import_round
from civic.consultations import services as consultations
from civic.consultations.models import (
    Answer,
    AnswerChoice,
    Audience,
    Consultation,
    QuestionKind,
    Response,
)
from civic.extensions import db
from civic.votes import services as votes
from civic.votes.models import ProposalKind

PASSWORD = "a-Strong-load-passw0rd"  # noqa: S105 (throwaway accounts in a bench database)
BIG_ROUND = "city-round"
VOTING_ROUND = "street-round"
# projects of the round in voting: costs in whole units, budget 1,000
COSTS = (400, 300, 300, 500, 200, 100)
CHOICES = [(0, 1), (1, 2), (0, 2), (3,), (1, 3), (2, 3), (0, 1, 2), (4, 5, 0), (5,)]


@dataclass
class Scale:
    residents: int = 10_000
    audited: int = 300  # residents made eligible through the audited service
    comments: int = 5_000
    responses: int = 10_000
    casters: int = 500


@dataclass
class World:
    """What the benchmark needs to find its pages again (stored as JSON beside a run)."""

    area_id: int
    moderator_id: int
    resident_ids: list[int]
    big_round: str
    big_project_id: int
    voting_round: str
    voting_project_ids: list[int]
    proposal_id: int
    consultation_id: int
    thread: tuple[str, str]
    audit_seqs: list[int] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict:
        return asdict(self)


def build(scale: Scale, pb_path: str | Path) -> World:
    """Make the whole data set in the current app context and commit it."""
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 2)
        clock = now

    admin = accounts.create_user(None, "admin@load.example", "Load Admin", PASSWORD, Role.ADMIN)
    moderator = accounts.create_user(
        admin, "moderator@load.example", "Load Moderator", PASSWORD, Role.MODERATOR
    )
    area = accounts.create_area(
        admin,
        name="Central Ward",
        slug="central",
        kind="ward",
        postcode_districts="LS1",
        description="The benchmark's area",
    )
    resident_ids = _residents(scale.residents)
    _eligible(moderator, area, resident_ids, scale.audited)
    db.session.commit()
    lap("residents")

    big = import_round(parse_file(str(pb_path)), area, slug=BIG_ROUND, actor=moderator)
    db.session.commit()
    big_project = db.session.scalar(
        select(Project.id).where(Project.round_id == big.id).order_by(Project.id).limit(1)
    )
    lap("city round import")

    voting_round, project_ids = _voting_round(moderator, area, resident_ids[0])
    proposal_id = _proposal(moderator, area)
    db.session.commit()
    lap("round in voting, proposal")

    consultation_id = _consultation(moderator, area, resident_ids[: scale.responses])
    db.session.commit()
    lap("consultation")

    from tests.discussions.bulk import make_thread

    make_thread("budget_round", BIG_ROUND, scale.comments, resident_ids[:50])
    db.session.commit()
    lap("thread")

    size = db.session.scalar(select(func.max(AuditEntry.seq))) or 0
    seqs = sorted({max(1, size * k // 20) for k in range(1, 21)})
    return World(
        area_id=area.id,
        moderator_id=moderator.id,
        resident_ids=resident_ids,
        big_round=BIG_ROUND,
        big_project_id=big_project,
        voting_round=voting_round,
        voting_project_ids=project_ids,
        proposal_id=proposal_id,
        consultation_id=consultation_id,
        thread=("budget_round", BIG_ROUND),
        audit_seqs=seqs,
        timings=timings,
    )


def _residents(n: int) -> list[int]:
    shared = hash_password(PASSWORD)
    now = utcnow()
    rows = [
        {
            "email": f"resident{k:05d}@load.example",
            "display_name": f"Resident {k}",
            "password_hash": shared,
            "role": Role.RESIDENT,
            "active": True,
            "created_at": now,
            "session_token": new_session_token(),
            "email_confirmed_at": now,
        }
        for k in range(n)
    ]
    ids: list[int] = []
    for start in range(0, n, 2000):
        ids += db.session.execute(
            insert(User).returning(User.id), rows[start : start + 2000]
        ).scalars()
    return ids


def _eligible(moderator: User, area: Area, ids: list[int], audited: int) -> None:
    for user_id in ids[:audited]:
        accounts.confirm_eligibility(
            moderator, db.session.get(User, user_id), area, "Council tax bill seen (load bench)"
        )
    rest = [
        {
            "user_id": user_id,
            "area_id": area.id,
            "method": EligibilityMethod.MODERATOR,
            "confirmed_by_id": moderator.id,
            "note": "Council tax bill seen (load bench, bulk)",
            "granted_at": utcnow(),
        }
        for user_id in ids[audited:]
    ]
    if rest:
        db.session.execute(insert(Eligibility), rest)


def _voting_round(moderator: User, area: Area, proposer_id: int) -> tuple[str, list[int]]:
    now = utcnow()
    dates = [now - timedelta(days=d) for d in (30, 20, 1)] + [
        now + timedelta(days=d) for d in (10, 40)
    ]
    round_ = budgets.create_round(
        moderator,
        area,
        budgets.RoundSettings(
            title="Street improvements",
            slug=VOTING_ROUND,
            description="Which street improvements should we fund?",
            amount=1000 * 100,
            currency="GBP",
            dates=dates,
            ballot_kind=BallotKind.APPROVAL,
            rule="greedy",
        ),
    )
    proposer = db.session.get(User, proposer_id)
    projects = [
        budgets.propose_project(
            proposer,
            round_,
            title=f"Street project {k + 1}",
            description="A good idea",
            cost_units=cost,
        )
        for k, cost in enumerate(COSTS)
    ]
    for project in projects:
        budgets.review_project(moderator, project, feasible=True)
    for step in (Phase.REVIEW, Phase.VOTING):
        budgets.advance_phase(moderator, round_, step, reason="Moved early for the benchmark")
    return round_.slug, [p.id for p in projects]


def _proposal(moderator: User, area: Area) -> int:
    from tests.votes.helpers import complete_case

    proposal = votes.create_proposal(
        moderator,
        area,
        ProposalKind.OUTSOURCING,
        "Outsource the leisure centre",
        "Central leisure centre",
    )
    complete_case(moderator, proposal)
    votes.set_vote_rules(moderator, proposal, quorum_percent=20, majority="simple", hide_tally=True)
    votes.open_consultation(moderator, proposal, 28)
    proposal.consultation_from = utcnow() - timedelta(days=29)
    votes.open_voting(moderator, proposal, utcnow() + timedelta(days=7))
    return proposal.id


def _consultation(moderator: User, area: Area, respondent_ids: list[int]) -> int:
    now = utcnow()
    consultation = consultations.create_consultation(
        moderator,
        area,
        title="Bin collections",
        service="Waste",
        summary="How should bins be collected?",
        documents="",
        audience=Audience.RESIDENTS,
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=20),
    )
    single = consultations.add_question(
        moderator,
        consultation,
        kind=QuestionKind.SINGLE,
        text="How often?",
        options=["Weekly", "Fortnightly"],
        required=True,
    )
    multiple = consultations.add_question(
        moderator,
        consultation,
        kind=QuestionKind.MULTIPLE,
        text="Which bins?",
        options=["Food", "Glass", "Garden"],
        max_choices=2,
    )
    scale = consultations.add_question(
        moderator, consultation, kind=QuestionKind.SCALE, text="Rate the service"
    )
    free = consultations.add_question(
        moderator, consultation, kind=QuestionKind.FREE_TEXT, text="Anything else?"
    )
    consultations.open_consultation(moderator, consultation)
    for start in range(0, len(respondent_ids), 2000):
        _responses(
            consultation, respondent_ids[start : start + 2000], single, multiple, scale, free
        )
    consultations.close_consultation(moderator, consultation, reason="Closed for the benchmark")
    return consultation.id


def _responses(
    consultation: Consultation, people: list[int], single, multiple, scale, free
) -> None:
    when = utcnow()
    response_ids = (
        db.session.execute(
            insert(Response).returning(Response.id),
            [
                {
                    "consultation_id": consultation.id,
                    "respondent_id": u,
                    "submitted_at": when,
                    "updated_at": when,
                }
                for u in people
            ],
        )
        .scalars()
        .all()
    )

    def answers(question, **values) -> list[int]:
        return (
            db.session.execute(
                insert(Answer).returning(Answer.id),
                [
                    {
                        "response_id": r,
                        "question_id": question.id,
                        "text": "",
                        "scale": None,
                        **{k: v(r) for k, v in values.items()},
                    }
                    for r in response_ids
                ],
            )
            .scalars()
            .all()
        )

    singles = answers(single)
    multiples = answers(multiple)
    answers(scale, scale=lambda r: 1 + r % 5)
    answers(free, text=lambda r: f"Collect the food bins weekly, please ({r % 97}).")
    choices = [
        {"answer_id": a, "question_id": single.id, "option": a % 2, "rank": 1} for a in singles
    ]
    for a in multiples:
        choices.append({"answer_id": a, "question_id": multiple.id, "option": a % 3, "rank": 1})
        if a % 2:
            choices.append(
                {"answer_id": a, "question_id": multiple.id, "option": (a + 1) % 3, "rank": 2}
            )
    db.session.execute(insert(AnswerChoice), choices)


def signed_in(app: Flask, user: User) -> tuple[str, str]:
    """(Cookie header, CSRF form token) of a browser in which `user` just signed in: the
    same signed session cookie Flask-Login and Flask-WTF would have left there."""
    raw = hashlib.sha1(os.urandom(64)).hexdigest()  # noqa: S324 (as Flask-WTF makes it)
    data = {
        "_user_id": user.get_id(),
        "_fresh": True,
        "signed_in_at": int(time.time()),
        "csrf_token": raw,
    }
    cookie = app.session_interface.get_signing_serializer(app).dumps(data)
    secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
    token = URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)
    return f"{app.config['SESSION_COOKIE_NAME']}={cookie}", token


def casters(world: World, n: int) -> list[int]:
    """`n` eligible residents for the cast (the proposer of the street projects left out);
    on a freshly built data set none of them has a ballot yet."""
    return world.resident_ids[1 : n + 1]


def ballots_in(slug: str) -> tuple[int, int]:
    """(ballot rows, the round's kept count) of a round."""
    from civic.budgets.models import Ballot

    round_ = db.session.scalar(select(BudgetRound).where(BudgetRound.slug == slug))
    rows = db.session.scalar(
        select(func.count()).select_from(Ballot).where(Ballot.round_id == round_.id)
    )
    return rows, round_.ballots_cast
