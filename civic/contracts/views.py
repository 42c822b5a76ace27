"""The public register (list, contract, provider, version history) and the moderators'
contract form. Views load, parse the form, call one service and render."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from civic import markdown
from civic.accounts.models import Area
from civic.clock import utcnow
from civic.contracts import review, search_kind, sections, services, versions
from civic.contracts.blueprint import bp
from civic.contracts.forms import (
    NEW_PROVIDER,
    TERM_ANSWERS,
    ContractForm,
    PublishForm,
    read_terms,
    term_rows,
)
from civic.contracts.models import Contract, Provider, ProviderType
from civic.errors import ValidationFailed
from civic.extensions import db
from civic.forms import DayMonthYearField, attach_errors
from civic.i18n import _
from civic.params import parse_id
from civic.permissions import require_moderator
from civic.votes.models import Proposal, Standard
from civic.web import render

search_kind.register_kind()  # the register joins site search


def _viewer() -> Any:
    return current_user if current_user.is_authenticated else None


def _visible(contract_id: int) -> Contract:
    """A public contract for everyone; a draft only for moderators (404 for the rest)."""
    contract = db.session.get(Contract, contract_id)
    if contract is None or not services.can_see(_viewer(), contract):
        abort(404)
    return contract


@bp.app_template_global()
def contracts_after(proposal: Proposal) -> list[Contract]:
    """The contracts a proposal's decision led to, for the proposal page's link back."""
    return services.contracts_of_proposal(proposal)


# --- the public register ----------------------------------------------------------------


# the list's filter boxes, by query parameter: where an error summary link points
FILTER_IDS = {
    "area": "filter-area",
    "provider_type": "filter-type",
    "q": "filter-q",
    "ending_before": "filter-ending",
    "page": "filter-q",
}


@bp.get("")
def index() -> Any:
    filters = {
        "area": request.args.get("area", ""),
        "provider_type": request.args.get("provider_type", ""),
        "q": request.args.get("q", ""),
        "ending_before": request.args.get("ending_before", ""),
    }
    errors: dict[str, str] = {}
    try:
        found = services.find_contracts(
            area=filters["area"],
            provider_type=filters["provider_type"],
            query=filters["q"],
            ending_before=filters["ending_before"],
            page=request.args.get("page", "1"),
        )
    except ValidationFailed as failure:
        errors = failure.errors
        found = services.RegisterPage()

    def page_url(number: int) -> str:
        given = {k: v for k, v in filters.items() if v}
        return url_for("contracts.index", page=number, **given)

    today = utcnow().date()
    return render(
        "contracts/index.html",
        block="results",
        status=422 if errors else 200,
        found=found,
        filters=filters,
        errors=errors,
        summary=[(FILTER_IDS.get(key, "filter-q"), message) for key, message in errors.items()],
        areas=db.session.scalars(select(Area).order_by(Area.name)).all(),
        provider_types=list(ProviderType),
        markers={c.id: services.marker(c, today) for c in found.contracts},
        page_url=page_url,
        review_months=review.review_months(),
    )


@bp.get("/<int:contract_id>")
def contract_detail(contract_id: int) -> Any:
    contract = _visible(contract_id)
    return render(
        "contracts/contract_detail.html",
        contract=contract,
        summary_html=markdown.render(contract.summary),
        terms=_term_table(contract),
        marker=services.marker(contract, utcnow().date()),
        sections=sections.render_context(contract, current_user),
        publish_form=PublishForm(),
    )


def _term_table(contract: Contract) -> list[tuple[Standard, str, str]]:
    given = {t.standard: t for t in contract.terms}
    return [
        (
            s,
            TERM_ANSWERS.get(given[s].answer, given[s].answer) if s in given else _("Not stated"),
            given[s].note if s in given else "",
        )
        for s in Standard
    ]


@bp.get("/providers/<int:provider_id>")
def provider(provider_id: int) -> Any:
    found = services.get_provider(provider_id)
    today = utcnow().date()
    contracts = services.provider_contracts(found)
    return render(
        "contracts/provider.html",
        provider=found,
        contracts=contracts,
        markers={c.id: services.marker(c, today) for c in contracts},
    )


@bp.get("/<int:contract_id>/history")
def history(contract_id: int) -> Any:
    contract = _visible(contract_id)
    kept = versions.history(contract.id)
    rows = []
    previous = None
    for row in kept:
        content = row.content
        rows.append((row, versions.changes(previous, content)))
        previous = content
    return render("contracts/history.html", contract=contract, versions=list(reversed(rows)))


# --- moderators -------------------------------------------------------------------------


def _choices(form: ContractForm) -> None:
    form.area.choices = [("", _("Choose an area"))] + [
        (str(a.id), a.name) for a in db.session.scalars(select(Area).order_by(Area.name))
    ]
    form.provider.choices = (
        [("", _("Choose a provider"))]
        + [
            (str(p.id), f"{p.name} ({p.kind.label})")
            for p in db.session.scalars(select(Provider).order_by(Provider.name))
        ]
        + [(NEW_PROVIDER, _("A new provider (give its name and type below)"))]
    )
    form.proposal.choices = [("", _("None: it did not go to a Civic vote"))] + [
        (str(p.id), f"{p.title} ({p.area.name})") for p in services.approvable_proposals()
    ]


def _input(form: ContractForm) -> tuple[services.ContractInput, services.NewProvider | None]:
    """The form as the service takes it: ids looked up (an unknown one is None, which the
    service reports next to its field) and the generated term rows read."""
    area_id, provider_id, proposal_id = (
        parse_id(form.area.data),
        parse_id(form.provider.data),
        parse_id(form.proposal.data),
    )
    new_provider = None
    if form.provider.data == NEW_PROVIDER:
        kind = form.provider_kind.data or ""
        new_provider = services.NewProvider(
            name=form.provider_name.data or "",
            kind=ProviderType(kind) if kind in {k.value for k in ProviderType} else None,
            identifier=form.provider_identifier.data or "",
        )
    proposal = db.session.get(Proposal, proposal_id) if proposal_id else None
    given = services.ContractInput(
        reference=form.reference.data or "",
        title=form.title.data or "",
        service=form.service.data or "",
        area=db.session.get(Area, area_id) if area_id else None,
        provider=db.session.get(Provider, provider_id) if provider_id else None,
        annual_value=form.annual_value.data,
        total_value=form.total_value.data,
        start_date=form.start_date.data,
        end_date=form.end_date.data,
        break_clause=form.break_clause.data or "",
        summary=form.summary.data or "",
        proposal=proposal,
        terms=read_terms(request.form),
    )
    return given, new_provider


def _field_errors(form: ContractForm) -> dict[str, str]:
    return {name: str(errs[0]) for name, errs in form.errors.items()}


def _form_page(
    template: str,
    form: ContractForm,
    *,
    contract: Contract | None,
    errors: dict[str, str],
    status: int = 200,
) -> Any:
    answers = (
        read_terms(request.form)
        if request.method == "POST"
        else {t.standard.value: (t.answer, t.note) for t in contract.terms}
        if contract is not None
        else {}
    )
    summary = [(_anchor(form, key), message) for key, message in errors.items()]
    return render(
        template,
        status=status,
        form=form,
        contract=contract,
        terms=term_rows(answers),
        answers=TERM_ANSWERS,
        errors=errors,
        summary=summary,
    )


def _anchor(form: ContractForm, key: str) -> str:
    field = form._fields.get(key)
    if field is None:
        if key.startswith("term_"):
            return f"{key.removeprefix('term_')}-answer"
        return key
    return f"{field.id}-day" if isinstance(field, DayMonthYearField) else field.id


def _submit(form: ContractForm, contract: Contract | None) -> Contract:
    """Call the one service; if the form itself is wrong, report its messages together
    with the service's checks of the rest, so the moderator sees everything at once."""
    form_ok = form.validate_on_submit()
    given, new_provider = _input(form)
    reason = form.reason.data or ""
    if not form_ok:
        checked = services.contract_errors(
            given, contract=contract, new_provider=new_provider, reason=reason
        )
        raise ValidationFailed({**checked, **_field_errors(form)})
    return services.save_contract(
        current_user,
        given,
        contract=contract,
        new_provider=new_provider,
        reason=reason,
        expected_version=parse_id(form.version.data) if contract is not None else None,
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Any:
    require_moderator(current_user)
    form = ContractForm()
    _choices(form)
    if request.method == "POST":
        try:
            contract = _submit(form, None)
        except ValidationFailed as failure:
            attach_errors(form, _only_fields(form, failure))
            return _form_page(
                "contracts/new.html", form, contract=None, errors=failure.errors, status=422
            )
        flash(_("Draft saved. Check it, then publish it on the register."), "success")
        return redirect(url_for("contracts.contract_detail", contract_id=contract.id))
    return _form_page("contracts/new.html", form, contract=None, errors={})


def _only_fields(form: ContractForm, failure: ValidationFailed) -> ValidationFailed:
    """The messages the form's own fields do not already show (attach_errors adds them)."""
    return ValidationFailed(
        {
            k: v
            for k, v in failure.errors.items()
            if not (k in form._fields and v in (form._fields[k].errors or []))
        }
    )


def _edit_form(contract: Contract) -> ContractForm:
    if request.method == "POST":
        form = ContractForm()
    else:
        form = ContractForm(obj=contract)
        # the contract's related rows, as the select boxes' values (ids)
        form.area.data = str(contract.area_id)
        form.provider.data = str(contract.provider_id)
        form.proposal.data = str(contract.proposal_id or "")
        form.version.data = str(contract.version)
    _choices(form)
    return form


@bp.route("/<int:contract_id>/edit", methods=["GET", "POST"])
@login_required
def edit(contract_id: int) -> Any:
    require_moderator(current_user)
    contract = services.get_contract(contract_id)
    form = _edit_form(contract)
    if request.method == "POST":
        try:
            _submit(form, contract)
        except ValidationFailed as failure:
            attach_errors(form, _only_fields(form, failure))
            return _form_page(
                "contracts/edit.html", form, contract=contract, errors=failure.errors, status=422
            )
        flash(
            _("Saved as version %(version)s.", version=contract.version)
            if contract.is_public
            else _("Draft saved. Publish it when it is ready."),
            "success",
        )
        return redirect(url_for("contracts.contract_detail", contract_id=contract.id))
    return _form_page("contracts/edit.html", form, contract=contract, errors={})


@bp.post("/<int:contract_id>/publish")
@login_required
def publish(contract_id: int) -> Any:
    require_moderator(current_user)
    contract = services.get_contract(contract_id)
    form = PublishForm()
    if not form.validate_on_submit():
        abort(400)
    services.publish_contract(current_user, contract)
    flash(_("The contract is on the public register."), "success")
    return redirect(url_for("contracts.contract_detail", contract_id=contract.id))
