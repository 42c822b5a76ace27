"""Building consultations, responding to them, analysing answers and replying: permission,
validation, write and audit entry in each function."""

from __future__ import annotations

import hashlib
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from civic import audit, csv_safe, frozen, privacy
from civic.accounts.models import Area, User, utcnow
from civic.clock import aware, early_reason
from civic.constituencies import services as constituencies
from civic.consultations import counts
from civic.consultations.models import (
    Answer,
    AnswerChoice,
    AnswerTheme,
    Audience,
    Consultation,
    ConsultationState,
    FreeTextReview,
    Question,
    QuestionKind,
    Response,
    ReviewDecision,
    Theme,
)
from civic.database import lock_row, lock_rows
from civic.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from civic.extensions import db
from civic.i18n import _, format_day, format_number
from civic.markdown import render
from civic.notifications import events
from civic.params import is_choice_index
from civic.permissions import require_moderator, require_signed_in
from civic.votes import wording

MAX_OPTIONS = 20
MAX_TEXT = 5000
FREE_TEXT_SHOWN = 50


def is_public(consultation: Consultation) -> bool:
    """A draft is the moderators' work in progress until it opens. The one rule for
    pages and search."""
    return consultation.state is not ConsultationState.DRAFT


def can_see(user: User | None, consultation: Consultation) -> bool:
    return is_public(consultation) or bool(user and user.is_authenticated and user.is_moderator)


def get_consultation(consultation_id: int) -> Consultation:
    found = db.session.get(Consultation, consultation_id)
    if found is None:
        raise NotFound(_("No consultation has that number."))
    return found


# --- building ---------------------------------------------------------------------------


def _check_details(title: str, service: str, opens_at: datetime, closes_at: datetime) -> None:
    errors = {}
    if not title.strip():
        errors["title"] = _("Enter a title")
    if not service.strip():
        errors["service"] = _("Name the service")
    if aware(closes_at) <= utcnow():
        errors["closes_at"] = _("The closing date must be in the future")
    elif closes_at <= opens_at:
        errors["closes_at"] = _("The consultation must close after it opens")
    if errors:
        raise ValidationFailed(errors)


def create_consultation(
    actor: User | None,
    area: Area,
    *,
    title: str,
    service: str,
    summary: str,
    documents: str,
    audience: Audience,
    opens_at: datetime,
    closes_at: datetime,
) -> Consultation:
    moderator = require_moderator(actor)
    _check_details(title, service, opens_at, closes_at)
    consultation = Consultation(
        title=title.strip(),
        service=service.strip(),
        area_id=area.id,
        summary=summary.strip(),
        documents=documents.strip(),
        audience=audience,
        state=ConsultationState.DRAFT,
        opens_at=opens_at,
        closes_at=closes_at,
        created_by_id=moderator.id,
    )
    db.session.add(consultation)
    db.session.flush()
    audit.record(
        moderator,
        "consultation:create",
        consultation,
        {"area": area.slug, "audience": audience.value, "closes": closes_at.isoformat()},
    )
    return consultation


def response_count(consultation: Consultation, *, submitted_only: bool = False) -> int:
    stmt = (
        select(func.count())
        .select_from(Response)
        .where(Response.consultation_id == consultation.id)
    )
    if submitted_only:
        stmt = stmt.where(Response.submitted_at.is_not(None))
    return db.session.scalar(stmt)


def questions_locked(consultation: Consultation) -> bool:
    """Once anyone has answered, changing a question would change what they answered."""
    return response_count(consultation) > 0


def _require_unlocked(consultation: Consultation) -> None:
    if consultation.state in (ConsultationState.CLOSED, ConsultationState.RESPONDED):
        raise Conflict(_("The consultation is closed; its questions cannot change."))
    if questions_locked(consultation):
        raise Conflict(
            _(
                "Questions are locked because residents have started responding: changing "
                "them would change what people answered. You can add a clearly marked late "
                "question."
            )
        )


def _clean_question(
    kind: QuestionKind, text: str, options: list[str], max_choices: int | None
) -> tuple[str, list[str], int | None]:
    errors = {}
    text = text.strip()
    if not text:
        errors["text"] = _("Write the question")
    cleaned = [o.strip() for o in options if o.strip()]
    if kind.has_options:
        if len(cleaned) < 2:
            errors["options"] = _("Give at least two options, one per line")
        elif len(cleaned) > MAX_OPTIONS:
            errors["options"] = _("Give at most %(most)s options", most=MAX_OPTIONS)
        elif len(set(cleaned)) != len(cleaned):
            errors["options"] = _("Each option must be different")
    else:
        cleaned = []
    if kind is QuestionKind.MULTIPLE:
        if max_choices is not None and not 1 <= max_choices <= max(len(cleaned), 1):
            errors["max_choices"] = _(
                "The most choices must be between 1 and the number of options"
            )
    else:
        max_choices = None
    if errors:
        raise ValidationFailed(errors)
    return text, cleaned, max_choices


