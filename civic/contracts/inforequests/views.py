"""Information request pages: the public list (by status), the overdue list, one page per
request, the ask form for signed-in people and the moderators' answer and refusal; their
JSON; the section on the contract page; the scorecard figure."""

from __future__ import annotations

from typing import Any

from flask import flash, jsonify, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from civic.contracts import scorecard, sections
from civic.contracts.blueprint import api, bp
from civic.contracts.inforequests import services
from civic.contracts.inforequests.forms import AnswerForm, AskForm, RefuseForm
from civic.contracts.inforequests.models import InfoRequest, RequestStatus, ShownStatus
from civic.contracts.models import Contract
from civic.errors import ValidationFailed
from civic.extensions import db
from civic.forms import attach_errors
from civic.i18n import _, format_day
from civic.params import parse_page
from civic.permissions import require_moderator
from civic.search import registry as search_registry
from civic.web import error_response, render


def _status_arg() -> ShownStatus | None:
    raw = request.args.get("status", "")
    if not raw:
        return None
    try:
        return ShownStatus(raw)
    except ValueError:
        choices = ", ".join(s.value for s in ShownStatus)
        raise ValidationFailed(
            {
                "status": _(
                    "Unknown status “%(status)s”: choose %(choices)s", status=raw, choices=choices
                )
            }
        ) from None


@bp.get("/requests")
def requests_index() -> Any:
    status = _status_arg()
    return render(
        "contracts/requests/index.html",
        block="results",
        requests=list(db.session.scalars(services.filtered(status))),
        chosen=status.value if status else "",
        statuses=list(ShownStatus),
        today=services.today(),
    )


@bp.get("/requests/overdue")
def requests_overdue() -> Any:
    overdue = list(db.session.scalars(services.filtered(ShownStatus.OVERDUE)))
    return render("contracts/requests/overdue.html", requests=overdue, today=services.today())


@bp.get("/requests/<reference>")
def request_detail(reference: str) -> Any:
    found = services.get_by_reference(reference)
    return render("contracts/requests/detail.html", req=found, today=services.today())


def _ask_form() -> AskForm:
    form = AskForm()
    form.subject.choices = [("", _("Choose one"))] + [
        (c.key, c.label) for c in services.subject_choices()
    ]
    if not form.is_submitted():
        for kind in ("contract", "provider", "proposal"):
            if ident := request.args.get(kind, ""):
                form.subject.data = f"{kind}-{ident}"
    return form


@bp.route("/requests/new", methods=["GET", "POST"])
@login_required
def request_new() -> Any:
    form = _ask_form()
    if form.validate_on_submit():
        try:
            made = services.ask(
                current_user, form.subject.data, form.question.data, form.publish_name.data == "yes"
            )
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            flash(
                _(
                    "Your request %(reference)s was received. The answer is due by %(day)s.",
                    reference=made.reference,
                    day=format_day(made.due_on),
                ),
                "success",
            )
            return redirect(url_for("contracts.request_detail", reference=made.reference))
    elif form.is_submitted():
        # the service's checks too, so the summary lists every problem at once
        _subject, _text, errors = services.check_question(form.subject.data, form.question.data)
        if errors:
            attach_errors(form, ValidationFailed(errors))
    return render(
        "contracts/requests/new.html", status=422 if form.is_submitted() else 200, form=form
    )


def _respond_page(found: InfoRequest, answer_form: AnswerForm, refuse_form: RefuseForm) -> Any:
    failed = answer_form.errors or refuse_form.errors
    return render(
        "contracts/requests/respond.html",
        status=422 if failed else 200,
        req=found,
        answer_form=answer_form,
        refuse_form=refuse_form,
        today=services.today(),
    )


@bp.get("/requests/<reference>/respond")
@login_required
def request_respond(reference: str) -> Any:
    require_moderator(current_user)
    found = services.get_by_reference(reference)
    return _respond_page(found, AnswerForm(), RefuseForm(prefix="refuse"))


def _respond(reference: str, *, refusing: bool) -> Any:
    """Answer or refuse: the same steps, each with its own form and service. The form not
    sent is shown empty beside the one sent."""
    require_moderator(current_user)
    found = services.get_by_reference(reference)
    answer_form = AnswerForm(formdata=None) if refusing else AnswerForm()
    refuse_form = (
        RefuseForm(prefix="refuse") if refusing else RefuseForm(prefix="refuse", formdata=None)
    )
    form = refuse_form if refusing else answer_form
    if form.validate_on_submit():
        try:
            if refusing:
                services.refuse(current_user, found, refuse_form.reason.data)
                done = _(
                    "%(reference)s is refused; the reason is published.", reference=found.reference
                )
            else:
                services.answer(current_user, found, answer_form.answer.data)
                done = _("The answer to %(reference)s is published.", reference=found.reference)
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            flash(done, "success")
            return redirect(url_for("contracts.request_detail", reference=found.reference))
    return _respond_page(found, answer_form, refuse_form)


