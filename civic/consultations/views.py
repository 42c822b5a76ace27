"""Consultation pages: the public page with the published response, the moderators'
builder, the response form (save and return, or submit), analysis, CSV and JSON."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from flask import Blueprint, flash, jsonify, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from civic import frozen
from civic.accounts.models import Area, utcnow
from civic.clock import aware
from civic.constituencies import services as constituencies
from civic.consultations import services
from civic.consultations.forms import (
    ConsultationForm,
    QuestionForm,
    ReplyForm,
    close_wording,
)
from civic.consultations.models import (
    Audience,
    Consultation,
    ConsultationState,
    Question,
    QuestionKind,
    ReviewDecision,
)
from civic.content.text import localised
from civic.discussions import subjects
from civic.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from civic.extensions import db
from civic.forms import CloseForm, attach_errors, check_csrf
from civic.i18n import _
from civic.i18n import lazy_gettext as _l
from civic.markdown import render as markdown
from civic.paper import services as paper_services
from civic.params import parse_id
from civic.permissions import require_moderator
from civic.web import render

bp = Blueprint("consultations", __name__, url_prefix="/consultations")
api = Blueprint("consultations_api", __name__, url_prefix="/api/v1/consultations")


def _subject(consultation_id: str) -> subjects.SubjectInfo | None:
    ident = parse_id(consultation_id)
    found = db.session.get(Consultation, ident) if ident is not None else None
    if found is None:
        return None
    area = found.area if found.audience is Audience.RESIDENTS else None
    return subjects.SubjectInfo(
        found.title, area, "consultations.detail", {"consultation_id": consultation_id}
    )


subjects.register("consultation", _subject)


def _visible(consultation_id: int) -> Consultation:
    consultation = services.get_consultation(consultation_id)
    if not services.is_public(consultation):
        require_moderator(current_user if current_user.is_authenticated else None)
    return consultation


def _question(consultation: Consultation, question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None or question.consultation_id != consultation.id:
        raise NotFound(_("That question is not part of this consultation."))
    return question


@bp.get("")
def index() -> Any:
    rows = db.session.scalars(  # each row shows its area: loaded with the list
        select(Consultation)
        .options(selectinload(Consultation.area))
        .order_by(Consultation.closes_at.desc())
    ).all()
    rows = [c for c in rows if services.can_see(current_user, c)]
    return render("consultations/index.html", consultations=rows, services=services)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Any:
    require_moderator(current_user)
    form = ConsultationForm()
    form.area.choices = [
        (a.id, a.name) for a in db.session.scalars(select(Area).order_by(Area.name))
    ]
    if form.validate_on_submit():
        try:
            created = services.create_consultation(
                current_user,
                db.session.get(Area, form.area.data),
                title=form.title.data,
                service=form.service.data,
                summary=form.summary.data or "",
                documents=form.documents.data or "",
                audience=Audience(form.audience.data),
                opens_at=datetime.combine(form.opens.data, time(0, 0), tzinfo=UTC),
                closes_at=datetime.combine(form.closes.data, time(23, 59), tzinfo=UTC),
            )
        except ValidationFailed as failure:
            if "closes_at" in failure.errors:
                failure.errors["closes"] = failure.errors.pop("closes_at")
            attach_errors(form, failure)
        else:
            flash(_("Consultation created. Add its questions, then open it."), "success")
            return redirect(url_for("consultations.build", consultation_id=created.id))
    return render("consultations/new.html", status=422 if form.is_submitted() else 200, form=form)


@bp.get("/<int:consultation_id>")
def detail(consultation_id: int) -> Any:
    consultation = _visible(consultation_id)
    # in the page's language where a moderator has written it (civic.content)
    summary = localised(consultation, "summary")
    return render(
        "consultations/detail.html",
        consultation=consultation,
        summary=summary,
        summary_html=markdown(summary.text),
        documents_html=markdown(consultation.documents),
        accepting=services.accepting(consultation),
        can_respond=services.can_respond(current_user, consultation),
        mine=services.my_response(consultation, current_user)[0]
        if current_user.is_authenticated
        else None,
        show_analysis=services.can_see_analysis(current_user, consultation),
        # exact once closed; before that a band, so it does not tick up after a named act
        responses=services.public_response_words(consultation),
        who_can_respond=constituencies.who(consultation),
    )


# --- builder ----------------------------------------------------------------------------


def _builder(
    consultation: Consultation, form: QuestionForm, status: int = 200, **extra: Any
) -> Any:
    return render(
        "consultations/build.html",
        block=extra.pop("block", None),
        status=status,
        consultation=consultation,
        form=form,
        locked=services.questions_locked(consultation),
        submitted=services.response_count(consultation, submitted_only=True),
        who_can_respond=constituencies.who(consultation),
        reply_form=extra.pop("reply_form", None)
        or ReplyForm(prefix="reply", data={"reply": consultation.reply_source}),
        **extra,
    )


def _refused(consultation: Consultation, failure: Conflict | ValidationFailed, where: str) -> Any:
    """The builder again, with the service's reason for refusing shown in the error summary
    and by the part of the page it is about (`where`: "state" or "questions")."""
    return _builder(
        consultation,
        QuestionForm(formdata=None),
        failure.status,
        refusal=failure.message,
        refusal_at=where,
    )


@bp.route("/<int:consultation_id>/build", methods=["GET", "POST"])
@login_required
def build(consultation_id: int) -> Any:
    require_moderator(current_user)
    consultation = services.get_consultation(consultation_id)
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            services.add_question(
                current_user,
                consultation,
                kind=QuestionKind(form.kind.data),
                text=form.text.data,
                hint=form.hint.data or "",
                required=bool(form.required.data),
                options=(form.options.data or "").splitlines(),
                max_choices=form.max_choices.data,
            )
        except ValidationFailed as failure:
            attach_errors(form, failure)
        except Conflict as failure:
            form.form_errors.append(failure.message)
            return _builder(consultation, form, failure.status)
        else:
            flash(_("Question added."), "success")
            return redirect(url_for("consultations.build", consultation_id=consultation.id))
    return _builder(consultation, form, 422 if form.is_submitted() else 200)


@bp.post("/<int:consultation_id>/questions/<int:question_id>/move")
@login_required
def move(consultation_id: int, question_id: int) -> Any:
    require_moderator(current_user)  # before anything is read or shown
    consultation = services.get_consultation(consultation_id)
    check_csrf()
    offset = -1 if request.form.get("direction") == "up" else 1
    question = _question(consultation, question_id)
    try:
        services.move_question(current_user, question, offset)
    except Conflict as failure:
        if request.headers.get("HX-Request"):
            raise  # civic.js shows the reason by the button that was used
        return _refused(consultation, failure, "questions")
    db.session.expire(consultation, ["questions"])
    if request.headers.get("HX-Request"):
        # `moved` adds the new position, out of band, to the page's live region
        return _builder(
            consultation, QuestionForm(formdata=None), block="questions", moved=question
        )
    return redirect(url_for("consultations.build", consultation_id=consultation.id) + "#questions")


@bp.post("/<int:consultation_id>/questions/<int:question_id>/remove")
@login_required
def remove(consultation_id: int, question_id: int) -> Any:
    require_moderator(current_user)  # before anything is read or shown
    consultation = services.get_consultation(consultation_id)
    check_csrf()
    try:
        services.remove_question(current_user, _question(consultation, question_id))
    except Conflict as failure:
        return _refused(consultation, failure, "questions")
    flash(_("Question removed."), "success")
    return redirect(url_for("consultations.build", consultation_id=consultation.id))


@bp.route("/<int:consultation_id>/questions/<int:question_id>/edit", methods=["GET", "POST"])
@login_required
def edit_question(consultation_id: int, question_id: int) -> Any:
    require_moderator(current_user)
    consultation = services.get_consultation(consultation_id)
    question = _question(consultation, question_id)
    form = QuestionForm(
        data=None
        if request.method == "POST"
        else {
            "kind": question.kind.value,
            "text": question.text,
            "hint": question.hint,
            "options": "\n".join(question.options),
            "max_choices": question.max_choices,
            "required": question.required,
        }
    )
    if form.validate_on_submit():
        try:
            services.edit_question(
                current_user,
                question,
                text=form.text.data,
                hint=form.hint.data or "",
                required=bool(form.required.data),
                options=(form.options.data or "").splitlines(),
                max_choices=form.max_choices.data,
            )
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            flash(_("Question saved."), "success")
            return redirect(url_for("consultations.build", consultation_id=consultation.id))
    return render(
        "consultations/edit_question.html",
        status=422 if form.is_submitted() else 200,
        consultation=consultation,
        question=question,
        form=form,
        locked=services.questions_locked(consultation),
    )


@bp.post("/<int:consultation_id>/state")
@login_required
def change_state(consultation_id: int) -> Any:
    # before the action is read: a refusal must not show the (perhaps draft) builder page
    require_moderator(current_user)
    consultation = services.get_consultation(consultation_id)
    check_csrf()
    action = request.form.get("action")
    try:
        if action == "open":
            services.open_consultation(current_user, consultation)
            flash(_("The consultation is open."), "success")
        elif action == "close":
            # closing is final and, early, needs a published reason: always confirmed first
            return redirect(url_for("consultations.close", consultation_id=consultation.id), 303)
        else:
            raise ValidationFailed({"action": _("Choose open or close")})
    except ValidationFailed as failure:
        return _refused(consultation, failure, "state")
    except Conflict as failure:
        return _refused(consultation, failure, "state")
    return redirect(url_for("consultations.build", consultation_id=consultation.id))


def _closes_early(consultation: Consultation) -> bool:
    return consultation.state is ConsultationState.OPEN and utcnow() < aware(consultation.closes_at)


@bp.route("/<int:consultation_id>/close", methods=["GET", "POST"])
@login_required
def close(consultation_id: int) -> Any:
    """Close the consultation by hand, after a confirmation page (the same close form as a
    vote's): the officer ticks that it is final and, before the published closing date,
    gives the reason that is published with it. With htmx the form opens in the builder."""
    require_moderator(current_user)  # before anything is read or shown
    consultation = services.get_consultation(consultation_id)
    form = CloseForm(prefix="close", wording=close_wording(consultation))
    status = 200
    if form.validate_on_submit():
        try:
            services.close_consultation(current_user, consultation, reason=form.reason.data or "")
        except ValidationFailed as failure:
            attach_errors(form, failure)
            status = failure.status
        except Conflict as failure:
            form.form_errors.append(failure.message)
            status = failure.status
        else:
            flash(_("The consultation is closed."), "success")
            return redirect(url_for("consultations.detail", consultation_id=consultation.id))
    elif form.is_submitted():
        status = 422
    elif consultation.state is not ConsultationState.OPEN:
        status = 409  # nothing to close: the page says why
    return render(
        "consultations/close.html",
        block="close_form",
        status=status,
        consultation=consultation,
        form=form,
        early=_closes_early(consultation),
        submitted=services.response_count(consultation, submitted_only=True),
    )


@bp.post("/<int:consultation_id>/reply")
@login_required
def reply(consultation_id: int) -> Any:
    require_moderator(current_user)
    consultation = services.get_consultation(consultation_id)
    form = ReplyForm(prefix="reply")
    if form.validate_on_submit():
        try:
            services.publish_reply(current_user, consultation, form.reply.data or "")
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            flash(_("Your response to residents is published."), "success")
            return redirect(url_for("consultations.detail", consultation_id=consultation.id))
    return _builder(consultation, QuestionForm(formdata=None), 422, reply_form=form)


# --- responding -------------------------------------------------------------------------


SUBMITTED = _l(
    "Thank you: your response is submitted. You can change it until the consultation closes."
)
SAVED = _l("Your answers are saved. Come back to finish them before the consultation closes.")
CHANGES_SAVED = _l(
    "Your changes are saved in your submitted response. You can change it until the "
    "consultation closes."
)


def _raw_answers(consultation: Consultation) -> dict[int, Any]:
    raw: dict[int, Any] = {}
    for q in consultation.questions:
        if q.kind is QuestionKind.MULTIPLE:
            raw[q.id] = request.form.getlist(q.field)
        elif q.kind is QuestionKind.RANKING:
            raw[q.id] = [
                v
                for n in range(1, len(q.options) + 1)
                if (v := request.form.get(f"{q.field}-rank-{n}"))
            ]
        else:
            raw[q.id] = request.form.get(q.field, "")
    return raw


@bp.route("/<int:consultation_id>/respond", methods=["GET", "POST"])
@login_required
def respond(consultation_id: int) -> Any:
    consultation = _visible(consultation_id)
    if not services.can_respond(current_user, consultation):
        raise PermissionDenied(
            _(
                "Only residents of %(area)s can respond. To show you live there, enter the "
                "code from your letter on the 'Your areas' page.",
                area=consultation.area.name,
            )
        )
    response, values = services.my_response(consultation, current_user)
    errors: dict[str, str] = {}
    if request.method == "POST":
        check_csrf()
        values = _raw_answers(consultation)
        submit = request.form.get("action") == "submit"
        try:
            saved = services.save_response(current_user, consultation, values, submit=submit)
        except ValidationFailed as failure:
            errors = failure.errors
        else:
            # saving a submitted response changes it, still submitted (see save_response)
            message = SUBMITTED if submit else (CHANGES_SAVED if saved.submitted_at else SAVED)
            flash(str(message), "success")
            return redirect(url_for("consultations.respond", consultation_id=consultation.id))
    return render(
        "consultations/respond.html",
        status=422 if errors else 200,
        consultation=consultation,
        response=response,
        values=values,
        errors=errors,
        accepting=services.accepting(consultation),
        answers=services.answers_shown(consultation, values) if response else [],
    )


@bp.get("/mine")
@login_required
def mine() -> Any:
    return render("consultations/mine.html", rows=services.responses_of(current_user))


# --- analysis ---------------------------------------------------------------------------


def _analysable(consultation_id: int) -> Consultation:
    consultation = _visible(consultation_id)
    if not services.can_see_analysis(current_user, consultation):
        raise PermissionDenied(_("What people answered is published when the consultation closes."))
    return consultation


@bp.get("/<int:consultation_id>/analysis")
def analysis(consultation_id: int) -> Any:
    consultation = _analysable(consultation_id)
    total, results, themes = services.analyse(consultation)
    withheld = services.answers_withheld(consultation)
    figures = services.class_figures(consultation)
    return render(
        "consultations/analysis.html",
        consultation=consultation,
        total=total,
        results=results,
        themes=themes,
        withheld=withheld,
        class_figures=figures,
        class_choices={} if withheld else services.class_choice_counts(consultation, figures),
    )


@bp.get("/<int:consultation_id>/free-text")
def free_text(consultation_id: int) -> Any:
    """What people wrote, as cleared by a moderator, apart from their other answers."""
    consultation = _analysable(consultation_id)
    withheld = services.answers_withheld(consultation)
    return render(
        "consultations/free_text.html",
        consultation=consultation,
        withheld=withheld,
        questions=[] if withheld else services.published_free_text(consultation),
    )


REVIEW_PAGE = 100  # answers on the review page at once, those still to review first


def _review_page(consultation: Consultation, status: int = 200, **extra: Any) -> Any:
    return render(
        "consultations/review.html",
        status=status,
        consultation=consultation,
        items=services.review_queue(current_user, consultation),
        shown=REVIEW_PAGE,
        decisions=list(ReviewDecision),
        errors=extra.pop("errors", {}),
        typed=extra.pop("typed", {}),
        **extra,
    )


@bp.get("/<int:consultation_id>/free-text/review")
@login_required
def review(consultation_id: int) -> Any:
    require_moderator(current_user)
    consultation = services.get_consultation(consultation_id)
    if not services.is_closed(consultation):
        raise Conflict(_("Free-text answers are reviewed once the consultation has closed."))
    return _review_page(consultation)


@bp.post("/<int:consultation_id>/free-text/<int:answer_id>/review")
@login_required
def review_answer(consultation_id: int, answer_id: int) -> Any:
    require_moderator(current_user)
    consultation = services.get_consultation(consultation_id)
    check_csrf()
    decision = request.form.get("decision", "")
    text = (request.form.get("text") or "")[: services.MAX_TEXT + 1]
    try:
        services.review_free_text(current_user, consultation, answer_id, decision, text)
    except ValidationFailed as failure:
        typed = {answer_id: {"decision": decision, "text": text}}
        return _review_page(consultation, 422, errors=failure.errors, typed=typed)
    flash(_("Review saved."), "success")
    return redirect(
        url_for("consultations.review", consultation_id=consultation.id) + f"#answer-{answer_id}"
    )


@bp.post("/<int:consultation_id>/answers/<int:answer_id>/themes")
@login_required
def tag(consultation_id: int, answer_id: int) -> Any:
    require_moderator(current_user)  # before anything is read or shown
    consultation = services.get_consultation(consultation_id)
    check_csrf()
    names = (request.form.get("themes") or "").split(",")
    services.tag_answer(current_user, answer_id, names)
    return redirect(
        url_for("consultations.review", consultation_id=consultation.id) + f"#answer-{answer_id}"
    )


@bp.get("/<int:consultation_id>/responses.csv")
def responses_csv(consultation_id: int) -> Any:
    consultation = _analysable(consultation_id)
    if reason := services.answers_withheld(consultation):
        raise NotFound(reason)
    return frozen.serve(  # built once, at the close or by the first request after
        services.frozen_subject(consultation),
        services.responses_download(consultation),
        f"consultation-{consultation.id}-responses.csv",
    )


@api.get("/<int:consultation_id>/results")
def results_json(consultation_id: int) -> Any:
    consultation = _analysable(consultation_id)
    total, results, themes = services.analyse(consultation)
    figures = services.class_figures(consultation)
    by_class = figures.as_json() if figures else None
    if reason := services.answers_withheld(consultation):
        # too few responses to publish how they answered: the count and the reply only
        return jsonify(
            id=consultation.id,
            title=consultation.title,
            state=consultation.state.value,
            responses=total,
            responses_by_channel=paper_services.split_counts(consultation),
            by_class=by_class,
            withheld=reason,
            questions=None,
            themes=None,
            reply=consultation.reply_source or None,
        )
    return jsonify(
        id=consultation.id,
        title=consultation.title,
        state=consultation.state.value,
        responses=total,
        # paper forms entered by officers and online responses, apart (None: withheld)
        responses_by_channel=paper_services.split_counts(consultation),
        questions=[
            {
                "id": r.question.id,
                "text": r.question.text,
                "kind": r.question.kind.value,
                "late": r.question.late,
                "answered": r.answered,
                "options": [
                    {
                        "option": option,
                        "count": r.counts[n],
                        **(
                            {"rank_points": r.rank_points[n]}
                            if r.question.kind is QuestionKind.RANKING
                            else {}
                        ),
                    }
                    for n, option in enumerate(r.question.options)
                ]
                if r.question.kind.has_options
                else None,
                "scale": {
                    "counts": r.counts,
                    "average": f"{float(r.average):.2f}" if r.average else None,
                }
                if r.question.kind is QuestionKind.SCALE
                else None,
            }
            for r in results
        ],
        themes=[{"name": t.name, "answers": n} for t, n in themes],
        # responses per class, and per option within each class (privacy rules applied)
        by_class=by_class,
        options_by_class={
            str(question_id): {str(c): counts for c, counts in per.items()}
            for question_id, per in services.class_choice_counts(consultation, figures).items()
        },
        free_text=url_for(
            "consultations.free_text", consultation_id=consultation.id, _external=True
        ),
        reply=consultation.reply_source or None,
    )
