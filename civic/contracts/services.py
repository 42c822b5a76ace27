"""Every change to the contract register: permission, validation, write, audit entry.

Moderators add and publish contracts; everyone reads the published register. Money is in
pence and dates are calendar days, so the audit entries carry exact integers and ISO dates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from civic import audit
from civic.accounts.models import Area, User
from civic.clock import utcnow
from civic.contracts import versions
from civic.contracts.models import (
    Contract,
    ContractState,
    ContractTerm,
    Provider,
    ProviderType,
)
from civic.database import lock_row
from civic.errors import Conflict, NotFound, ValidationFailed
from civic.extensions import db
from civic.i18n import _, format_number
from civic.paging import PageWindow
from civic.params import MAX_ID, parse_int
from civic.permissions import require_moderator
from civic.votes.models import ANSWERS, Proposal, ProposalKind, ProposalState, Standard

REFERENCE_MAX = 120


def get_contract(contract_id: int) -> Contract:
    contract = db.session.get(Contract, contract_id)
    if contract is None:
        raise NotFound(_("No contract has that number."))
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
        errors["provider_name"] = _("Give the provider's name")
    elif len(name) > 200:
        errors["provider_name"] = _("The provider's name must be 200 characters or fewer")
    elif find_provider(name) is not None:
        errors["provider_name"] = _(
            "%(name)s is already on the register: choose it instead", name=name
        )
    if len(identifier) > 100:
        errors["provider_identifier"] = _("The identifier must be 100 characters or fewer")
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
        errors["reference"] = _("Give the contract's reference")
    elif len(reference) > REFERENCE_MAX:
        errors["reference"] = _(
            "The reference must be %(num)s characters or fewer", num=REFERENCE_MAX
        )
    else:
        taken = db.session.scalar(select(Contract.id).where(Contract.reference == reference))
        if taken is not None and (existing is None or taken != existing.id):
            errors["reference"] = _(
                "Contract %(taken)s already has the reference %(reference)s",
                taken=taken,
                reference=reference,
            )
    if not given.title.strip():
        errors["title"] = _("Give the contract a title")
    elif len(given.title.strip()) > 200:
        errors["title"] = _("The title must be 200 characters or fewer")
    if not given.service.strip():
        errors["service"] = _("Name the service or asset")
    elif len(given.service.strip()) > 200:
        errors["service"] = _("The service must be 200 characters or fewer")
    if given.area is None:
        errors["area"] = _("Choose the area the contract serves")
    if given.provider is None:
        errors["provider"] = _("Choose the provider, or add a new one")
    for name, value in (("annual_value", given.annual_value), ("total_value", given.total_value)):
        if value is None:
            errors[name] = _("Give the value in pounds, for example 250000")
        elif value < 0:
            errors[name] = _("A contract's value cannot be negative")
    if given.start_date is None:
        errors["start_date"] = _("Give the date the contract starts")
    if given.end_date is None:
        errors["end_date"] = _("Give the date the contract ends")
    if given.start_date and given.end_date and given.end_date < given.start_date:
        errors["end_date"] = _("The end date must be on or after the start date")
    if len(given.currency) != 3 or not given.currency.isalpha():
        errors["currency"] = _("Give the currency as a three-letter code, for example GBP")
    if given.proposal is not None and not _approved_outsourcing(given.proposal):
        errors["proposal"] = _("Only a decided outsourcing proposal can have approved a contract")
    standards = {s.value for s in Standard}
    for standard, (answer, note) in given.terms.items():
        if standard not in standards:
            errors["terms"] = _(
                "%(standard)s is not one of the minimum standards", standard=standard
            )
        elif answer not in ANSWERS:
            errors[f"term_{standard}"] = _("Answer yes, no or not applicable")
        elif len(note) > 1000:
            errors[f"term_{standard}"] = _("A note must be 1,000 characters or fewer")
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
        raise Conflict(_("This contract is already published."))
    contract.state = ContractState.PUBLISHED
    contract.published_at = utcnow()
    db.session.flush()
    kept = versions.store(contract.id, contract.version, contract_body(contract), moderator)
    audit.record(
        moderator,
        "contract:publish",
        contract,
        {
            "version": contract.version,
            "contract": logged_body(contract),
            "body_sha256": kept.body_sha256,
        },
    )


# --- changes after creation (slice "register") -------------------------------------------

REASON_MIN, REASON_MAX = 10, 2000


def update_contract(
    actor: User | None,
    contract: Contract,
    given: ContractInput,
    reason: str = "",
    *,
    expected_version: int | None = None,
) -> Contract:
    """Change a contract. A draft changes in place. A published contract keeps what it
    said: the change needs a published reason, bumps `version`, and the new version's
    full content is stored with its SHA-256, which the audit entry carries too.

    `expected_version` is the version the moderator's form showed: if someone changed
    the contract meanwhile, the change is refused instead of silently undoing theirs."""
    moderator = require_moderator(actor)
    locked = lock_row(Contract, contract.id)  # one change at a time: versions stay gap-free
    if locked is None:
        raise NotFound(_("No contract has that number."))
    contract = locked
    if expected_version is not None and expected_version != contract.version:
        raise Conflict(
            _(
                "Someone changed this contract while you were editing it (it is now at "
                "version %(version)s). Open it again to see their change, then make yours.",
                version=contract.version,
            )
        )
    errors = validate(given, existing=contract)
    reason = reason.strip()
    if contract.is_public:
        errors.update(reason_errors(reason))
    if errors:
        raise ValidationFailed(errors)
    before = contract_body(contract)
    _write(contract, given)
    db.session.flush()
    after = contract_body(contract)
    changed = versions.changed_fields(before, after)
    if not changed:
        if contract.is_public:
            raise ValidationFailed(
                {"reason": _("Nothing in the contract changed, so there is no new version")}
            )
        return contract
    data: dict[str, object] = {"changed": changed, "contract": logged_body(contract)}
    if contract.is_public:
        contract.version += 1
        kept = versions.store(contract.id, contract.version, after, moderator, reason)
        data.update(
            version=contract.version,
            body_sha256=kept.body_sha256,
            reason=audit.logged_text(reason),
        )
    audit.record(moderator, "contract:update", contract, data)
    return contract


def contracts_of_proposal(proposal: Proposal) -> list[Contract]:
    """The public contracts a proposal's decision led to (the proposal page links them)."""
    return list(
        db.session.scalars(
            select(Contract)
            .where(Contract.proposal_id == proposal.id, Contract.state != ContractState.DRAFT)
            .order_by(Contract.start_date, Contract.id)
        )
    )


