"""The register as data: `/api/v1/contracts` (list and detail), `/contracts.csv` and the
OCDS export `/contracts/ocds.json`. Read only; drafts never appear.

The list and the CSV take the same filters, checked strictly so a typo is a 400 saying
what was wrong rather than a silently unfiltered answer:
`area` (an area's slug), `provider_type` (in_house, council_company, cooperative,
social_enterprise, private), `ending_before` (YYYY-MM-DD: contracts whose last day is
before it) and, for the list, `page`.

The CSV comes a page at a time too (CSV_PER_PAGE rows), cut by the last reference sent
(`after`, a keyset cursor: a page costs the same however far into the register it is),
with the next page's address in a `Link: <...>; rel="next"` header (RFC 8288), so the file
itself stays a plain CSV and one request never reads the whole register.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Response, abort, jsonify, request, url_for
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from civic import csv_safe
from civic.accounts.models import Area
from civic.contracts import ocds, sections
from civic.contracts.blueprint import api, bp
from civic.contracts.models import (
    PROVIDER_TYPE_LABELS,
    Contract,
    ContractState,
    Provider,
    ProviderType,
)
from civic.contracts.ocds_import import export_page
from civic.extensions import db
from civic.params import parse_int, parse_page
from civic.votes.models import ANSWERS
from civic.web import error_response

PER_PAGE = 50
# rows of /contracts.csv a request: about 25 ms of CPU (a few pages' worth), however long
# the register grows
CSV_PER_PAGE = 500
MAX_CURSOR = 120  # Contract.reference's length: a longer `after` cannot name a contract
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class Filters:
    area: Area | None = None
    provider_type: ProviderType | None = None
    ending_before: date | None = None
    page: int = 1

    def as_args(self) -> dict[str, str]:
        args = {}
        if self.area is not None:
            args["area"] = self.area.slug
        if self.provider_type is not None:
            args["provider_type"] = self.provider_type.value
        if self.ending_before is not None:
            args["ending_before"] = self.ending_before.isoformat()
        return args


def parse_filters(args: Any) -> tuple[Filters, dict[str, str]]:
    """The filters in a query string, and a message per parameter that was wrong."""
    errors: dict[str, str] = {}
    area = provider_type = ending_before = None
    page = 1
    if raw := args.get("area", "").strip():
        area = db.session.scalar(select(Area).where(Area.slug == raw))
        if area is None:
            errors["area"] = f"There is no area with the slug {raw[:60]!r}."
    if raw := args.get("provider_type", "").strip():
        try:
            provider_type = ProviderType(raw)
        except ValueError:
            allowed = ", ".join(t.value for t in ProviderType)
            errors["provider_type"] = f"provider_type must be one of {allowed}."
    if raw := args.get("ending_before", "").strip():
        try:
            if not _DAY.fullmatch(raw):
                raise ValueError
            ending_before = date.fromisoformat(raw)
        except ValueError:
            errors["ending_before"] = "ending_before must be a date as YYYY-MM-DD."
    if "page" in args:
        parsed = parse_int(args.get("page"), minimum=1, maximum=100_000)
        if parsed is None:
            errors["page"] = "page must be a whole number from 1."
        else:
            page = parsed
    return Filters(area, provider_type, ending_before, page), errors


def filtered(filters: Filters) -> Select[tuple[Contract]]:
    """Public contracts matching the filters, by reference (drafts never)."""
    query = select(Contract).where(Contract.state != ContractState.DRAFT)
    if filters.area is not None:
        query = query.where(Contract.area_id == filters.area.id)
    if filters.provider_type is not None:
        query = query.join(Contract.provider).where(Provider.kind == filters.provider_type)
    if filters.ending_before is not None:
        last_day = func.coalesce(Contract.ended_on, Contract.end_date)
        query = query.where(last_day < filters.ending_before)
    return query.order_by(Contract.reference)


def _bad_filters(errors: dict[str, str]) -> Response:
    response = jsonify(
        error="Invalid filter", message=" ".join(errors.values()), fields=errors, status=400
    )
    response.status_code = 400
    return response


def _pounds(pence: int) -> str:
    """Minor units as pounds and pence for a spreadsheet ("1234.50"), without floats."""
    sign = "-" if pence < 0 else ""
    whole, rest = divmod(abs(pence), 100)
    return f"{sign}{whole}.{rest:02d}"


def _summary(contract: Contract) -> dict[str, Any]:
    return {
        "id": contract.id,
        "reference": contract.reference,
        "title": contract.title,
        "service": contract.service,
        "area": {"slug": contract.area.slug, "name": contract.area.name},
        "provider": {
            "name": contract.provider.name,
            "type": contract.provider.kind.value,
            "type_label": PROVIDER_TYPE_LABELS[contract.provider.kind],
            "in_public_hands": contract.provider.kind.in_public_hands,
        },
        "currency": contract.currency,
        "annual_value_pence": contract.annual_value,
        "total_value_pence": contract.total_value,
        "start_date": contract.start_date.isoformat(),
        "end_date": contract.end_date.isoformat(),
        "state": contract.state.value,
        "url": url_for("contracts_api.api_detail", contract_id=contract.id, _external=True),
        "page_url": url_for("contracts.contract_detail", contract_id=contract.id, _external=True),
    }


def contract_json(contract: Contract) -> dict[str, Any]:
    """Everything the contract page shows, and what each part of the domain adds."""
    proposal = contract.proposal
    return {
        **_summary(contract),
        "provider": {
            **_summary(contract)["provider"],
            "id": contract.provider.id,
            "identifier": contract.provider.identifier,
        },
        "break_clause": contract.break_clause,
        "summary": contract.summary,
        "version": contract.version,
        "published_at": contract.published_at.isoformat() if contract.published_at else None,
        "ended_on": contract.ended_on.isoformat() if contract.ended_on else None,
        "last_day": contract.last_day.isoformat(),
        "proposal": {
            "id": proposal.id,
            "title": proposal.title,
            "url": url_for("votes_api.api_detail", proposal_id=proposal.id, _external=True),
        }
        if proposal is not None
        else None,
        "terms": [
            {
                "standard": term.standard.value,
                "label": term.standard.label,
                "answer": term.answer,
                "answer_label": ANSWERS.get(term.answer, term.answer),
                "note": term.note,
            }
            for term in contract.terms
        ],
        **sections.json_parts(contract),
    }


@api.get("")
def api_list() -> Any:
    filters, errors = parse_filters(request.args)
    if errors:
        return _bad_filters(errors)
    query = filtered(filters)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.scalars(
        query.options(selectinload(Contract.area), selectinload(Contract.provider))
        .limit(PER_PAGE)
        .offset((filters.page - 1) * PER_PAGE)
    ).all()
    pages = max(1, -(-(total or 0) // PER_PAGE))
    args = filters.as_args()
    return jsonify(
        contracts=[_summary(c) for c in rows],
        total=total,
        page=filters.page,
        pages=pages,
        per_page=PER_PAGE,
        filters=args,
        next=url_for("contracts_api.api_list", page=filters.page + 1, **args, _external=True)
        if filters.page < pages
        else None,
        csv=url_for("contracts.register_csv", **args, _external=True),
    )


@api.get("/<int:contract_id>")
def api_detail(contract_id: int) -> Any:
    contract = db.session.get(Contract, contract_id)
    if contract is None or not contract.is_public:
        abort(404)
    return jsonify(contract_json(contract))


CSV_COLUMNS = (
    "reference",
    "title",
    "service",
    "area",
    "provider",
    "provider_type",
    "currency",
    "annual_value",
    "total_value",
    "start_date",
    "end_date",
    "break_clause",
    "state",
    "url",
)


def next_link(url: str) -> str:
    """A `Link` header value naming the next page (RFC 8288)."""
    return f'<{url}>; rel="next"'


def register_csv() -> Any:
    filters, errors = parse_filters(request.args)
    after = request.args.get("after", "")
    if len(after) > MAX_CURSOR:
        errors["after"] = f"after must be a contract reference ({MAX_CURSOR} characters at most)."
    if errors:
        return error_response(400, " ".join(errors.values()), reason="Invalid filter")
    buffer = io.StringIO()
    writer = csv_safe.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    query = filtered(filters).options(selectinload(Contract.area), selectinload(Contract.provider))
    if after:
        query = query.where(Contract.reference > after)
    rows = db.session.scalars(query.limit(CSV_PER_PAGE + 1)).all()
    more = len(rows) > CSV_PER_PAGE
    # one url_for a page, not one a row (a fifth of the page's time): the address of
    # contract 1 with its id swapped; the rule is "/contracts/<int:contract_id>"
    first = url_for("contracts.contract_detail", contract_id=1, _external=True)

    def page_url(contract_id: int) -> str:
        if first.endswith("/1"):
            return f"{first[:-1]}{contract_id}"
        return url_for("contracts.contract_detail", contract_id=contract_id, _external=True)

    for c in rows[:CSV_PER_PAGE]:
        writer.writerow(
            (
                c.reference,
                c.title,
                c.service,
                c.area.name,
                c.provider.name,
                c.provider.kind.value,
                c.currency,
                _pounds(c.annual_value),
                _pounds(c.total_value),
                c.start_date.isoformat(),
                c.end_date.isoformat(),
                c.break_clause,
                c.state.value,
                page_url(c.id),
            )
        )
    response = Response(buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="contracts.csv"'
    if more:
        last = rows[CSV_PER_PAGE - 1].reference
        url = url_for("contracts.register_csv", **filters.as_args(), after=last, _external=True)
        response.headers["Link"] = next_link(url)
    return response


# /contracts.csv sits beside the blueprint's /contracts prefix, not under it
bp.record_once(
    lambda state: state.app.add_url_rule(
        "/contracts.csv", "contracts.register_csv", register_csv, methods=["GET"]
    )
)


@bp.get("/ocds.json")
def ocds_json() -> Any:
    """The public register as OCDS, a page of releases at a time (`links.next`)."""
    page = parse_page(request.args.get("page"))
    if page is None:
        return error_response(400, "page must be a whole number from 1", reason="Invalid page")

    def uri_of(number: int) -> str:
        if number == 1:
            return url_for("contracts.ocds_json", _external=True)
        return url_for("contracts.ocds_json", page=number, _external=True)

    package = export_page(page, uri_of)
    if package is None:
        return error_response(404, "There is no such page of the register", reason="No page")
    return Response(ocds.dumps(package), mimetype="application/json")
