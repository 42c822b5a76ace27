"""Importing an OCDS release package into the register, and exporting the register as one.

`import_package` is the one service that writes: it validates the whole file (the pure
checks in civic.contracts.ocds, then what only the database knows: the areas exist, no
reference is already registered), and writes nothing unless every release passed, so a
file is imported whole or not at all. Each contract is published with its own
`contract:import` audit entry carrying the package's SHA-256 and the release id, so anyone
can check which file a register entry came from.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from civic import audit
from civic.accounts.models import Area, User
from civic.clock import aware, utcnow
from civic.contracts import ocds
from civic.contracts.models import (
    Contract,
    ContractState,
    ContractTerm,
    Provider,
    ProviderType,
)
from civic.contracts.services import ContractInput, logged_body, validate
from civic.errors import ValidationFailed
from civic.extensions import db
from civic.permissions import require_moderator
from civic.votes.models import ANSWERS, Standard


class ImportRefused(ValidationFailed):
    """The package has errors: nothing was imported. `lines` holds one message per error,
    each naming its release and field."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__({str(n): line for n, line in enumerate(lines)})
        self.lines = lines


@dataclass
class ImportResult:
    sha256: str
    records: list[ocds.ContractRecord]
    contracts: list[Contract] = field(default_factory=list)
    providers_created: int = 0
    dry_run: bool = False


def import_package(
    actor: User | None,
    raw: bytes,
    *,
    area_slug: str | None = None,
    currencies: tuple[str, ...] = ("GBP",),
    dry_run: bool = False,
) -> ImportResult:
    """Validate `raw` and, unless `dry_run`, register and publish every contract in it.

    `actor` None is the command line (whoever runs the server); a person must be a
    moderator. Raises ImportRefused listing every error; on success flushes, never commits.
    """
    if actor is not None:
        require_moderator(actor)
    read = ocds.read_package(
        raw,
        area_slug=area_slug,
        currencies=currencies,
        provider_types=[t.value for t in ProviderType],
    )
    errors = list(read.errors)
    areas = _areas({r.area_slug for r in read.records if r.area_slug})
    taken = _registered({r.reference for r in read.records})
    for record in read.records:
        if record.area_slug not in areas:
            errors.append(f"{record.where()}: there is no area {record.area_slug!r} in Civic")
        if record.reference in taken:
            errors.append(
                f"{record.where()}: {record.reference!r} is already in the register "
                f"(contract {taken[record.reference]}): a file is imported once"
            )
        for standard, answer, _ in record.terms:
            if standard not in Standard.__members__.values():
                errors.append(f"{record.where()}: civicTerms: unknown standard {standard!r}")
            if answer not in ANSWERS:
                errors.append(
                    f"{record.where()}: civicTerms: answer {answer!r} is not one of "
                    + ", ".join(ANSWERS)
                )
    if not errors:
        errors += _register_rules(read.records, areas)
    if not read.records and not errors:
        errors.append("package: no releases with contracts")
    if errors:
        raise ImportRefused(errors)
    result = ImportResult(sha256=read.sha256, records=read.records, dry_run=dry_run)
    if dry_run:
        return result
    providers: dict[str, Provider] = {}
    now = utcnow()
    for record in read.records:
        provider, created = _provider(actor, record.provider, providers)
        result.providers_created += created
        contract = _contract(actor, record, areas[record.area_slug or ""], provider, now)
        result.contracts.append(contract)
        audit.record(
            actor,
            "contract:import",
            contract,
            {
                "package_sha256": read.sha256,
                "package_uri": read.uri,
                "release_id": record.release_id,
                "release_index": record.release_index,
                "ocid": record.ocid,
                "provider_type_from": record.provider.kind_source,
                "state": contract.state.value,
                "ended_on": contract.ended_on.isoformat() if contract.ended_on else None,
                "version": contract.version,
                # what was published, as contract:publish logs it (civic.contracts.services)
                "contract": logged_body(contract),
            },
        )
    return result


def _areas(slugs: set[str]) -> dict[str, Area]:
    if not slugs:
        return {}
    return {a.slug: a for a in db.session.scalars(select(Area).where(Area.slug.in_(slugs)))}


def _registered(references: set[str]) -> dict[str, int]:
    if not references:
        return {}
    rows = db.session.execute(
        select(Contract.reference, Contract.id).where(Contract.reference.in_(references))
    )
    return {reference: id_ for reference, id_ in rows}


# the fields a record and the register's form name alike (reference, title, values,
# dates ...); the provider and terms they hold in different shapes
_SHARED = sorted(
    {f.name for f in dataclasses.fields(ocds.ContractRecord)}
    & {f.name for f in dataclasses.fields(ContractInput)} - {"provider", "terms"}
)


def _fields(record: ocds.ContractRecord) -> dict[str, Any]:
    """What a record says of a contract that the register's form says the same way."""
    return {name: getattr(record, name) for name in _SHARED}


def _register_rules(records: list[ocds.ContractRecord], areas: dict[str, Area]) -> list[str]:
    """What the register's own form would refuse (civic.contracts.services.validate), so an
    import obeys the same rules as a moderator; the checks above have already caught what
    a package usually gets wrong, so this adds a line only for what they do not cover."""
    errors = []
    for record in records:
        found = db.session.scalar(select(Provider).where(Provider.name == record.provider.name))
        given = ContractInput(
            **_fields(record),
            area=areas.get(record.area_slug or ""),
            # a provider not yet registered is checked as it would be made (not added)
            provider=found or Provider(name=record.provider.name, kind=record.provider.kind),
            terms={s: (answer, note) for s, answer, note in record.terms},
        )
        for name, message in validate(given).items():
            errors.append(f"{record.where()}: {name}: {message}")
    return errors


