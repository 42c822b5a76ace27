"""Proposal pages: the public case, comparison and standards; moderators' editing and
lifecycle; residents' votes with a live turnout; JSON for anyone."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from typing import Any

from flask import Blueprint, flash, jsonify, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from civic import frozen
from civic.accounts.models import Area
from civic.audit import queries as audit_queries
from civic.budgets.ballots import MINOR_PER_UNIT
from civic.constituencies import services as constituencies
from civic.discussions import subjects
from civic.errors import Conflict, ValidationFailed
from civic.extensions import db
from civic.forms import CloseForm, DayMonthYearField, attach_errors, check_csrf
from civic.i18n import _, format_day
from civic.paper import services as paper_services
from civic.params import parse_id
from civic.permissions import require_moderator
from civic.receipts import codes as receipt_codes
from civic.receipts import views as receipt_views
from civic.receipts.codes import receipt_words
from civic.votes import consulting, services
from civic.votes import decision as rules
from civic.votes.forms import (
    VOTE_CLOSE,
    CaseForm,
    ConsultationForm,
    CreateConsultationForm,
    DecisionForm,
    DocumentForm,
    LinkConsultationForm,
    NewProposalForm,
    VoteForm,
    VoteRulesForm,
    VotingForm,
    read_options,
)
from civic.votes.models import (
    ANSWERS,
    OptionKind,
    Proposal,
    ProposalKind,
    ProposalState,
    Standard,
)
from civic.web import render

bp = Blueprint("votes", __name__, url_prefix="/votes")
api = Blueprint("votes_api", __name__, url_prefix="/api/v1/proposals")
# the decision's words depend on the proposal's kind (a service, or an asset)
# (civic.votes.decision is pure and marks its English for the catalogue; pages translate)


@bp.app_template_global()
def decision_headline(kind: str, decision: str) -> str:
    return _(rules.decision_headline(kind, decision))


@bp.app_template_global()
def rule_wording(kind: str, default: str) -> str:
    return _(rules.rule_wording(kind, default))


@bp.app_template_global()
def standards_wording(kind: str) -> str:
    return _(rules.standards_wording(kind))


def _translated(choices: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(value, _(words)) for value, words in choices]


# the consultation page links back to the proposals it was held for (consultations do not
# import votes, so the page asks through this global)
bp.add_app_template_global(consulting.proposals_for, "proposals_for_consultation")


def _proposal_subject(proposal_id: str) -> subjects.SubjectInfo | None:
    ident = parse_id(proposal_id)
    found = db.session.get(Proposal, ident) if ident is not None else None
    if found is None:
        return None
    return subjects.SubjectInfo(
        found.title, found.area, "votes.detail", {"proposal_id": proposal_id}
    )


subjects.register("proposal", _proposal_subject)


def _pounds(value: int | None) -> int | None:
    return None if value is None else value * MINOR_PER_UNIT


def _filtered(area_slug: str, state: str) -> list[Proposal]:
    # the list and the API show each proposal's area: loaded with them, not row by row
    stmt = (
        select(Proposal).options(selectinload(Proposal.area)).order_by(Proposal.created_at.desc())
    )
    if area_slug:
        stmt = stmt.join(Area).where(Area.slug == area_slug)
    if state:
        try:
            stmt = stmt.where(Proposal.state == ProposalState(state))
        except ValueError:
            raise ValidationFailed({"state": _("Unknown state %(state)r", state=state)}) from None
    return list(db.session.scalars(stmt))


def _visible(proposals: list[Proposal]) -> list[Proposal]:
    """Drafts are the moderators' work in progress; residents see them once consulted."""
    return [p for p in proposals if services.can_see(current_user, p)]


