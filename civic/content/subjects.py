"""What moderators write that can have a version per language, subject by subject.

A *subject* is what has a page: a proposal, a consultation, a budget round. Its
translatable fields are listed here, in the order the moderators' page shows them; a
consultation's fields include its questions' text, hint and options, which are stored
against each question (kind "consultation_question") so the page that shows one question
finds its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from flask import url_for
from sqlalchemy import select

from civic.budgets.models import BudgetRound
from civic.consultations.models import Consultation, Question
from civic.errors import NotFound
from civic.extensions import db
from civic.i18n import _
from civic.i18n import lazy_gettext as _l
from civic.votes.models import Proposal

EASY_READ_MAX = 600  # characters: a short plain-language summary, as the issue asks


@dataclass(frozen=True)
class Field:
    """One translatable piece of text, and where its versions are stored."""

    kind: str  # the stored subject kind ("consultation_question" for a question's text)
    subject_id: int
    name: str  # "title", "easy_read", "option.2"
    label: Any  # what the moderators' page calls it (lazy)
    original: str
    max_length: int
    multiline: bool = True
    group: Any = None  # a heading above it on the moderators' page (a question's number)

    @property
    def key(self) -> str:
        """The form field name on the moderators' page: unique within a subject."""
        return f"{self.kind}-{self.subject_id}-{self.name}"


@dataclass(frozen=True)
class Kind:
    name: str
    model: type
    fields: Callable[[Any], Iterator[Field]]
    page: Callable[[Any], str]


def _own(kind: str, obj: Any, specs: list[tuple[str, Any, int, bool]]) -> Iterator[Field]:
    for name, label, max_length, multiline in specs:
        yield Field(kind, obj.id, name, label, getattr(obj, name) or "", max_length, multiline)


def _proposal_fields(proposal: Proposal) -> Iterator[Field]:
    yield from _own(
        "proposal",
        proposal,
        [
            ("title", _l("Title"), 200, False),
            ("easy_read", _l("Easy read summary"), EASY_READ_MAX, True),
            ("current_provision", _l("How it is provided now"), 20_000, True),
            ("current_performance", _l("Performance now"), 20_000, True),
            ("public_interest_case", _l("The public-interest case"), 20_000, True),
            ("inhouse_bid_summary", _l("The in-house bid"), 20_000, True),
            ("no_bid_reason", _l("Why no in-house bid was made"), 20_000, True),
        ],
    )


def _consultation_fields(consultation: Consultation) -> Iterator[Field]:
    yield from _own(
        "consultation",
        consultation,
        [
            ("title", _l("Title"), 200, False),
            ("easy_read", _l("Easy read summary"), EASY_READ_MAX, True),
            ("summary", _l("Description"), 20_000, True),
        ],
    )
    for number, question in enumerate(consultation.questions, start=1):
        group = _l("Question %(number)s", number=number)
        yield Field(
            "consultation_question",
            question.id,
            "text",
            _l("Question"),
            question.text,
            500,
            False,
            group,
        )
        if question.hint:
            yield Field(
                "consultation_question",
                question.id,
                "hint",
                _l("Hint"),
                question.hint,
                500,
                False,
                group,
            )
        for index, option in enumerate(question.options or []):
            yield Field(
                "consultation_question",
                question.id,
                f"option.{index}",
                _l("Option %(number)s", number=index + 1),
                str(option),
                500,
                False,
                group,
            )


def _round_fields(round_: BudgetRound) -> Iterator[Field]:
    yield from _own(
        "budget_round",
        round_,
        [
            ("title", _l("Title"), 200, False),
            ("easy_read", _l("Easy read summary"), EASY_READ_MAX, True),
            ("description", _l("Description"), 20_000, True),
        ],
    )


KINDS: dict[str, Kind] = {
    "proposal": Kind(
        "proposal",
        Proposal,
        _proposal_fields,
        lambda p: url_for("votes.detail", proposal_id=p.id),
    ),
    "consultation": Kind(
        "consultation",
        Consultation,
        _consultation_fields,
        lambda c: url_for("consultations.detail", consultation_id=c.id),
    ),
    "budget_round": Kind(
        "budget_round",
        BudgetRound,
        _round_fields,
        lambda r: url_for("budgets.round_detail", slug=r.slug),
    ),
}
KIND_OF = {kind.model: kind.name for kind in KINDS.values()}


def kind_of(obj: Any) -> str:
    """The stored subject kind of a model object (a question counts as its own kind)."""
    if isinstance(obj, Question):
        return "consultation_question"
    try:
        return KIND_OF[type(obj)]
    except KeyError:
        raise ValueError(f"not translatable content: {type(obj).__name__}") from None


def language_of(obj: Any) -> str:
    """The language the subject was written in (a question: its consultation's)."""
    if isinstance(obj, Question):
        consultation = db.session.get(Consultation, obj.consultation_id)
        return consultation.language if consultation is not None else "en"
    return getattr(obj, "language", None) or "en"


def original(obj: Any, name: str) -> str:
    """The text of field `name` as written ("option.<n>" for a question's option)."""
    if name.startswith("option."):
        options = getattr(obj, "options", None) or []
        index = int(name.split(".", 1)[1])
        return str(options[index]) if 0 <= index < len(options) else ""
    return getattr(obj, name, "") or ""


def load(kind: str, subject_id: int) -> tuple[Kind, Any]:
    spec = KINDS.get(kind)
    if spec is None:
        raise NotFound(_("There is no such page."))
    obj = db.session.get(spec.model, subject_id)
    if obj is None:
        raise NotFound(_("There is no such page."))
    return spec, obj


def question_ids(consultation_id: int) -> list[int]:
    return list(
        db.session.scalars(select(Question.id).where(Question.consultation_id == consultation_id))
    )