def approvable_proposals() -> list[Proposal]:
    """Decided outsourcing proposals: the ones a contract can say approved it."""
    return list(
        db.session.scalars(
            select(Proposal)
            .where(
                Proposal.kind == ProposalKind.OUTSOURCING,
                Proposal.state == ProposalState.DECIDED,
            )
            .order_by(Proposal.decided_at.desc(), Proposal.id.desc())
        )
    )


@dataclass
class NewProvider:
    """A provider a moderator adds while entering a contract."""

    name: str
    kind: ProviderType | None
    identifier: str = ""


def contract_errors(
    given: ContractInput,
    *,
    contract: Contract | None = None,
    new_provider: NewProvider | None = None,
    reason: str = "",
) -> dict[str, str]:
    """Every problem the contract form has, at once, without writing anything. (Whether a
    new provider's name is taken is `create_provider`'s check, made when it is added.)"""
    errors: dict[str, str] = {}
    probe = given
    if new_provider is not None:
        if new_provider.kind is None:
            errors["provider_kind"] = _("Choose the new provider's type")
        if not new_provider.name.strip():
            errors["provider_name"] = _("Give the new provider's name, or choose a provider")
        probe = _with_any_provider(given)
    errors.update(validate(probe, existing=contract))
    if contract is not None and contract.is_public:
        errors.update(reason_errors(reason))
    return errors


def save_contract(
    actor: User | None,
    given: ContractInput,
    *,
    contract: Contract | None = None,
    new_provider: NewProvider | None = None,
    reason: str = "",
    expected_version: int | None = None,
) -> Contract:
    """The contract form's one service: add the new provider (if one was typed), then add
    the contract, or change `contract`. On ValidationFailed the caller rolls back (the
    request wrapper does), so a provider is never left behind for a refused contract."""
    moderator = require_moderator(actor)
    errors = contract_errors(given, contract=contract, new_provider=new_provider, reason=reason)
    if errors:
        raise ValidationFailed(errors)
    if new_provider is not None:
        assert new_provider.kind is not None
        given.provider = create_provider(
            moderator, new_provider.name, new_provider.kind, new_provider.identifier
        )
    if contract is None:
        return create_contract(moderator, given)
    return update_contract(moderator, contract, given, reason, expected_version=expected_version)


def _with_any_provider(given: ContractInput) -> ContractInput:
    """`given` with a stand-in provider, so its other fields are checked while the new
    provider's own messages stand for the provider."""
    return replace(given, provider=Provider(name="", kind=ProviderType.PRIVATE))


