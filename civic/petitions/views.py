"""Petition pages: the list (filter by area and state), the rules, starting a petition,
a petition's page with its live progress (htmx polling a fragment; a reload works the
same), signing and withdrawing, the moderators' queue and decision, the council's
response, the thresholds page, and the public JSON."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from civic.accounts.models import Area
from civic.errors import Conflict, PermissionDenied, ValidationFailed
from civic.extensions import db
from civic.forms import attach_errors
from civic.i18n import _
from civic.i18n import lazy_gettext as _l
from civic.markdown import render as markdown
from civic.permissions import require_admin, require_moderator, require_signed_in
from civic.petitions import search_kind, services, thresholds
from civic.petitions.forms import (
    ModerateForm,
    RespondForm,
    SignForm,
    StartForm,
    ThresholdForm,
    WithdrawForm,
)
from civic.petitions.models import FollowUp, Petition, PetitionKind, PetitionState
from civic.site_pages import services as site_pages
from civic.web import render

bp = Blueprint("petitions", __name__)
search_kind.register_kind()  # petitions join site search

STATE_LABELS = {
    PetitionState.OPEN: _l("Open"),
    PetitionState.REFUSED: _l("Refused"),
    PetitionState.CLOSED: _l("Closed"),
    PetitionState.PENDING: _l("Waiting for a moderator"),
}


def _petition(petition_id: int) -> Petition:
    petition = services.get(petition_id)
    if not services.can_see(petition, current_user):
        abort(404)
    return petition


def _areas() -> list[Area]:
    return list(db.session.scalars(select(Area).order_by(Area.name)))


@bp.app_template_global("petition_state_label")
def _state_label(state: PetitionState) -> str:
    return str(STATE_LABELS[state])


# --- public pages -----------------------------------------------------------------------


@bp.get("/petitions/")
def index() -> Any:
    areas = _areas()
    area = next((a for a in areas if a.slug == request.args.get("area")), None)
    state = next((s for s in PetitionState if s.value == request.args.get("state")), None)
    if state is PetitionState.PENDING:
        state = None  # pending petitions are not public
    waiting, late = services.waiting_counts()
    return render(
        "petitions/index.html",
        petitions=[(p, services.progress(p)) for p in services.listed(area, state)],
        areas=areas,
        area=area,
        state=state,
        states=[PetitionState.OPEN, PetitionState.CLOSED, PetitionState.REFUSED],
        waiting=waiting,
        late=late,
        moderation_days=services.moderation_days(),
    )


@bp.get("/petitions/rules")
def rules() -> Any:
    return render(
        "petitions/rules.html",
        page=site_pages.get_page("petition_rules"),
        settings=[(a, thresholds.setting_for(a)) for a in _areas()],
    )


def _detail_context(petition: Petition) -> dict[str, Any]:
    viewer = current_user if current_user.is_authenticated else None
    return {
        "petition": petition,
        "progress": services.progress(petition),
        "signed": services.has_signed(petition, viewer),
        "cannot_sign": services.can_sign_reason(petition, viewer),
        "overdue": services.overdue(petition),
        "response_overdue": services.response_overdue(petition),
        "response_html": markdown(petition.response) if petition.response else "",
        "is_moderator": bool(viewer and viewer.is_moderator),
        "moderation_days": services.moderation_days(),
    }


@bp.get("/petitions/<int:petition_id>")
def detail(petition_id: int) -> Any:
    petition = _petition(petition_id)
    return render(
        "petitions/detail.html",
        form=SignForm(),
        withdraw_form=WithdrawForm(),
        **_detail_context(petition),
    )


@bp.get("/petitions/<int:petition_id>/progress")
def progress(petition_id: int) -> Any:
    """The progress block alone, polled by htmx (a full page without htmx)."""
    petition = _petition(petition_id)
    return render(
        "petitions/detail.html",
        block="progress",
        form=SignForm(),
        withdraw_form=WithdrawForm(),
        **_detail_context(petition),
    )


# --- starting ---------------------------------------------------------------------------


@bp.route("/petitions/new", methods=["GET", "POST"])
@login_required
def new() -> Any:
    user = require_signed_in(current_user)
    areas = [e.area for e in user.eligibilities]
    if request.method == "POST" and not areas:
        raise PermissionDenied(
            _(
                "Only residents can start a petition. To show where you live, enter the code "
                "from your letter on the 'Your areas' page."
            )
        )
    form = StartForm()
    form.area.choices = [(a.id, a.name) for a in sorted(areas, key=lambda a: a.name)]
    status = 200
    if form.validate_on_submit():
        area = next((a for a in areas if a.id == form.area.data), None)
        if area is None:
            form.area.errors = [_("Choose an area where you have shown you live")]
            status = 422
        else:
            try:
                petition = services.start(
                    user, area, form.title.data or "", form.asks.data or "", form.why.data or ""
                )
            except ValidationFailed as failure:
                attach_errors(form, failure)
                status = 422
            else:
                flash(
                    _(
                        "Your petition was sent for checking. A moderator checks it against "
                        "the rules within %(num)s days.",
                        num=services.moderation_days(),
                    ),
                    "success",
                )
                return redirect(url_for("petitions.detail", petition_id=petition.id))
    elif form.is_submitted():
        status = 422
    return render("petitions/new.html", status=status, form=form, areas=areas)


# --- signing ----------------------------------------------------------------------------


@bp.post("/petitions/<int:petition_id>/sign")
@login_required
def sign(petition_id: int) -> Any:
    petition = _petition(petition_id)
    services.require_signer(current_user, petition)  # 403 with how to become eligible
    form = SignForm()
    status = 422
    if form.validate_on_submit():
        try:
            signed = services.sign(current_user, petition)
        except Conflict as refused:
            form.form_errors.append(refused.message)
            status = 409
        else:
            if signed.first:
                message = _(
                    "You signed the petition, and it has reached its threshold: the council "
                    "must now publish a response."
                )
            else:
                message = _("You signed the petition.")
            flash(message, "success")
            return redirect(url_for("petitions.detail", petition_id=petition.id))
    return render(
        "petitions/detail.html",
        status=status,
        form=form,
        withdraw_form=WithdrawForm(),
        **_detail_context(petition),
    )


@bp.post("/petitions/<int:petition_id>/withdraw")
@login_required
def withdraw(petition_id: int) -> Any:
    petition = _petition(petition_id)
    withdraw_form = WithdrawForm()
    status = 422
    if withdraw_form.validate_on_submit():
        try:
            services.withdraw(current_user, petition)
        except Conflict as refused:
            withdraw_form.form_errors.append(refused.message)
            status = 409
        else:
            flash(_("Your signature was withdrawn."), "success")
            return redirect(url_for("petitions.detail", petition_id=petition.id))
    return render(
        "petitions/detail.html",
        status=status,
        form=SignForm(),
        withdraw_form=withdraw_form,
        **_detail_context(petition),
    )


# --- moderators -------------------------------------------------------------------------


@bp.get("/petitions/moderation")
@login_required
def moderation() -> Any:
    require_moderator(current_user)
    return render(
        "petitions/moderation.html",
        rows=[(p, services.overdue(p)) for p in services.queue()],
        moderation_days=services.moderation_days(),
    )


@bp.route("/petitions/<int:petition_id>/moderate", methods=["GET", "POST"])
@login_required
def moderate(petition_id: int) -> Any:
    require_moderator(current_user)
    petition = _petition(petition_id)
    form = ModerateForm()
    status = 200
    if form.validate_on_submit():
        try:
            if form.decision.data == "accept":
                services.accept(current_user, petition)
                flash(_("The petition is open for signatures."), "success")
            else:
                services.refuse(current_user, petition, form.reason.data or "")
                flash(_("The petition was refused; it is published with your reason."), "success")
        except ValidationFailed as failure:
            attach_errors(form, failure)
            status = 422
        except Conflict as refused:
            form.form_errors.append(refused.message)
            status = 409
        else:
            return redirect(url_for("petitions.detail", petition_id=petition.id))
    elif form.is_submitted():
        status = 422
    return render(
        "petitions/moderate.html",
        status=status,
        form=form,
        petition=petition,
        overdue=services.overdue(petition),
    )


@bp.route("/petitions/<int:petition_id>/respond", methods=["GET", "POST"])
@login_required
def respond(petition_id: int) -> Any:
    require_moderator(current_user)
    petition = _petition(petition_id)
    form = RespondForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.respond(current_user, petition, form.response.data or "")
        except ValidationFailed as failure:
            attach_errors(form, failure)
            status = 422
        except Conflict as refused:
            form.form_errors.append(refused.message)
            status = 409
        else:
            flash(_("The council's response is published and supporters are told."), "success")
            return redirect(url_for("petitions.detail", petition_id=petition.id))
    elif form.is_submitted():
        status = 422
    return render(
        "petitions/respond.html",
        status=status,
        form=form,
        petition=petition,
        response_overdue=services.response_overdue(petition),
    )


@bp.route("/petitions/thresholds", methods=["GET", "POST"])
@login_required
def thresholds_page() -> Any:
    admin = require_admin(current_user)
    areas = _areas()
    form = ThresholdForm()
    form.area.choices = [(a.id, a.name) for a in areas]
    status = 200
    if form.validate_on_submit():
        area = next((a for a in areas if a.id == form.area.data), None)
        kind = next((k for k in PetitionKind if k.value == form.kind.data), None)
        follow_up = next((f for f in FollowUp if f.value == form.follow_up.data), None)
        if area is None or kind is None or follow_up is None:
            form.area.errors = [_("Choose an area")] if area is None else []
            status = 422
        else:
            try:
                thresholds.set_thresholds(
                    admin, area, kind, form.first.data or "", form.second.data or "", follow_up
                )
            except ValidationFailed as failure:
                attach_errors(form, failure)
                status = 422
            else:
                flash(_("Thresholds saved for %(area)s.", area=area.name), "success")
                return redirect(url_for("petitions.thresholds_page"))
    elif form.is_submitted():
        status = 422
    return render(
        "petitions/thresholds.html",
        status=status,
        form=form,
        rows=thresholds.all_settings(),
        defaults=thresholds.defaults(),
    )


# --- JSON -------------------------------------------------------------------------------


def _json(petition: Petition) -> dict[str, Any]:
    shown = services.progress(petition)
    return {
        "id": petition.id,
        "url": url_for("petitions.detail", petition_id=petition.id, _external=True),
        "title": petition.title,
        "asks": petition.asks,
        "why": petition.why,
        "area": petition.area.slug,
        "kind": petition.kind.value,
        "state": petition.state.value,
        "created_at": petition.created_at.isoformat(),
        "moderated_at": petition.moderated_at.isoformat() if petition.moderated_at else None,
        "refusal_reason": petition.refusal_reason or None,
        "closes_at": petition.closes_at.isoformat() if petition.closes_at else None,
        "signatures": shown["words"],
        "signatures_at_least": shown["at_least"],
        "thresholds": {
            "eligible": petition.eligible_count,
            "first": {
                "setting": petition.first_level or None,
                "signatures": petition.first_threshold,
                "reached_at": petition.first_reached_at.isoformat()
                if petition.first_reached_at
                else None,
            },
            "higher": {
                "setting": petition.second_level or None,
                "signatures": petition.second_threshold,
                "opens": petition.follow_up.value,
                "reached_at": petition.second_reached_at.isoformat()
                if petition.second_reached_at
                else None,
                "consultation": petition.consultation_id,
                "proposal": petition.proposal_id,
            },
        },
        "response": {
            "due_at": petition.response_due_at.isoformat() if petition.response_due_at else None,
            "text": petition.response or None,
            "published_at": petition.responded_at.isoformat() if petition.responded_at else None,
        },
    }


@bp.get("/petitions.json")
def index_json() -> Any:
    return jsonify(petitions=[_json(p) for p in services.listed()])


@bp.get("/petitions/<int:petition_id>.json")
def detail_json(petition_id: int) -> Any:
    petition = services.get(petition_id)
    if petition.state is PetitionState.PENDING:
        abort(404)
    return jsonify(_json(petition))