def add_question(
    actor: User | None,
    consultation: Consultation,
    *,
    kind: QuestionKind,
    text: str,
    hint: str = "",
    required: bool = False,
    options: list[str] | None = None,
    max_choices: int | None = None,
) -> Question:
    moderator = require_moderator(actor)
    if consultation.state in (ConsultationState.CLOSED, ConsultationState.RESPONDED):
        raise Conflict(_("The consultation is closed; no questions can be added."))
    late = questions_locked(consultation)
    text, cleaned, max_choices = _clean_question(kind, text, options or [], max_choices)
    position = (
        db.session.scalar(
            select(func.max(Question.position)).where(Question.consultation_id == consultation.id)
        )
        or 0
    ) + 1
    question = Question(
        consultation_id=consultation.id,
        position=position,
        kind=kind,
        text=text,
        hint=hint.strip()[:500],
        # a late question cannot be required: people who already answered never saw it
        required=required and not late,
        options=cleaned,
        max_choices=max_choices,
        late=late,
    )
    db.session.add(question)
    db.session.flush()
    db.session.expire(consultation, ["questions"])
    audit.record(
        moderator,
        "consultation:question_add",
        consultation,
        {"question": question.id, "kind": kind.value, "late": late},
    )
    return question


def edit_question(
    actor: User | None,
    question: Question,
    *,
    text: str,
    hint: str,
    required: bool,
    options: list[str],
    max_choices: int | None,
) -> None:
    moderator = require_moderator(actor)
    consultation = db.session.get(Consultation, question.consultation_id)
    _require_unlocked(consultation)
    question.text, question.options, question.max_choices = _clean_question(
        question.kind, text, options, max_choices
    )
    question.hint = hint.strip()[:500]
    question.required = required
    audit.record(moderator, "consultation:question_edit", consultation, {"question": question.id})
    db.session.flush()


def remove_question(actor: User | None, question: Question) -> None:
    moderator = require_moderator(actor)
    consultation = db.session.get(Consultation, question.consultation_id)
    _require_unlocked(consultation)
    db.session.delete(question)
    db.session.flush()
    _renumber(consultation)
    audit.record(moderator, "consultation:question_remove", consultation, {"question": question.id})


def move_question(actor: User | None, question: Question, offset: int) -> None:
    """Move up (-1) or down (+1); positions stay 1..n with no gaps."""
    moderator = require_moderator(actor)
    consultation = db.session.get(Consultation, question.consultation_id)
    _require_unlocked(consultation)
    ordered = list(consultation.questions)
    index = ordered.index(question)
    target = index + offset
    if not 0 <= target < len(ordered):
        raise Conflict(_("That question is already at the end."))
    ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, item in enumerate(ordered, start=1):
        item.position = position
    db.session.flush()
    db.session.expire(consultation, ["questions"])
    audit.record(
        moderator,
        "consultation:question_move",
        consultation,
        {"question": question.id, "to": target + 1},
    )


def _renumber(consultation: Consultation) -> None:
    db.session.expire(consultation, ["questions"])
    for position, item in enumerate(consultation.questions, start=1):
        item.position = position
    db.session.flush()


# --- lifecycle --------------------------------------------------------------------------


def open_consultation(actor: User | None, consultation: Consultation) -> None:
    moderator = require_moderator(actor)
    if consultation.state is not ConsultationState.DRAFT:
        raise Conflict(_("Only a draft can be opened."))
    if not consultation.questions:
        raise Conflict(_("Add at least one question before opening the consultation."))
    if aware(consultation.closes_at) <= utcnow():
        raise Conflict(
            _(
                "The closing date, %(day)s, has passed, so the consultation cannot open. "
                "Create a new consultation with a closing date in the future.",
                day=format_day(consultation.closes_at),
            )
        )
    eligible, who = electorate(consultation)
    privacy.require_electorate(eligible, "the consultation", who)
    consultation.state = ConsultationState.OPEN
    audit.record(
        moderator, "consultation:open", consultation, {"questions": len(consultation.questions)}
    )
    db.session.flush()
    if aware(consultation.opens_at) <= utcnow():  # else `civic tick` tells, when it opens
        events.consultation_news(consultation, "open")