@bp.get("")
def index() -> Any:
    area, state = request.args.get("area", ""), request.args.get("state", "")
    proposals = _visible(_filtered(area, state))
    areas = db.session.scalars(select(Area).order_by(Area.name)).all()
    return render(
        "votes/index.html",
        block="results",
        proposals=proposals,
        areas=areas,
        area=area,
        state=state,
        states=list(ProposalState),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Any:
    require_moderator(current_user)
    form = NewProposalForm()
    form.area.choices = [
        (a.id, a.name) for a in db.session.scalars(select(Area).order_by(Area.name))
    ]
    if form.validate_on_submit():
        try:
            proposal = services.create_proposal(
                current_user,
                db.session.get(Area, form.area.data),
                ProposalKind(form.kind.data),
                form.title.data,
                form.service.data,
            )
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            flash(_("Draft created. Fill in the case before consulting residents."), "success")
            return redirect(url_for("votes.manage", proposal_id=proposal.id))
    return render("votes/new.html", status=422 if form.is_submitted() else 200, form=form)


def _detail_context(proposal: Proposal) -> dict[str, Any]:
    cast, eligible = services.turnout(proposal)
    # a secret vote: per-choice figures only once it is counted, never a running tally
    show_tally = services.is_counted(proposal)
    votes_for, votes_against = (
        (proposal.votes_for, proposal.votes_against) if show_tally else (None, None)
    )
    standards_ok = rules.standards_met(proposal.answers)
    return {
        "proposal": proposal,
        "rows": services.option_rows(proposal),
        "carbon_scored": services.carbon_scored(proposal),
        "standards": [
            (s, next((a for a in proposal.standards if a.standard is s), None)) for s in Standard
        ],
        "answers": ANSWERS,
        "cast": cast,  # exact: the result once counted, and moderators' manage page
        "eligible": eligible,
        # from the counts just read: counting 10,000 eligible residents twice per view
        # was most of this page's database time (issue 16's load benchmark)
        "public_turnout": services.public_turnout(proposal, (cast, eligible)),
        "show_tally": show_tally,
        "votes_for": votes_for,
        "votes_against": votes_against,
        "standards_ok": standards_ok,
        "default": rules.default_decision(proposal.outcome, standards_ok)
        if proposal.outcome
        else None,
        "voting_open": services.voting_open(proposal),
        "consultation_ends": services.consultation_ends(proposal),
        "consultation_running": services.consultation_running(proposal),
        "trail": audit_queries.trail("proposal", str(proposal.id)),
        "my_vote": services.my_vote(proposal, current_user)
        if current_user.is_authenticated
        else None,
        "missing": services.missing_for_consultation(proposal),
        "linked": consulting.shown(proposal),
        "class_figures": services.class_figures(proposal),
        "class_noun": "votes",
        "failed_classes": services.failed_class_names(proposal),
        "who_can_vote": constituencies.who(proposal),
    }


def _get_visible(proposal_id: int) -> Proposal:
    proposal = services.get_proposal(proposal_id)
    if not services.is_public(proposal):
        require_moderator(current_user if current_user.is_authenticated else None)
    return proposal


@bp.get("/<int:proposal_id>")
def detail(proposal_id: int) -> Any:
    proposal = _get_visible(proposal_id)
    return render(
        "votes/detail.html", block=None, **_detail_context(proposal), **_receipt_context(proposal)
    )


@bp.get("/<int:proposal_id>/turnout")
def turnout(proposal_id: int) -> Any:
    """The live turnout figure, polled by htmx while the vote runs."""
    proposal = _get_visible(proposal_id)
    return render("votes/detail.html", block="turnout", **_detail_context(proposal))


@bp.route("/<int:proposal_id>/vote", methods=["GET", "POST"])
@login_required
def vote(proposal_id: int) -> Any:
    proposal = _get_visible(proposal_id)
    if request.method == "POST":
        services.require_voter(current_user, proposal)  # before the form is read
    form = VoteForm()
    form.choice.choices = _translated(rules.vote_choices(proposal.kind.value))
    if form.validate_on_submit():
        try:
            receipt = services.cast_vote(current_user, proposal, form.choice.data or "")
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            flash(receipt_words(receipt, "vote"), "success")
            return redirect(url_for("votes.detail", proposal_id=proposal.id))
    elif request.method == "GET":
        form.choice.data = services.my_vote(proposal, current_user)
    return render(
        "votes/vote.html",
        status=422 if form.is_submitted() else 200,
        proposal=proposal,
        form=form,
        voting_open=services.voting_open(proposal),
        **_receipt_context(proposal),
    )


def _receipt_context(proposal: Proposal) -> dict[str, Any]:
    """The signed-in voter's own receipt code, for the receipt panel."""
    mine = services.my_receipt(proposal, current_user) if current_user.is_authenticated else None
    return {
        "my_receipt": mine,
        "receipt_download": url_for("votes.receipt_txt", proposal_id=proposal.id),
        "ballots_withheld": services.ballots_withheld(proposal),
    }


@bp.get("/<int:proposal_id>/receipt.txt")
@login_required
def receipt_txt(proposal_id: int) -> Any:
    """The voter's receipt as a text file (found by their voter key)."""
    proposal = _get_visible(proposal_id)
    return receipt_views.download(services.my_receipt(proposal, current_user))


@bp.get("/<int:proposal_id>/ballots.json")
def ballots_json(proposal_id: int) -> Any:
    """Every counted vote by receipt code, once the vote is closed and enough voted; with
    the totals and the replaced codes, so anyone can recount and find their receipt."""
    proposal = _get_visible(proposal_id)
    if reason := services.ballots_withheld(proposal):
        response = jsonify(error="Not published", message=reason, status=404)
        response.status_code = 404
        return response
    # counted and closed: nothing in it can change, so it is built once and stored
    download = ("ballots.json", "application/json", lambda: _ballots(proposal))
    return frozen.serve(f"vote:{proposal.id}", download)


def _ballots(proposal: Proposal) -> str:
    body = {
        "proposal": proposal.id,
        "title": proposal.title,
        "ballots": services.published_ballots(proposal),
        "totals": {"for": proposal.votes_for or 0, "against": proposal.votes_against or 0},
        "replaced": receipt_codes.retired_codes(proposal.audit_subject),
    }
    return json.dumps(body, indent=1)


# --- moderators -------------------------------------------------------------------------


def _forms(proposal: Proposal) -> dict[str, Any]:
    case = CaseForm(prefix="case", obj=proposal)
    if request.method == "GET" or "case-submit" not in request.form:
        case.inhouse_bid.data = {True: "yes", False: "no"}.get(proposal.inhouse_bid)
        case.current_cost.data = (
            proposal.current_cost // MINOR_PER_UNIT if proposal.current_cost is not None else None
        )
        case.asset_value.data = (
            proposal.asset_value // MINOR_PER_UNIT if proposal.asset_value is not None else None
        )
    rules_form = VoteRulesForm(prefix="rules", obj=proposal)
    decision = DecisionForm(prefix="decision")
    decision.decision.choices = _translated(rules.decision_choices(proposal.kind.value))
    link = LinkConsultationForm(prefix="link")
    link.consultation.choices = [(0, _("Choose a consultation"))] + [
        (
            c.id,
            _(
                "%(title)s (%(state)s, %(start)s to %(end)s)",
                title=c.title,
                state=str(c.state.label).lower(),
                start=format_day(c.opens_at),
                end=format_day(c.closes_at),
            ),
        )
        for c in consulting.linkable_consultations(proposal)
    ]
    if request.method == "GET":
        link.consultation.data = proposal.consultation_id or 0
    return {
        "link_consultation": link,
        "create_consultation": CreateConsultationForm(prefix="create"),
        "case": case,
        "document": DocumentForm(prefix="doc"),
        "rules_form": rules_form,
        "consultation": ConsultationForm(
            prefix="consult",
            data={"days": services.min_consultation_days()},
            minimum=services.min_consultation_days(),
        ),
        "voting": VotingForm(prefix="voting"),
        "close_form": CloseForm(prefix="close", wording=VOTE_CLOSE),
        "decision": decision,
        "option_kinds": list(OptionKind),
        "standard_list": list(Standard),
        "errors": {},
        "summary": [],
    }


def _manage_page(proposal: Proposal, forms: dict[str, Any], status: int = 200) -> Any:
    return render("votes/manage.html", status=status, **_detail_context(proposal), **forms)


@bp.get("/<int:proposal_id>/manage")
@login_required
def manage(proposal_id: int) -> Any:
    require_moderator(current_user)
    proposal = services.get_proposal(proposal_id)
    return _manage_page(proposal, _forms(proposal))


def _done(proposal: Proposal, message: str) -> Any:
    flash(message, "success")
    return redirect(url_for("votes.manage", proposal_id=proposal.id))


@bp.post("/<int:proposal_id>/manage/<action>")
@login_required
def act(proposal_id: int, action: str) -> Any:
    """One endpoint per moderator form; each calls one service and re-renders on error."""
    require_moderator(current_user)
    proposal = services.get_proposal(proposal_id)
    forms = _forms(proposal)
    handlers = {
        "case": _save_case,
        "options": _save_options,
        "standards": _save_standards,
        "document": _save_document,
        "rules": _save_rules,
        "consultation": _open_consultation,
        "voting": _open_voting,
        "close": _close,
        "decision": _decide,
        "link_consultation": _link_consultation,
        "create_consultation": _create_consultation,
    }
    handler = handlers.get(action)
    if handler is None:
        raise ValidationFailed({"action": _("Unknown action")})
    try:
        return handler(proposal, forms)
    except ValidationFailed as failure:
        forms["errors"] = failure.errors  # the generated option/standard rows read these
        form = forms.get(FORM_FOR_ACTION.get(action, ""))
        if form is not None:
            attach_errors(form, failure)
        forms["summary"] = [
            (_anchor(form, key), message) for key, message in failure.errors.items()
        ]
        return _manage_page(proposal, forms, failure.status)


def _anchor(form: Any, key: str) -> str:
    """Where an error summary link must point: the field's real id (forms are prefixed;
    date fields start at their day box), or the generated row's id."""
    field = form._fields.get(key) if form is not None else None
    if field is None:
        return key
    return f"{field.id}-day" if isinstance(field, DayMonthYearField) else field.id


FORM_FOR_ACTION = {
    "case": "case",
    "document": "document",
    "rules": "rules_form",
    "consultation": "consultation",
    "voting": "voting",
    "close": "close_form",
    "decision": "decision",
    "link_consultation": "link_consultation",
    "create_consultation": "create_consultation",
}


class _Refused(ValidationFailed):
    """A state conflict shown on the manage page next to the field it is about."""

    status = 409


def _valid(form: Any) -> None:
    if not form.validate_on_submit():
        raise ValidationFailed({name: str(errs[0]) for name, errs in form.errors.items()})


def _save_case(proposal: Proposal, forms: dict[str, Any]) -> Any:
    form = forms["case"]
    _valid(form)
    services.update_case(
        current_user,
        proposal,
        title=form.title.data,
        service=form.service.data,
        current_provision=form.current_provision.data or "",
        current_cost=_pounds(form.current_cost.data),
        current_performance=form.current_performance.data or "",
        public_interest_case=form.public_interest_case.data or "",
        inhouse_bid={"yes": True, "no": False}.get(form.inhouse_bid.data or ""),
        inhouse_bid_summary=form.inhouse_bid_summary.data or "",
        no_bid_reason=form.no_bid_reason.data or "",
        asset_value=_pounds(form.asset_value.data),
        asset_new_owner=form.asset_new_owner.data or "",
        weight_cost=form.weight_cost.data,
        weight_quality=form.weight_quality.data,
        weight_social=form.weight_social.data,
        weight_carbon=form.weight_carbon.data,
    )
    return _done(proposal, _("The case is saved."))


def _save_options(proposal: Proposal, forms: dict[str, Any]) -> Any:
    check_csrf()
    options, unreadable = read_options(request.form)
    services.set_options(current_user, proposal, options, unreadable)
    return _done(proposal, _("The options appraisal is saved."))


def _save_standards(proposal: Proposal, forms: dict[str, Any]) -> Any:
    check_csrf()
    answers = {
        s.value: (
            (request.form.get(f"{s.value}-answer") or ""),
            (request.form.get(f"{s.value}-note") or "")[:1000],
        )
        for s in Standard
        if request.form.get(f"{s.value}-answer")
    }
    services.answer_standards(current_user, proposal, answers)
    return _done(proposal, _("The standards are saved."))


def _save_document(proposal: Proposal, forms: dict[str, Any]) -> Any:
    form = forms["document"]
    _valid(form)
    services.add_document(
        current_user, proposal, form.title.data, form.url.data or "", form.summary.data or ""
    )
    return _done(proposal, _("Document added."))


def _save_rules(proposal: Proposal, forms: dict[str, Any]) -> Any:
    form = forms["rules_form"]
    _valid(form)
    services.set_vote_rules(
        current_user,
        proposal,
        quorum_percent=form.quorum_percent.data,
        majority=form.majority.data,
        majority_each_class=bool(form.majority_each_class.data),
    )
    return _done(proposal, _("Quorum and majority rule saved."))


def _open_consultation(proposal: Proposal, forms: dict[str, Any]) -> Any:
    form = forms["consultation"]
    _valid(form)
    services.open_consultation(current_user, proposal, form.days.data)
    return _done(proposal, _("The consultation is open."))


def _open_voting(proposal: Proposal, forms: dict[str, Any]) -> Any:
    form = forms["voting"]
    _valid(form)
    closes = datetime.combine(form.closes.data, time(23, 59), tzinfo=UTC)
    try:
        services.open_voting(current_user, proposal, closes)
    except ValidationFailed as failure:
        if "closes_at" in failure.errors:
            failure.errors["closes"] = failure.errors.pop("closes_at")
        raise
    except Conflict as refused:
        # e.g. the consultation is still running: say so by the date, keeping the input
        raise _Refused({"closes": refused.message}) from None
    return _done(proposal, _("The vote is open."))


def _close(proposal: Proposal, forms: dict[str, Any]) -> Any:
    form = forms["close_form"]
    _valid(form)  # the count is final: the moderator must confirm it
    result = services.close_vote(current_user, proposal, reason=form.reason.data or "")
    outcome = {"passed": _("passed"), "rejected": _("rejected")}.get(
        result.outcome, _("quorum not met")
    )
    return _done(proposal, _("The vote is closed: %(outcome)s.", outcome=outcome))


def _decide(proposal: Proposal, forms: dict[str, Any]) -> Any:
    form = forms["decision"]
    _valid(form)
    services.record_decision(
        current_user,
        proposal,
        form.decision.data or "",
        form.reasons.data or "",
        form.override_reason.data or "",
    )
    return _done(proposal, _("The council's decision is recorded and published."))


def _link_consultation(proposal: Proposal, forms: dict[str, Any]) -> Any:
    form = forms["link_consultation"]
    _valid(form)
    try:
        consulting.link_consultation(current_user, proposal, form.consultation.data)
    except Conflict as refused:
        raise _Refused({"consultation": refused.message}) from None
    return _done(proposal, _("The consultation is linked to this proposal."))


def _create_consultation(proposal: Proposal, forms: dict[str, Any]) -> Any:
    _valid(forms["create_consultation"])
    try:
        created = consulting.create_for_proposal(current_user, proposal)
    except Conflict as refused:
        raise _Refused({"submit": refused.message}) from None
    flash(
        _(
            "A draft consultation is created from the proposal and linked to it. Check its "
            "questions, then open it."
        ),
        "success",
    )
    return redirect(url_for("consultations.build", consultation_id=created.id))


# --- JSON -------------------------------------------------------------------------------


def _as_json(proposal: Proposal) -> dict[str, Any]:
    context = _detail_context(proposal)
    closed = proposal.state in (ProposalState.CLOSED, ProposalState.DECIDED)
    return {
        "id": proposal.id,
        "kind": proposal.kind.value,
        "title": proposal.title,
        "service": proposal.service,
        "area": proposal.area.slug,
        "state": proposal.state.value,
        "current": {
            "provision": proposal.current_provision,
            "annual_cost": proposal.current_cost,
            "performance": proposal.current_performance,
        },
        "public_interest_case": proposal.public_interest_case,
        "inhouse_bid": proposal.inhouse_bid,
        "inhouse_bid_summary": proposal.inhouse_bid_summary,
        "no_bid_reason": proposal.no_bid_reason,
        "asset": {"value": proposal.asset_value, "new_owner": proposal.asset_new_owner}
        if proposal.kind is ProposalKind.DISPOSAL
        else None,
        "weights": {
            "cost": proposal.weight_cost,
            "quality": proposal.weight_quality,
            "social_value": proposal.weight_social,
            "carbon": proposal.weight_carbon,
        },
        "carbon_scored": services.carbon_scored(proposal),
        "options": [
            {
                "kind": r["option"].kind.value,
                "provider": r["option"].provider,
                "annual_cost": r["option"].annual_cost,
                "cost_score": r["option"].cost_score,
                "quality_score": r["option"].quality_score,
                "social_value_score": r["option"].social_value_score,
                "carbon_score": r["option"].carbon_score,
                "weighted_total": r["total_text"],
            }
            for r in context["rows"]
        ],
        "standards": {
            s.value: {"answer": a.answer if a else None, "note": a.note if a else ""}
            for s, a in context["standards"]
        },
        "standards_met": context["standards_ok"],
        "documents": [
            {"title": d.title, "url": d.url, "summary": d.summary} for d in proposal.documents
        ],
        "vote": {
            "quorum_percent": proposal.quorum_percent,
            "majority": proposal.majority,
            "opens": proposal.voting_from.isoformat() if proposal.voting_from else None,
            "closes": proposal.voting_until.isoformat() if proposal.voting_until else None,
            # before the close: a band ("at_least"), never an exact running count
            "turnout": {
                "cast": context["public_turnout"]["cast"],
                "at_least": context["public_turnout"]["at_least"],
                "eligible": context["public_turnout"]["eligible"],
            },
            "for": context["votes_for"] if context["show_tally"] else None,
            "against": context["votes_against"] if context["show_tally"] else None,
            "outcome": proposal.outcome if closed else None,
            "majority_each_class": proposal.majority_each_class,
            "open_to": [c.slug for c in constituencies.linked(proposal)],
            # per class, with the privacy rules applied (None: open to residents only)
            "by_class": context["class_figures"].as_json() if context["class_figures"] else None,
            "failed_classes": context["failed_classes"],
            # votes entered from paper and online, apart: after the close, and only when
            # neither figure is small enough to single anyone out (else None)
            "by_channel": paper_services.split_counts(proposal),
        },
        "decision": {
            "decision": proposal.decision,
            "reasons": proposal.decision_reasons,
            "override_reason": proposal.override_reason,
            "default": context["default"],
        }
        if proposal.state is ProposalState.DECIDED
        else None,
        "consultation": _consultation_json(context["linked"]),
        "audit_trail": [e.seq for e in context["trail"]],
    }


def _consultation_json(linked: consulting.Shown | None) -> dict[str, Any] | None:
    """The linked consultation, once it is public (a draft is the moderators' work)."""
    if linked is None or not linked.public:
        return None
    consultation = linked.consultation
    return {
        "id": consultation.id,
        "title": consultation.title,
        "state": consultation.state.value,
        "opens": consultation.opens_at.isoformat(),
        "closes": (consultation.closed_at or consultation.closes_at).isoformat(),
        "responses": linked.responses,
        "you_said_we_did": linked.reply_html or None,
        "url": url_for("consultations.detail", consultation_id=consultation.id, _external=True),
    }


@api.get("")
def api_list() -> Any:
    proposals = _visible(_filtered(request.args.get("area", ""), request.args.get("state", "")))
    return jsonify(
        proposals=[
            {
                "id": p.id,
                "title": p.title,
                "area": p.area.slug,
                "state": p.state.value,
                "url": url_for("votes_api.api_detail", proposal_id=p.id, _external=True),
            }
            for p in proposals
        ]
    )


@api.get("/<int:proposal_id>")
def api_detail(proposal_id: int) -> Any:
    return jsonify(_as_json(_get_visible(proposal_id)))