@bp.post("/requests/<reference>/answer")
@login_required
def request_answer(reference: str) -> Any:
    return _respond(reference, refusing=False)


@bp.post("/requests/<reference>/refuse")
@login_required
def request_refuse(reference: str) -> Any:
    return _respond(reference, refusing=True)


# --- JSON -------------------------------------------------------------------------------


def as_json(found: InfoRequest) -> dict[str, Any]:
    """A request as anyone may read it: never the requester unless they chose to be named."""
    today = services.today()
    return {
        "reference": found.reference,
        "about": {
            "type": found.subject_kind.value,
            "id": found.contract_id or found.provider_id or found.proposal_id,
            "title": found.subject_title,
        },
        "question": found.question,
        "requester": found.requester_shown,
        "received_on": found.received_on.isoformat(),
        "due_on": found.due_on.isoformat(),
        "status": found.shown_status(today).value,
        "answer_html": found.answer_html or None,
        "refusal_reason": found.refusal_reason or None,
        "responded_on": found.responded_on.isoformat() if found.responded_on else None,
        "url": url_for("contracts.request_detail", reference=found.reference, _external=True),
    }


# requests per page of the public API: one request costs about a page, however many there are
API_PER_PAGE = 100


@api.get("/requests")
def api_requests() -> Any:
    page = parse_page(request.args.get("page"))
    if page is None:
        return error_response(400, "page must be a whole number from 1", reason="Invalid page")
    status = _status_arg()
    query = services.filtered(status)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, -(-(total or 0) // API_PER_PAGE))
    found = db.session.scalars(query.limit(API_PER_PAGE).offset((page - 1) * API_PER_PAGE))
    args = {"status": request.args["status"]} if status is not None else {}
    return jsonify(
        information_requests=[as_json(r) for r in found],
        total=total,
        page=page,
        pages=pages,
        per_page=API_PER_PAGE,
        next=url_for("contracts_api.api_requests", page=page + 1, **args, _external=True)
        if page < pages
        else None,
    )


@api.get("/requests/<reference>")
def api_request(reference: str) -> Any:
    return jsonify(as_json(services.get_by_reference(reference)))


@sections.json_part("information_requests")
def _contract_json(contract: Contract) -> list[dict[str, Any]]:
    return [as_json(r) for r in services.about(contract)]


# --- the contract page and the scorecard ---------------------------------------------------


@sections.section("information_requests", "contracts/requests/_section.html", order=60)
def _contract_section(contract: Contract, viewer: Any) -> dict[str, Any]:
    return {"requests": services.about(contract), "today": services.today()}


@scorecard.figure(3, "information_requests_in_time")
def _answered_in_time() -> scorecard.Figure:
    counted = services.timeliness()
    return scorecard.Figure(
        label=_("Information requests answered in time"),
        numerator=counted.in_time,
        denominator=counted.counted,
        link=url_for("contracts.requests_index"),
        note=_(
            "Answered on or before the due date (20 working days after receipt), of every "
            "request answered, refused or past its due date. A refusal counts as not answered."
        ),
    )


# --- search -----------------------------------------------------------------------------


def _search_document(found: InfoRequest) -> search_registry.Document:
    """The question and its answer or refusal are public; the requester never is here."""
    area_id = (
        found.contract.area_id
        if found.contract is not None
        else found.proposal.area_id
        if found.proposal is not None
        else None
    )
    return search_registry.Document(
        ref=found.reference,
        title=f"{found.reference}: {found.subject_title}",
        body="\n\n".join(
            part for part in (found.question, found.answer_source, found.refusal_reason) if part
        ),
        audience=search_registry.PUBLIC,
        state=found.status.value,
        area_id=area_id,
        link=search_registry.Link("contracts.request_detail", {"reference": found.reference}),
    )


search_registry.register(
    search_registry.Kind(
        "info_request",
        "Information request",
        "Information requests",
        InfoRequest,
        lambda found: found.reference,
        _search_document,
        {s.value: s.value.capitalize() for s in RequestStatus},
    )
)
