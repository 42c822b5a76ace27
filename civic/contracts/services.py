"""Every change to the contract register: permission, validation, write, audit entry.

Moderators add and publish contracts; everyone reads the published register. Money is in
pence and dates are calendar days, so the audit entries carry exact integers and ISO dates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from civic import audit
from civic.accounts.models import Area, User
from civic.clock import utcnow
from civic.contracts.models import (
    Contract,
    ContractState,
    ContractTerm,
    Provider,
    ProviderType,
)
from civic.errors import Conflict, NotFound, ValidationFailed
from civic.extensions import db
from civic.permissions import require_moderator
from civic.votes.models import ANSWERS, Proposal, ProposalKind, ProposalState, Standard

REFERENCE_MAX = 120


def get_contract(contract_id: int) -> Contract:
    contract = db.session.get(Contract, contract_id)
    if contract is None:
        raise NotFound("No contract has that number.")
    return contract


def can_see(user: User | None, contract: Contract) -> bool:
    """Drafts are a moderator's work in progress; the rest of the register is public."""
    return contract.is_public or bool(user and user.is_authenticated and user.is_moderator)


def find_provider(name: str) -> Provider | None:
    return db.session.scalar(select(Provider).where(Provider.name == name.strip()))


def create_provider(
    actor: User | None, name: str, kind: ProviderType, identifier: str = ""
) -> Provider:
    moderator = require_moderator(actor)
    name = name.strip()
    errors = {}
    if not name:
        errors["provider_name"] = "Give the provider's name"
    elif len(name) > 200:
        errors["provider_name"] = "The provider's name must be 200 characters or fewer"
    elif find_provider(name) is not None:
        errors["provider_name"] = f"{name} is already on the register: choose it instead"
    if len(identifier) > 100:
        errors["provider_identifier"] = "The identifier must be 100 characters or fewer"
    if errors:
        raise ValidationFailed(errors)
    provider = Provider(name=name, kind=kind, identifier=identifier.strip())
    db.session.add(provider)
    db.session.flush()
    audit.record(
        moderator,
        "provider:create",
        provider,
        {"name": name, "kind": kind.value, "identifier": provider.identifier},
    )
    return provider


@dataclass
class ContractInput:
    """What a moderator (or an import) says about a contract. Money in pence."""

    reference: str
    title: str
    service: str
    area: Area | None
    provider: Provider | None
    annual_value: int | None
    total_value: int | None
    start_date: date | None
    end_date: date | None
    break_clause: str = ""
    summary: str = ""
    proposal: Proposal | None = None
    currency: str = "GBP"
    # standard value -> (answer, note); standards left out are unanswered
    terms: Mapping[str, tuple[str, str]] = field(default_factory=dict)


def validate(given: ContractInput, *, existing: Contract | None = None) -> dict[str, str]:
    """Every problem with the input at once, keyed by form field."""
    errors: dict[str, str] = {}
    reference = given.reference.strip()
    if not reference:
        errors["reference"] = "Give the contract's reference"
    elif len(reference) > REFERENCE_MAX:
        errors["reference"] = f"The reference must be {REFERENCE_MAX} characters or fewer"
    else:
        taken = db.session.scalar(select(Contract.id).where(Contract.reference == reference))
        if taken is not None and (existing is None or taken != existing.id):
            errors["reference"] = f"Contract {taken} already has the reference {reference}"
    if not given.title.strip():
        errors["title"] = "Give the contract a title"
    elif len(given.title.strip()) > 200:
        errors["title"] = "The title must be 200 characters or fewer"
    if not given.service.strip():
        errors["service"] = "Name the service or asset"
    elif len(given.service.strip()) > 200:
        errors["service"] = "The service must be 200 characters or fewer"
    if given.area is None:
        errors["area"] = "Choose the area the contract serves"
    if given.provider is None:
        errors["provider"] = "Choose the provider, or add a new one"
    for name, value in (("annual_value", given.annual_value), ("total_value", given.total_value)):
        if value is None:
            errors[name] = "Give the value in pounds, for example 250000"
        elif value < 0:
            errors[name] = "A contract's value cannot be negative"
    if given.start_date is None:
        errors["start_date"] = "Give the date the contract starts"
    if given.end_date is None:
        errors["end_date"] = "Give the date the contract ends"
    if given.start_date and given.end_date and given.end_date < given.start_date:
        errors["end_date"] = "The end date must be on or after the start date"
    if len(given.currency) != 3 or not given.currency.isalpha():
        errors["currency"] = "Give the currency as a three-letter code, for example GBP"
    if given.proposal is not None and not _approved_outsourcing(given.proposal):
        errors["proposal"] = "Only a decided outsourcing proposal can have approved a contract"
    standards = {s.value for s in Standard}
    for standard, (answer, note) in given.terms.items():
        if standard not in standards:
            errors["terms"] = f"{standard} is not one of the minimum standards"
        elif answer not in ANSWERS:
            errors[f"term_{standard}"] = "Answer yes, no or not applicable"
        elif len(note) > 1000:
            errors[f"term_{standard}"] = "A note must be 1,000 characters or fewer"
    return errors


