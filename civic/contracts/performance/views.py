"""Performance on the contract page (a section and JSON parts), the public list of missed
targets and overdue reports, and moderators' forms for recording what providers report."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import flash, jsonify, redirect, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from civic.contracts.blueprint import api, bp
from civic.contracts.models import Contract
from civic.contracts.performance import chart, periods, services
from civic.contracts.performance import figures as _figures  # noqa: F401  (registers them)
from civic.contracts.performance.forms import (
    FinanceForm,
    KpiForm,
    KpiValueForm,
    StandardsReportForm,
)
from civic.contracts.performance.models import REPORT_NAMES, Kpi, ReportStatus
from civic.contracts.performance.periods import Direction, Outcome, Period
from civic.contracts.sections import json_part, section
from civic.errors import NotFound, ValidationFailed
from civic.extensions import db
from civic.forms import attach_errors
from civic.i18n import _, format_day, ngettext
from civic.permissions import require_moderator
from civic.votes.models import Standard
from civic.web import render

# --- on the contract page --------------------------------------------------------------


def _kpi_view(kpi: Kpi, on: date) -> dict[str, Any]:
    rows = services.kpi_rows(kpi, on)
    target = services.target_text(kpi)
    counts = {o: sum(1 for r in rows if r.outcome is o) for o in Outcome}
    points = [
        chart.Point(
            label=r.short_label,
            value=r.value.value if r.value else None,
            outcome=r.outcome.value,
            text=_(
                "%(period)s: %(value)s, %(outcome)s",
                period=r.label,
                value=r.value_text or _("no value"),
                outcome=r.outcome.label.lower(),
            ),
        )
        for r in rows
    ]
    description = " ".join(
        (
            _("%(direction)s; target %(target)s.", direction=kpi.direction.label, target=target),
            ngettext(
                "Of %(num)s period: %(met)s met, %(missed)s missed, %(overdue)s not reported "
                "(overdue).",
                "Of %(num)s periods: %(met)s met, %(missed)s missed, %(overdue)s not reported "
                "(overdue).",
                len(rows),
                met=counts[Outcome.MET],
                missed=counts[Outcome.MISSED],
                overdue=counts[Outcome.OVERDUE],
            ),
        )
    )
    svg = chart.build_svg(
        f"kpi-chart-{kpi.id}",
        _(
            "%(name)s: %(period)s values against the target",
            name=kpi.name,
            period=kpi.period.label.lower(),
        ),
        description,
        points,
        kpi.target,
        target,
        lambda scaled: periods.with_unit(scaled, kpi.decimals, kpi.unit),
    )
    return {
        "kpi": kpi,
        "rows": rows,
        "target": target,
        "counts": counts,
        "chart": Markup(svg),  # noqa: S704  (built by ElementTree, which escapes every label)
        "description": description,
    }


@section("performance", "contracts/performance/_section.html", order=30)
def performance_section(contract: Contract, viewer: Any) -> dict[str, Any]:
    on = services.today()
    kpis = [_kpi_view(k, on) for k in services.contract_kpis(contract)]
    reports = services.standards_rows(contract, on)
    return {
        "kpis": kpis,
        "missed": sum(k["counts"][Outcome.MISSED] for k in kpis),
        "overdue": sum(k["counts"][Outcome.OVERDUE] for k in kpis),
        "finance": [
            {
                "row": row,
                "label": services.financial_year_label(row.year),
                "share": services.margin_share(row),
            }
            for row in services.contract_finance(contract)
        ],
        "reports": reports,
        "reports_failing": [
            r for r in reports if r.status in (ReportStatus.MISSED, ReportStatus.OVERDUE)
        ],
        "report_days": services.report_days(),
        "can_manage": bool(viewer and viewer.is_authenticated and viewer.is_moderator),
    }


@json_part("kpis")
def kpis_json(contract: Contract) -> list[dict[str, Any]]:
    on = services.today()
    return [
        {
            "id": kpi.id,
            "name": kpi.name,
            "description": kpi.description,
            "unit": kpi.unit,
            "decimals": kpi.decimals,
            "target": periods.format_amount(kpi.target, kpi.decimals).replace(",", ""),
            "period": kpi.period.value,
            "direction": kpi.direction.value,
            "reporting_from": kpi.reporting_from.isoformat(),
            "periods": [
                {
                    "period_start": r.start.isoformat(),
                    "period_end": r.end.isoformat(),
                    "due": r.due.isoformat(),
                    "value": (
                        periods.format_amount(r.value.value, kpi.decimals).replace(",", "")
                        if r.value
                        else None
                    ),
                    "reported_on": r.value.reported_on.isoformat() if r.value else None,
                    "on_time": r.on_time,
                    "outcome": r.outcome.value,
                    "source": r.value.source if r.value else None,
                }
                for r in services.kpi_rows(kpi, on)
            ],
        }
        for kpi in services.contract_kpis(contract)
    ]


@json_part("finance")
def finance_json(contract: Contract) -> list[dict[str, Any]]:
    return [
        {
            "financial_year": services.financial_year_label(row.year),
            "currency": contract.currency,
            "cost_to_council": row.cost_to_council,
            "provider_revenue": row.provider_revenue,
            "provider_margin": row.provider_margin,
            "margin_share": services.margin_share(row) or None,
            "source": row.source,
        }
        for row in services.contract_finance(contract)
    ]


@json_part("standards_reports")
def standards_reports_json(contract: Contract) -> list[dict[str, Any]]:
    return [
        {
            "standard": r.standard.value,
            "name": r.name,
            "due_on": r.due_on.isoformat(),
            "status": r.status.value if r.status else "not_due",
            "reported_late": bool(
                r.report and r.report.overdue_since and r.status is not ReportStatus.OVERDUE
            ),
            "reported_on": (
                r.report.reported_on.isoformat() if r.report and r.report.reported_on else None
            ),
            "evidence": r.report.evidence if r.report else None,
            "document_reference": r.report.document_reference if r.report else None,
        }
        for r in services.standards_rows(contract, services.today())
    ]


# --- the public list of failures --------------------------------------------------------


MAX_CURSOR = 120  # Contract.reference's length: a longer `after` names no contract


def _after() -> str:
    """The `after` cursor (the last reference of the page before); 404 for one no
    reference could be."""
    after = request.args.get("after", "")
    if len(after) > MAX_CURSOR:
        raise NotFound(_("That page of the list does not exist."))
    return after


@bp.get("/performance/missed")
def performance_missed() -> Any:
    """A window of the register at a time (services.MISSED_PER_PAGE monitored contracts),
    so the page costs the same however many contracts have KPIs."""
    on = services.today()
    after = _after()
    page = services.failures_page(on, after)
    return render(
        "contracts/performance/missed.html",
        failures=page.failures,
        page=page,
        after=after,
        on=on,
        report_days=services.report_days(),
    )


@api.get("/performance/missed")
def api_performance_missed() -> Any:
    """A JSON list, one window of contracts at a time; the next window's address in a
    `Link: <...>; rel="next"` header (RFC 8288), as /contracts.csv pages."""
    page = services.failures_page(services.today(), _after())
    response = jsonify(
        [
            {
                "contract_id": f.contract.id,
                "contract_reference": f.contract.reference,
                "what": f.what,
                "period": f.period,
                "outcome": f.outcome,
                "detail": f.detail,
                "date": f.when.isoformat(),
            }
            for f in page.failures
        ]
    )
    if page.next_after is not None:
        url = url_for("contracts_api.api_performance_missed", after=page.next_after, _external=True)
        response.headers["Link"] = f'<{url}>; rel="next"'
    return response


# --- moderators' forms ------------------------------------------------------------------


def _contract(contract_id: int) -> Contract:
    contract = db.session.get(Contract, contract_id)
    if contract is None:
        raise NotFound(_("No contract has that number."))
    return contract


def _submit(
    form: Any,
    contract: Contract,
    save: Callable[[], object],
    done: str,
    template: str,
    **context: Any,
) -> Any:
    """Validate the form, call its one service (`save`) and go back to the contract's
    performance; on a refusal, the same page again with the input kept and each message
    by its field (422)."""
    if form.validate_on_submit():
        try:
            save()
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            flash(done, "success")
            return redirect(
                url_for("contracts.contract_detail", contract_id=contract.id) + "#performance"
            )
    status = 422 if form.is_submitted() else 200
    return render(template, status=status, form=form, contract=contract, **context)


def _iso(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        return None


@bp.route("/<int:contract_id>/performance/kpis/new", methods=["GET", "POST"])
@login_required
def kpi_new(contract_id: int) -> Any:
    require_moderator(current_user)
    contract = _contract(contract_id)
    form = KpiForm()
    return _submit(
        form,
        contract,
        lambda: services.add_kpi(
            current_user,
            contract,
            name=form.name.data,
            description=form.description.data or "",
            unit=form.unit.data,
            decimals=form.decimals.data,
            target=form.target.data,
            period=Period(form.period.data),
            direction=Direction(form.direction.data),
            reporting_from=form.reporting_from.data,
        ),
        _("Indicator added."),
        "contracts/performance/kpi_new.html",
    )


@bp.route("/<int:contract_id>/performance/kpis/<int:kpi_id>/values/new", methods=["GET", "POST"])
@login_required
def kpi_value_new(contract_id: int, kpi_id: int) -> Any:
    require_moderator(current_user)
    contract = _contract(contract_id)
    kpi = services.get_kpi(contract, kpi_id)
    form = KpiValueForm()
    form.period_start.choices = [("", _("Choose a period"))] + [
        (start.isoformat(), periods.period_label(kpi.period, start))
        for start in services.reportable_periods(kpi, services.today())
    ]
    return _submit(
        form,
        contract,
        lambda: services.record_kpi_value(
            current_user,
            kpi,
            period_start=_iso(form.period_start.data),
            value=form.value.data,
            reported_on=form.reported_on.data,
            source=form.source.data or "",
        ),
        _("Value recorded."),
        "contracts/performance/value_new.html",
        kpi=kpi,
        target=services.target_text(kpi),
        unit=periods.UNITS.get(kpi.unit),
    )


@bp.route("/<int:contract_id>/performance/finance/new", methods=["GET", "POST"])
@login_required
def finance_new(contract_id: int) -> Any:
    require_moderator(current_user)
    contract = _contract(contract_id)
    form = FinanceForm()
    form.year.choices = [
        (year, services.financial_year_label(year))
        for year in services.financial_years(contract, services.today())
    ]
    return _submit(
        form,
        contract,
        lambda: services.record_finance(
            current_user,
            contract,
            year=form.year.data,
            cost_to_council=form.cost_to_council.pence,
            provider_revenue=form.provider_revenue.pence,
            provider_margin=form.provider_margin.pence,
            source=form.source.data,
        ),
        _("Finance figures recorded."),
        "contracts/performance/finance_new.html",
    )


@bp.route("/<int:contract_id>/performance/standards/new", methods=["GET", "POST"])
@login_required
def standards_report_new(contract_id: int) -> Any:
    require_moderator(current_user)
    contract = _contract(contract_id)
    form = StandardsReportForm()
    form.report.choices = [("", _("Choose a report"))] + [
        (
            f"{standard.value}:{due.isoformat()}",
            _("%(report)s, due %(day)s", report=REPORT_NAMES[standard], day=format_day(due)),
        )
        for standard, due in services.recordable_reports(contract)
    ]

    def save() -> object:
        standard, _colon, due = (form.report.data or "").partition(":")
        return services.record_standards_report(
            current_user,
            contract,
            standard=Standard(standard) if standard in Standard._value2member_map_ else None,
            due_on=_iso(due),
            status=ReportStatus(form.status.data),
            reported_on=form.reported_on.data,
            evidence=form.evidence.data,
            document_reference=form.document_reference.data or "",
        )

    return _submit(
        form,
        contract,
        save,
        _("Standards report recorded."),
        "contracts/performance/standards_new.html",
        required=[REPORT_NAMES[s] for s in services.required_standards(contract)],
    )