def reason_errors(reason: str) -> dict[str, str]:
    reason = reason.strip()
    if len(reason) < REASON_MIN:
        return {
            "reason": _(
                "Say why the published contract changes, in at least %(num)s characters: "
                "the reason is shown in its version history",
                num=REASON_MIN,
            )
        }
    if len(reason) > REASON_MAX:
        return {
            "reason": _(
                "The reason must be %(num)s characters or fewer", num=format_number(REASON_MAX)
            )
        }
    return {}


# --- the public register -----------------------------------------------------------------

PER_PAGE = 25
SEARCH_MAX = 200


@dataclass
class RegisterPage(PageWindow):
    """One page of the public register, with the filters it was asked for."""

    contracts: list[Contract] = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = PER_PAGE

    @property
    def shown(self) -> int:
        return len(self.contracts)


def find_contracts(
    *,
    area: str = "",
    provider_type: str = "",
    query: str = "",
    ending_before: str = "",
    page: str | int | None = 1,
    per_page: int = PER_PAGE,
) -> RegisterPage:
    """Published and terminated contracts matching every filter given (drafts are never
    on the public register), soonest ending first. Bad filters: every message at once,
    by the query parameter's name."""
    errors: dict[str, str] = {}
    conditions: list[Any] = [Contract.state != ContractState.DRAFT]
    if area:
        area_id = db.session.scalar(select(Area.id).where(Area.slug == area))
        if area_id is None:
            errors["area"] = _("Choose an area from the list")
        conditions.append(Contract.area_id == area_id)
    if provider_type:
        try:
            kind = ProviderType(provider_type)
        except ValueError:
            errors["provider_type"] = _("Choose a provider type from the list")
        else:
            conditions.append(Contract.provider.has(Provider.kind == kind))
    text = (query or "").strip()
    if len(text) > SEARCH_MAX:
        errors["q"] = _("Search for at most %(num)s characters", num=SEARCH_MAX)
    elif text:
        needle = text.lower()
        conditions.append(
            or_(
                func.lower(Contract.service).contains(needle, autoescape=True),
                func.lower(Contract.title).contains(needle, autoescape=True),
                func.lower(Contract.reference).contains(needle, autoescape=True),
            )
        )
    if ending_before:
        try:
            before = date.fromisoformat(ending_before.strip())
        except ValueError:
            errors["ending_before"] = _("Enter the date as year-month-day, like 2027-03-31")
        else:
            conditions.append(Contract.end_date < before)
    number = page if isinstance(page, int) else parse_int(page or "1", minimum=1, maximum=MAX_ID)
    if number is None or number < 1:
        errors["page"] = _("Page must be a whole number from 1")
    if errors:
        raise ValidationFailed(errors)
    assert number is not None
    total = db.session.scalar(select(func.count(Contract.id)).where(*conditions)) or 0
    rows = db.session.scalars(
        select(Contract)
        .options(selectinload(Contract.area), selectinload(Contract.provider))  # on each row
        .where(*conditions)
        .order_by(Contract.end_date, Contract.reference)
        .limit(per_page)
        .offset((number - 1) * per_page)
    )
    return RegisterPage(list(rows), total, number, per_page)


def marker(contract: Contract, today: date) -> str:
    """ "ended", "review due" (ends within the review window) or "" for the list's tag."""
    if contract.has_ended(today):
        return "ended"
    from civic.contracts.review import window_end  # review builds on this module

    if contract.last_day <= window_end(today):
        return "review due"
    return ""


def provider_contracts(provider: Provider) -> list[Contract]:
    return [c for c in provider.contracts if c.is_public]


def get_provider(provider_id: int) -> Provider:
    provider = db.session.get(Provider, provider_id)
    if provider is None:
        raise NotFound(_("No provider has that number."))
    return provider


def as_input(contract: Contract) -> ContractInput:
    """What the contract says now, as `update_contract` takes it: change a field or two
    and pass it back (the demo's amendment, scripts)."""
    return ContractInput(
        reference=contract.reference,
        title=contract.title,
        service=contract.service,
        area=contract.area,
        provider=contract.provider,
        annual_value=contract.annual_value,
        total_value=contract.total_value,
        start_date=contract.start_date,
        end_date=contract.end_date,
        break_clause=contract.break_clause,
        summary=contract.summary,
        proposal=contract.proposal,
        currency=contract.currency,
        terms={t.standard.value: (t.answer, t.note) for t in contract.terms},
    )