def _approved_outsourcing(proposal: Proposal) -> bool:
    return proposal.kind is ProposalKind.OUTSOURCING and proposal.state is ProposalState.DECIDED


def contract_body(contract: Contract) -> dict[str, object]:
    """The contract's content as the audit log and the version history keep it: plain
    strings and integers, so it is canonical JSON (RFC 8785) without floats."""
    return {
        "reference": contract.reference,
        "title": contract.title,
        "service": contract.service,
        "area": contract.area.slug,
        "provider": {"id": contract.provider.id, "name": contract.provider.name},
        "provider_type": contract.provider.kind.value,
        "currency": contract.currency,
        "annual_value": contract.annual_value,
        "total_value": contract.total_value,
        "start_date": contract.start_date.isoformat(),
        "end_date": contract.end_date.isoformat(),
        "break_clause": contract.break_clause,
        "summary": contract.summary,
        "proposal": contract.proposal_id,
        "terms": {t.standard.value: [t.answer, t.note] for t in contract.terms},
    }


def logged_body(contract: Contract) -> dict[str, object]:
    """`contract_body` as an audit entry holds it: long free text as its digest, so the
    entry fits the log's size limit and still binds the published words."""
    body = contract_body(contract)
    body["summary"] = audit.logged_text(contract.summary)
    body["break_clause"] = audit.logged_text(contract.break_clause)
    return body


def _write(contract: Contract, given: ContractInput) -> None:
    assert given.area is not None and given.provider is not None
    contract.reference = given.reference.strip()
    contract.title = given.title.strip()
    contract.service = given.service.strip()
    contract.area = given.area
    contract.provider = given.provider
    contract.annual_value = int(given.annual_value or 0)
    contract.total_value = int(given.total_value or 0)
    contract.start_date = given.start_date  # type: ignore[assignment]
    contract.end_date = given.end_date  # type: ignore[assignment]
    contract.break_clause = given.break_clause.strip()
    contract.summary = given.summary.strip()
    contract.proposal = given.proposal
    contract.currency = given.currency.upper()
    answered = {t.standard.value: t for t in contract.terms}
    for standard, (answer, note) in given.terms.items():
        term = answered.get(standard)
        if term is None:
            contract.terms.append(
                ContractTerm(standard=Standard(standard), answer=answer, note=note.strip())
            )
        else:
            term.answer, term.note = answer, note.strip()


def create_contract(actor: User | None, given: ContractInput) -> Contract:
    """A new contract, in draft until a moderator publishes it."""
    moderator = require_moderator(actor)
    errors = validate(given)
    if errors:
        raise ValidationFailed(errors)
    contract = Contract(state=ContractState.DRAFT, version=1, created_by_id=moderator.id)
    _write(contract, given)
    db.session.add(contract)
    db.session.flush()
    audit.record(moderator, "contract:create", contract, logged_body(contract))
    return contract


def publish_contract(actor: User | None, contract: Contract) -> None:
    """Put a draft on the public register. What was published is in the log entry, so a
    later silent change to the row shows against it."""
    moderator = require_moderator(actor)
    if contract.state is not ContractState.DRAFT:
        raise Conflict("This contract is already published.")
    contract.state = ContractState.PUBLISHED
    contract.published_at = utcnow()
    db.session.flush()
    audit.record(
        moderator,
        "contract:publish",
        contract,
        {"version": contract.version, "contract": logged_body(contract)},
    )