def electorate(consultation: Consultation) -> tuple[int, str]:
    """(how many people can respond, who they are): the area's eligible residents, or
    everyone signed in for an 'anyone signed in' consultation."""
    if consultation.audience is Audience.SIGNED_IN:
        return privacy.signed_in_electorate(), "everyone with an account"
    return constituencies.electorate(consultation), constituencies.who(consultation)


def is_closed(consultation: Consultation) -> bool:
    return consultation.state in (ConsultationState.CLOSED, ConsultationState.RESPONDED)


def public_response_count(consultation: Consultation) -> str:
    """Submitted responses as anyone may see them: exact once closed, a band before."""
    count = response_count(consultation, submitted_only=True)
    return str(count) if is_closed(consultation) else privacy.turnout_band(count)[1]


def public_response_words(consultation: Consultation) -> str:
    """`public_response_count` in the page's language (the JSON keeps the English)."""
    count = response_count(consultation, submitted_only=True)
    return format_number(count) if is_closed(consultation) else wording.band_words(count)


def answers_withheld(consultation: Consultation) -> str | None:
    """Why answer-level figures (per-option counts, one row per response, free text) are
    not published, or None when they may be: after the close, from at least
    MIN_ELECTORATE submitted responses, so that no one's answers can be picked out."""
    if not is_closed(consultation):
        return _("Results are published when the consultation closes.")
    count = response_count(consultation, submitted_only=True)
    if not privacy.publishable(count):
        return wording.responses_withheld(count)
    return None


