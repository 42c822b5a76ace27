"""How a consultation's submitted responses answered, counted once it has closed.

Counting the answers of a 10,000-response consultation means grouping some 40,000 answer
rows and their choices: tens of milliseconds of database CPU, and the analysis page and
the results API did it on every view. After the close nothing they count can change (no
response is submitted after it, the questions are locked, and a person's erasure keeps
their nameless answers), so the counts are kept: stored with the consultation's frozen
downloads at the close (`civic.frozen`, name `counts.json`, never served as a download) or
by the first view after, and every later view reads that one row. Themes are not here: a
moderator may still tag answers after the close.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from civic import frozen
from civic.consultations.models import (
    Answer,
    AnswerChoice,
    Consultation,
    QuestionKind,
    Response,
)
from civic.extensions import db

NAME = "counts.json"  # the stored row's name among the consultation's frozen downloads


@dataclass
class QuestionCounts:
    answered: int = 0
    counts: list[int] = field(default_factory=list)  # per option (choices) or per 1..5 (scale)
    rank_points: list[int] = field(default_factory=list)  # ranking: Borda points per option


@dataclass
class AnswerCounts:
    total: int  # submitted responses
    questions: dict[int, QuestionCounts]  # by question id

    def as_json(self) -> str:
        return json.dumps(
            {
                "total": self.total,
                "questions": {
                    str(qid): {
                        "answered": q.answered,
                        "counts": q.counts,
                        "rank_points": q.rank_points,
                    }
                    for qid, q in sorted(self.questions.items())
                },
            },
            sort_keys=True,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> AnswerCounts:
        data: dict[str, Any] = json.loads(text)
        return cls(
            total=data["total"],
            questions={
                int(qid): QuestionCounts(q["answered"], list(q["counts"]), list(q["rank_points"]))
                for qid, q in data["questions"].items()
            },
        )


def count(consultation: Consultation) -> AnswerCounts:
    """The counts computed now, in a fixed number of GROUP BY queries however many
    responses there are."""
    questions = list(consultation.questions)
    found: dict[int, QuestionCounts] = {}
    for q in questions:
        size = 5 if q.kind is QuestionKind.SCALE else len(q.options)
        found[q.id] = QuestionCounts(0, [0] * size, [0] * size)
    submitted = select(Response.id).where(
        Response.consultation_id == consultation.id, Response.submitted_at.is_not(None)
    )
    total = db.session.scalar(select(func.count()).select_from(submitted.subquery())) or 0
    ids = [q.id for q in questions]
    if not ids:
        return AnswerCounts(total, found)
    for question_id, answered in db.session.execute(
        select(Answer.question_id, func.count())
        .where(Answer.question_id.in_(ids), Answer.response_id.in_(submitted))
        .group_by(Answer.question_id)
    ):
        found[question_id].answered = answered
    widths = {q.id: len(q.options) for q in questions}
    for question_id, option, rank, n in db.session.execute(
        select(AnswerChoice.question_id, AnswerChoice.option, AnswerChoice.rank, func.count())
        .join(Answer, Answer.id == AnswerChoice.answer_id)
        .where(AnswerChoice.question_id.in_(ids), Answer.response_id.in_(submitted))
        .group_by(AnswerChoice.question_id, AnswerChoice.option, AnswerChoice.rank)
    ):
        result = found[question_id]
        if option < len(result.counts):
            result.counts[option] += n
            result.rank_points[option] += n * max(widths[question_id] - rank + 1, 0)
    for question_id, scale, n in db.session.execute(
        select(Answer.question_id, Answer.scale, func.count())
        .where(
            Answer.question_id.in_(ids),
            Answer.scale.is_not(None),
            Answer.response_id.in_(submitted),
        )
        .group_by(Answer.question_id, Answer.scale)
    ):
        found[question_id].counts[scale - 1] += n
    return AnswerCounts(total, found)


def download(consultation: Consultation) -> frozen.Frozen:
    """The counts as `civic.frozen` stores them (callers check the consultation closed)."""
    return (NAME, "application/json", lambda: count(consultation).as_json())


def kept(subject: str, consultation: Consultation) -> AnswerCounts:
    """The counts kept at the close, stored now if they were not (a consultation closed
    before counts were kept). Only for a closed consultation: before the close they change."""
    row = frozen.build_once(subject, download(consultation))
    return AnswerCounts.from_json(row.body)