def _provider(
    actor: User | None, record: ocds.ProviderRecord, made: dict[str, Provider]
) -> tuple[Provider, int]:
    """The register's provider of that name, or a new one (1 when made), logged as
    `provider:create` like one a moderator adds."""
    if record.name in made:
        return made[record.name], 0
    provider = db.session.scalar(select(Provider).where(Provider.name == record.name))
    created = 0
    if provider is None:
        provider = Provider(
            name=record.name, kind=ProviderType(record.kind), identifier=record.identifier
        )
        db.session.add(provider)
        db.session.flush()
        created = 1
        audit.record(
            actor,
            "provider:create",
            provider,
            {"name": provider.name, "kind": provider.kind.value, "identifier": provider.identifier},
        )
    made[record.name] = provider
    return provider, created


def _contract(
    actor: User | None,
    record: ocds.ContractRecord,
    area: Area,
    provider: Provider,
    now: datetime,
) -> Contract:
    terminated = record.ended_on is not None
    contract = Contract(
        **_fields(record),
        area_id=area.id,
        provider_id=provider.id,
        state=ContractState.TERMINATED if terminated else ContractState.PUBLISHED,
        published_at=now,
        ended_on=record.ended_on,
        created_by_id=actor.id if actor is not None else None,
        terms=[
            ContractTerm(standard=Standard(s), answer=answer, note=note)
            for s, answer, note in record.terms
        ],
    )
    db.session.add(contract)
    db.session.flush()
    return contract


# ---------------------------------------------------------------------------------------
# export


def public_contracts_for_export(references: list[str] | None = None) -> list[Contract]:
    """Every contract the public may see (drafts never), oldest reference first; only those
    with the given references when given."""
    query = (
        select(Contract)
        .where(Contract.state != ContractState.DRAFT)
        .options(
            selectinload(Contract.provider),
            selectinload(Contract.area),
            selectinload(Contract.terms),
        )
        .order_by(Contract.reference)
    )
    if references is not None:
        query = query.where(Contract.reference.in_(references))
    return list(db.session.scalars(query))


def export_record(contract: Contract) -> ocds.ExportContract:
    return ocds.ExportContract(
        reference=contract.reference,
        title=contract.title,
        service=contract.service,
        summary=contract.summary,
        area_slug=contract.area.slug,
        provider_id=contract.provider_id,
        provider_name=contract.provider.name,
        provider_identifier=contract.provider.identifier,
        provider_type=contract.provider.kind.value,
        currency=contract.currency,
        total_value=contract.total_value,
        annual_value=contract.annual_value,
        start_date=contract.start_date,
        end_date=contract.end_date,
        break_clause=contract.break_clause,
        terminated=contract.state is ContractState.TERMINATED,
        ended_on=contract.ended_on,
        version=contract.version,
        published=aware(contract.published_at or contract.created_at),
        terms=tuple((t.standard.value, t.answer, t.note) for t in contract.terms),
    )


# releases (ocids) per page of the public package: a page costs about what a page of the
# register does, however long the register grows
OCDS_PER_PAGE = 100


def export_page(page: int, uri_of: Callable[[int], str]) -> dict | None:
    """One page of the public register as an OCDS release package, with `links.next` and
    `links.prev` (the standard's paging), or None past the last page.

    Pages are cut between ocids, never inside one, so each release is whole. Only the
    references are read for the whole register; the page's contracts are loaded alone.
    """
    prefix = current_app.config["OCDS_PREFIX"]
    public = Contract.state != ContractState.DRAFT
    by_ocid: dict[str, list[str]] = {}
    for reference in db.session.scalars(
        select(Contract.reference).where(public).order_by(Contract.reference)
    ):
        by_ocid.setdefault(ocds.ocid_for(reference, prefix)[0], []).append(reference)
    groups = list(by_ocid.values())
    pages = max(1, -(-len(groups) // OCDS_PER_PAGE))
    if page < 1 or page > pages:
        return None
    chosen = [
        ref for group in groups[(page - 1) * OCDS_PER_PAGE : page * OCDS_PER_PAGE] for ref in group
    ]
    newest = db.session.scalar(select(func.max(Contract.updated_at)).where(public))
    package = ocds.build_package(
        (export_record(c) for c in public_contracts_for_export(chosen)),
        prefix=prefix,
        publisher=current_app.config["OCDS_PUBLISHER"],
        uri=uri_of(page),
        published=aware(newest) if newest else utcnow(),
    )
    links = {}
    if page < pages:
        links["next"] = uri_of(page + 1)
    if page > 1:
        links["prev"] = uri_of(page - 1)
    if links:
        package["links"] = links
    return package


def export_package(uri: str) -> dict:
    """The public register as an OCDS 1.1 release package (read only: nothing recorded)."""
    contracts = public_contracts_for_export()
    newest = max((aware(c.updated_at) for c in contracts), default=None)
    return ocds.build_package(
        (export_record(c) for c in contracts),
        prefix=current_app.config["OCDS_PREFIX"],
        publisher=current_app.config["OCDS_PUBLISHER"],
        uri=uri,
        published=newest or utcnow(),
    )