def accepting(consultation: Consultation, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return consultation.state is ConsultationState.OPEN and aware(
        consultation.opens_at
    ) <= now < aware(consultation.closes_at)


def _locked(consultation: Consultation) -> Consultation:
    """The consultation re-read under its row lock (civic.database.lock_row): the one
    point where responses and the close serialise."""
    locked = lock_row(Consultation, consultation.id)
    if locked is None:
        raise NotFound(_("No consultation has that number."))
    return locked


def close_consultation(
    actor: User | None, consultation: Consultation, *, by_date: bool = False, reason: str = ""
) -> None:
    """Close the consultation and record how many responses it counts.

    The row is locked (exclusive) first and the state checked after the lock, so the close
    waits for every response in flight and counts it, and later ones are refused with a
    409. Closing by hand before the published closing date needs a `reason`, published on
    the page and in the log.
    """
    moderator = None if by_date else require_moderator(actor)
    consultation = _locked(consultation)
    if consultation.state is not ConsultationState.OPEN:
        raise Conflict(_("Only an open consultation can be closed."))
    now = utcnow()
    why = (
        ""
        if by_date
        else early_reason(reason, consultation.closes_at, now, doing="close the consultation")
    )
    consultation.state = ConsultationState.CLOSED
    consultation.closed_at = now
    consultation.close_reason = why
    audit.release_pending(consultation)  # every response is in the log before the close
    audit.record(
        moderator,
        "consultation:close",
        consultation,
        {
            "responses": response_count(consultation, submitted_only=True),
            "by": "date" if by_date else "hand",
            **(
                {"early_reason": why, "closes": aware(consultation.closes_at).isoformat()}
                if why
                else {}
            ),
        },
    )
    audit.make_checkpoint(f"consultation:close {consultation.id}")  # signs the close
    db.session.flush()
    subject = frozen_subject(consultation)
    frozen.build_once(subject, counts.download(consultation))  # read by every view after
    if answers_withheld(consultation) is None:
        frozen.build_once(subject, responses_download(consultation))
    events.consultation_news(consultation, "results")


def close_due(now: datetime | None = None) -> list[str]:
    """Close every consultation past its closing date (run by cron). All of them are
    locked, in id order, before the first closes (see votes.close_due_votes for why)."""
    now = now or utcnow()
    due = [
        c.id
        for c in db.session.scalars(
            select(Consultation).where(Consultation.state == ConsultationState.OPEN)
        )
        if aware(c.closes_at) <= now
    ]
    closed = []
    for consultation in lock_rows(Consultation, due):
        if consultation.state is ConsultationState.OPEN:  # again, after the lock
            close_consultation(None, consultation, by_date=True)
            closed.append(f"consultation {consultation.id}")
    return closed


def publish_reply(actor: User | None, consultation: Consultation, text: str) -> None:
    """ "What we heard, what we will do": the loop closed, in public."""
    moderator = require_moderator(actor)
    if consultation.state not in (ConsultationState.CLOSED, ConsultationState.RESPONDED):
        raise Conflict(_("Publish the response after the consultation closes."))
    if not text.strip():
        raise ValidationFailed({"reply": _("Write what you heard and what you will do")})
    consultation.reply_source = text.strip()
    consultation.reply_html = render(text.strip())
    consultation.replied_at = utcnow()
    consultation.state = ConsultationState.RESPONDED
    audit.record(moderator, "consultation:reply", consultation, {"length": len(text.strip())})
    db.session.flush()
    respondents = db.session.scalars(
        select(Response.respondent_id).where(
            Response.consultation_id == consultation.id, Response.submitted_at.is_not(None)
        )
    ).all()
    events.consultation_replied(consultation, list(respondents))


# --- responding -------------------------------------------------------------------------


def can_respond(user: User | None, consultation: Consultation) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if consultation.audience is Audience.SIGNED_IN:
        return True
    return constituencies.may_take_part(user, consultation)


def _parse(question: Question, raw: Any) -> tuple[str, int | None, list[int], str | None]:
    """(text, scale, chosen option indexes in order, error) for one question's raw input."""
    values = raw if isinstance(raw, list) else ([] if raw in (None, "") else [raw])
    values = [str(v).strip() for v in values if str(v).strip()]
    kind = question.kind
    if kind is QuestionKind.FREE_TEXT:
        text = values[0] if values else ""
        if len(text) > MAX_TEXT:
            return (
                text,
                None,
                [],
                _("Answers can be at most %(most)s characters", most=format_number(MAX_TEXT)),
            )
        return text, None, [], None
    if kind is QuestionKind.SCALE:
        if not values:
            return "", None, [], None
        if values[0] not in {"1", "2", "3", "4", "5"}:
            return "", None, [], _("Choose a number from 1 to 5")
        return "", int(values[0]), [], None
    chosen: list[int] = []
    for value in values:
        if not is_choice_index(value, len(question.options)):
            return "", None, [], _("Choose from the options given")
        chosen.append(int(value))
    if len(set(chosen)) != len(chosen):
        return "", None, chosen, _("Choose each option only once")
    if kind is QuestionKind.SINGLE and len(chosen) > 1:
        return "", None, chosen, _("Choose one option")
    if (
        kind is QuestionKind.MULTIPLE
        and question.max_choices
        and len(chosen) > question.max_choices
    ):
        return "", None, chosen, _("Choose at most %(most)s options", most=question.max_choices)
    return "", None, chosen, None


def _is_empty(text: str, scale: int | None, chosen: list[int]) -> bool:
    return not text and scale is None and not chosen


@dataclass
class Draft:
    """What a respondent typed, per question, to re-show with errors."""

    values: dict[int, Any] = field(default_factory=dict)


Parsed = dict[int, tuple[str, int | None, list[int]]]


def parse_answers(consultation: Consultation, raw: dict[int, Any], *, complete: bool) -> Parsed:
    """Each question's (text, scale, chosen options) from the form's raw values, or
    ValidationFailed by question field. `complete`: required questions must be answered.
    Shared by online responses and paper forms an officer enters (civic.paper)."""
    parsed = {}
    errors: dict[str, str] = {}
    for question in consultation.questions:
        text, scale, chosen, error = _parse(question, raw.get(question.id))
        if error:
            errors[question.field] = error
        elif complete and question.required and _is_empty(text, scale, chosen):
            errors[question.field] = _("Answer “%(question)s”", question=question.text)
        parsed[question.id] = (text, scale, chosen)
    if errors:
        raise ValidationFailed(errors)
    return parsed


def write_answers(consultation: Consultation, response_id: int, parsed: Parsed) -> None:
    """Replace a response's answers with `parsed` (from `parse_answers`)."""
    db.session.execute(delete(Answer).where(Answer.response_id == response_id))
    for question in consultation.questions:
        text, scale, chosen = parsed[question.id]
        if _is_empty(text, scale, chosen):
            continue
        answer_id = db.session.execute(
            insert(Answer)
            .values(response_id=response_id, question_id=question.id, text=text, scale=scale)
            .returning(Answer.id)
        ).scalar_one()
        if chosen:
            db.session.execute(
                insert(AnswerChoice),
                [
                    {
                        "answer_id": answer_id,
                        "question_id": question.id,
                        "option": option,
                        "rank": rank,
                    }
                    for rank, option in enumerate(chosen, start=1)
                ],
            )


def save_response(
    actor: User | None, consultation: Consultation, raw: dict[int, Any], *, submit: bool
) -> Response:
    """Save answers (a draft to come back to, or submitted); replace any earlier answers."""
    user = require_signed_in(actor)
    if not can_respond(user, consultation):
        raise PermissionDenied(constituencies.refusal(consultation, "respond"))
    # lock before checking the state: a close waits for this response and counts
    # it, or has happened and this response is refused with a 409
    consultation = _locked(consultation)
    if not accepting(consultation):
        raise _too_late(consultation)
    existing = db.session.scalar(
        select(Response).where(
            Response.consultation_id == consultation.id, Response.respondent_id == user.id
        )
    )
    if existing is not None and existing.paper:
        raise Conflict(
            _(
                "A paper response was entered for you in this consultation, so you cannot "
                "also respond online. If it is wrong, contest it on your paper response page."
            )
        )
    # saving changes to a submitted response changes what is counted: it must stay complete
    complete = submit or (existing is not None and existing.submitted_at is not None)
    parsed = parse_answers(consultation, raw, complete=complete)
    now = utcnow()
    response = existing
    if response is None:
        response = Response(consultation_id=consultation.id, respondent_id=user.id, updated_at=now)
        try:
            with db.session.begin_nested():
                db.session.add(response)
        except IntegrityError:  # a second tab got there first: use its row
            response = db.session.scalar(
                select(Response).where(
                    Response.consultation_id == consultation.id, Response.respondent_id == user.id
                )
            )
    was_submitted = response.submitted_at is not None
    response.updated_at = now
    # the classes this response counts in, as the respondent stands now (one response)
    constituencies.record_classes(consultation, response.id, user)
    if submit:
        response.submitted_at = now
    write_answers(consultation, response.id, parsed)
    action = (
        "consultation:respond"
        if submit and not was_submitted
        else ("consultation:response_change" if was_submitted else "consultation:response_save")
    )
    audit.record(user, action, consultation)
    db.session.flush()
    events.took_part(user, consultation)
    return response


def _too_late(consultation: Consultation) -> Conflict:
    """The refusal a response gets when the consultation is not open: never a silent loss."""
    if consultation.state is ConsultationState.DRAFT or utcnow() < aware(consultation.opens_at):
        return Conflict(_("This consultation is not open yet; your answers were not saved."))
    ended = consultation.closed_at or consultation.closes_at
    return Conflict(
        _(
            "This consultation closed at %(when)s before your answers arrived; they were not "
            "saved.",
            when=wording.spoken(ended),
        )
    )


def my_response(consultation: Consultation, user: User) -> tuple[Response | None, dict[int, Any]]:
    """The user's response and their answers as the form's raw values."""
    response = db.session.scalar(
        select(Response).where(
            Response.consultation_id == consultation.id, Response.respondent_id == user.id
        )
    )
    if response is None:
        return None, {}
    values: dict[int, Any] = {}
    answers = db.session.scalars(select(Answer).where(Answer.response_id == response.id)).all()
    choices: dict[int, list[tuple[int, int]]] = defaultdict(list)
    if answers:
        for choice in db.session.scalars(
            select(AnswerChoice).where(AnswerChoice.answer_id.in_([a.id for a in answers]))
        ):
            choices[choice.answer_id].append((choice.rank, choice.option))
    kinds = {q.id: q.kind for q in consultation.questions}
    for answer in answers:
        if answer.scale is not None:
            values[answer.question_id] = str(answer.scale)
        elif answer.text:
            values[answer.question_id] = answer.text
        else:
            chosen = [str(o) for _, o in sorted(choices[answer.id])]
            single = kinds.get(answer.question_id) is QuestionKind.SINGLE
            values[answer.question_id] = chosen[0] if single and chosen else chosen
    return response, values


def answers_shown(
    consultation: Consultation, values: dict[int, Any]
) -> list[tuple[Question, list[str]]]:
    """Each question with the respondent's answer as lines to read (none: not answered)."""
    shown = []
    for question in consultation.questions:
        value = values.get(question.id)
        chosen = value if isinstance(value, list) else ([] if value in (None, "") else [value])
        if question.kind is QuestionKind.FREE_TEXT or question.kind is QuestionKind.SCALE:
            lines = [str(v) for v in chosen]
            if question.kind is QuestionKind.SCALE:
                lines = [f"{v} out of 5" for v in lines]
        else:
            lines = [
                question.options[int(v)]
                for v in chosen
                if is_choice_index(str(v), len(question.options))
            ]
            if question.kind is QuestionKind.RANKING:
                lines = [f"{n}. {line}" for n, line in enumerate(lines, start=1)]
        shown.append((question, lines))
    return shown


def responses_of(user: User) -> list[tuple[Consultation, Response]]:
    rows = db.session.execute(
        select(Consultation, Response)
        .join(Response, Response.consultation_id == Consultation.id)
        .where(Response.respondent_id == user.id)
        .order_by(Response.updated_at.desc())
    ).all()
    return [(c, r) for c, r in rows]


# --- analysis ---------------------------------------------------------------------------


@dataclass
class QuestionResult:
    question: Question
    answered: int = 0
    counts: list[int] = field(default_factory=list)  # per option (choices) or per 1..5 (scale)
    rank_points: list[int] = field(default_factory=list)  # ranking: Borda points per option
    average: Fraction | None = None

    def percent(self, count: int) -> str:
        return f"{100 * count / self.answered:.0f}%" if self.answered else "0%"


def answer_counts(consultation: Consultation) -> counts.AnswerCounts:
    """How the submitted responses answered: kept since the close (one stored row read,
    however many responses), counted now before it (the analysis is not shown before the
    close, but the counts are the same function either way)."""
    if is_closed(consultation):
        return counts.kept(frozen_subject(consultation), consultation)
    return counts.count(consultation)


def analyse(
    consultation: Consultation,
) -> tuple[int, list[QuestionResult], list[tuple[Theme, int]]]:
    """Everything the analysis page shows: the counts kept at the close, and the themes
    (moderators may still tag answers after it), in a fixed number of queries however
    many responses there are. Free text is not here: it is published apart, after review
    (`published_free_text`)."""
    questions = list(consultation.questions)
    kept = answer_counts(consultation)
    results = {}
    for q in questions:
        size = 5 if q.kind is QuestionKind.SCALE else len(q.options)
        found = kept.questions.get(q.id) or counts.QuestionCounts(0, [0] * size, [0] * size)
        results[q.id] = QuestionResult(q, found.answered, found.counts, found.rank_points)
    total = kept.total
    for result in results.values():
        if result.question.kind is QuestionKind.SCALE and sum(result.counts):
            result.average = Fraction(
                sum((n + 1) * c for n, c in enumerate(result.counts)), sum(result.counts)
            )
    themes = db.session.execute(
        select(Theme, func.count(AnswerTheme.id))
        .outerjoin(AnswerTheme, AnswerTheme.theme_id == Theme.id)
        .where(Theme.consultation_id == consultation.id)
        .group_by(Theme.id)
        .order_by(func.count(AnswerTheme.id).desc(), Theme.name)
    ).all()
    return total, [results[q.id] for q in questions], [(t, n) for t, n in themes]


def class_figures(consultation: Consultation) -> constituencies.ClassFigures | None:
    """Submitted responses counted per class (a person in two classes once in each), for a
    consultation open to constituencies; withheld until the close and below the minimum."""
    submitted = select(Response.id).where(
        Response.consultation_id == consultation.id, Response.submitted_at.is_not(None)
    )
    final = is_closed(consultation)
    counts = constituencies.counts_by_class(consultation, submitted) if final else {}
    return constituencies.class_figures(consultation, counts, final=final, noun="responses")


def class_choice_counts(
    consultation: Consultation, figures: constituencies.ClassFigures | None
) -> dict[int, dict[int, list[int]]]:
    """{question id: {constituency id: count per option}} for choice questions, only when
    the per-class figures are published (same privacy rule as the class totals)."""
    if figures is None or figures.withheld is not None:
        return {}
    from civic.constituencies.models import CastClass

    ids = [q.id for q in consultation.questions if q.options]
    found: dict[int, dict[int, list[int]]] = {}
    sizes = {q.id: len(q.options) for q in consultation.questions if q.options}
    rows = db.session.execute(
        select(
            AnswerChoice.question_id, CastClass.constituency_id, AnswerChoice.option, func.count()
        )
        .join(Answer, Answer.id == AnswerChoice.answer_id)
        .join(Response, Response.id == Answer.response_id)
        .join(
            CastClass,
            (CastClass.cast_id == Response.id) & (CastClass.subject_type == "consultation"),
        )
        .where(
            AnswerChoice.question_id.in_(ids),
            Response.consultation_id == consultation.id,
            Response.submitted_at.is_not(None),
        )
        .group_by(AnswerChoice.question_id, CastClass.constituency_id, AnswerChoice.option)
    )
    for question_id, constituency_id, option, count in rows:
        per = found.setdefault(question_id, {}).setdefault(
            constituency_id, [0] * sizes[question_id]
        )
        if option < len(per):
            per[option] += count
    return found


def can_see_analysis(user: User | None, consultation: Consultation) -> bool:
    """After the close, for everyone; before it, for no one, moderators included: running
    per-option counts, watched after someone's named comment, tell how they answered."""
    return is_closed(consultation)


def tag_answer(actor: User | None, answer_id: int, theme_names: list[str]) -> None:
    """Set the themes of one free-text answer (moderators' analysis), creating new ones."""
    moderator = require_moderator(actor)
    answer = db.session.get(Answer, answer_id)
    if answer is None:
        raise NotFound(_("That answer does not exist."))
    response = db.session.get(Response, answer.response_id)
    consultation_id = response.consultation_id
    unique: dict[str, str] = {}
    for raw in theme_names:  # "Repairs" and " repairs " are one theme
        name = raw.strip()[:80]
        if name:
            unique.setdefault(name.lower(), name)
    names = sorted(unique.values())
    themes = []
    for name in names:
        theme = db.session.scalar(
            select(Theme).where(
                Theme.consultation_id == consultation_id, func.lower(Theme.name) == name.lower()
            )
        )
        if theme is None:
            theme = Theme(consultation_id=consultation_id, name=name)
            db.session.add(theme)
            db.session.flush()
        themes.append(theme)
    db.session.execute(delete(AnswerTheme).where(AnswerTheme.answer_id == answer.id))
    for theme in themes:
        db.session.add(AnswerTheme(answer_id=answer.id, theme_id=theme.id))
    consultation = db.session.get(Consultation, consultation_id)
    audit.record(
        moderator, "consultation:tag", consultation, {"answer": answer.id, "themes": names}
    )
    db.session.flush()


def frozen_subject(consultation: Consultation) -> str:
    return f"consultation:{consultation.id}"


def responses_download(consultation: Consultation) -> frozen.Frozen:
    """responses.csv as `civic.frozen` builds and stores it. Final at the close: no response
    is submitted after it, the questions are locked, and a person's erasure keeps their
    (nameless) answers. The results JSON is not frozen: its themes and the published
    reply may still change after the close, so it is computed per request (a fixed number
    of GROUP BY queries, and a size set by the questions, not by the responses)."""
    return ("responses.csv", "text/csv; charset=utf-8", lambda: responses_csv(consultation))


def responses_csv(consultation: Consultation) -> str:
    """Every submitted response's structured answers, one row each, with no names, no
    free text (published apart, after review, so a phrase cannot unmask a row) and in an
    order set by the answers, not by when they came in. Callers check `answers_withheld`."""
    questions = [q for q in consultation.questions if q.kind is not QuestionKind.FREE_TEXT]
    by_id = {q.id: q for q in questions}
    submitted = select(Response.id).where(
        Response.consultation_id == consultation.id, Response.submitted_at.is_not(None)
    )
    rows: dict[int, dict[int, str]] = {r: {} for r in db.session.scalars(submitted)}
    answers = db.session.execute(
        select(Answer.id, Answer.response_id, Answer.question_id, Answer.scale).where(
            Answer.response_id.in_(submitted), Answer.question_id.in_(list(by_id))
        )
    ).all()
    choice_map: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for answer_id, option, rank in db.session.execute(
        select(AnswerChoice.answer_id, AnswerChoice.option, AnswerChoice.rank)
        .join(Answer, Answer.id == AnswerChoice.answer_id)
        .where(Answer.response_id.in_(submitted))
    ):
        choice_map[answer_id].append((rank, option))
    for answer_id, response_id, question_id, scale in answers:
        question = by_id[question_id]
        if scale is not None:
            value = str(scale)
        else:
            value = " | ".join(question.options[o] for _, o in sorted(choice_map[answer_id]))
        rows[response_id][question_id] = value
    lines = sorted([rows[r].get(q.id, "") for q in questions] for r in rows)
    numbers = {q.id: n for n, q in enumerate(consultation.questions, start=1)}
    buffer = io.StringIO()
    writer = csv_safe.writer(buffer)
    writer.writerow(["response", *[f"Q{numbers[q.id]}: {q.text}" for q in questions]])
    for number, line in enumerate(lines, start=1):
        writer.writerow([number, *line])
    return buffer.getvalue()


# --- free text: a moderator's redaction review, then published apart ---------------------


@dataclass
class QueueItem:
    """One free-text answer as moderators review it."""

    answer_id: int
    question: Question
    text: str
    review: FreeTextReview | None
    themes: list[str]


def review_queue(actor: User | None, consultation: Consultation) -> list[QueueItem]:
    """Every free-text answer of a submitted response, those not yet reviewed first."""
    require_moderator(actor)
    questions = {q.id: q for q in consultation.questions if q.kind is QuestionKind.FREE_TEXT}
    if not questions:
        return []
    rows = db.session.execute(
        select(Answer.id, Answer.question_id, Answer.text, FreeTextReview)
        .join(Response, Response.id == Answer.response_id)
        .outerjoin(FreeTextReview, FreeTextReview.answer_id == Answer.id)
        .where(
            Response.consultation_id == consultation.id,
            Response.submitted_at.is_not(None),
            Answer.question_id.in_(list(questions)),
            Answer.text != "",
        )
        .order_by(Answer.id)
    ).all()
    tags: dict[int, list[str]] = defaultdict(list)
    for answer_id, name in db.session.execute(
        select(AnswerTheme.answer_id, Theme.name)
        .join(Theme, Theme.id == AnswerTheme.theme_id)
        .where(Theme.consultation_id == consultation.id)
        .order_by(Theme.name)
    ):
        tags[answer_id].append(name)
    items = [
        QueueItem(answer_id, questions[question_id], text, review, tags[answer_id])
        for answer_id, question_id, text, review in rows
    ]
    items.sort(key=lambda i: (i.review is not None, i.question.position, i.answer_id))
    return items


def review_free_text(
    actor: User | None,
    consultation: Consultation,
    answer_id: int,
    decision: str,
    redacted_text: str = "",
) -> FreeTextReview:
    """Publish a free-text answer as written, publish a redacted version, or withhold it.

    Only after the close (the answers are final). The audit entry says what was decided and
    fingerprints the published words; it never holds the original text, which may be the
    very thing withheld."""
    moderator = require_moderator(actor)
    if not is_closed(consultation):
        raise Conflict(_("Free-text answers are reviewed once the consultation has closed."))
    row = db.session.execute(
        select(Answer, Question)
        .join(Question, Question.id == Answer.question_id)
        .join(Response, Response.id == Answer.response_id)
        .where(
            Answer.id == answer_id,
            Response.consultation_id == consultation.id,
            Response.submitted_at.is_not(None),
            Question.kind == QuestionKind.FREE_TEXT,
        )
    ).first()
    if row is None:
        raise NotFound(_("That free-text answer is not part of this consultation."))
    answer, question = row
    field_name = f"answer-{answer_id}"
    try:
        chosen = ReviewDecision(decision)
    except ValueError:
        raise ValidationFailed(
            {f"{field_name}-decision": _("Choose whether to publish, redact or withhold it")}
        ) from None
    redacted = redacted_text.strip()
    if chosen is ReviewDecision.REDACT:
        if not redacted:
            raise ValidationFailed({f"{field_name}-text": _("Write the text to publish")})
        if len(redacted) > MAX_TEXT:
            raise ValidationFailed(
                {
                    f"{field_name}-text": _(
                        "The text can be at most %(most)s characters",
                        most=format_number(MAX_TEXT),
                    )
                }
            )
        if redacted == answer.text.strip():
            raise ValidationFailed(
                {
                    f"{field_name}-text": _(
                        "The text is unchanged: remove what could identify someone, or choose "
                        "to publish it as written"
                    )
                }
            )
    else:
        redacted = ""
    review = db.session.scalar(select(FreeTextReview).where(FreeTextReview.answer_id == answer.id))
    if review is None:
        review = FreeTextReview(
            answer_id=answer.id, consultation_id=consultation.id, question_id=question.id
        )
        db.session.add(review)
    review.decision = chosen
    review.redacted_text = redacted
    review.reviewed_by_id = moderator.id
    review.reviewed_at = utcnow()
    db.session.flush()
    published = {
        ReviewDecision.PUBLISH: answer.text,
        ReviewDecision.REDACT: redacted,
        ReviewDecision.WITHHOLD: None,
    }[chosen]
    audit.record(
        moderator,
        "consultation:free_text_review",
        consultation,
        {
            "review": review.id,
            "question": question.position,
            "decision": chosen.value,
            "published_sha256": hashlib.sha256(published.encode()).hexdigest()
            if published is not None
            else None,
        },
    )
    return review


def published_free_text(consultation: Consultation) -> list[tuple[Question, list[str]]]:
    """Each free-text question with the answers a moderator has cleared (as written or
    redacted), in alphabetical order: not the order they came in, and with nothing that
    joins an answer to the rest of its response. Callers check `answers_withheld`."""
    questions = [q for q in consultation.questions if q.kind is QuestionKind.FREE_TEXT]
    texts: dict[int, list[str]] = defaultdict(list)
    for question_id, decision, original, redacted in db.session.execute(
        select(
            FreeTextReview.question_id,
            FreeTextReview.decision,
            Answer.text,
            FreeTextReview.redacted_text,
        )
        .join(Answer, Answer.id == FreeTextReview.answer_id)
        .where(
            FreeTextReview.consultation_id == consultation.id,
            FreeTextReview.decision != ReviewDecision.WITHHOLD,
        )
    ):
        texts[question_id].append(redacted if decision is ReviewDecision.REDACT else original)
    return [(q, sorted(texts[q.id], key=lambda t: (t.casefold(), t))) for q in questions]
