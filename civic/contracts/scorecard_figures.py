"""The scorecard's figures for principles 1, 4, 5, 7, 8 and 9, counted from Civic's own
records (contracts, proposals and their votes, consultations).

Each figure says in its note exactly what was counted, so a reader can check it against the
records its link leads to. Performance (2), information requests (3) and recall (6) are
registered by their own parts of the contracts domain.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select

from civic import clock
from civic.audit.models import AuditEntry
from civic.clock import aware
from civic.consultations.models import Consultation, ConsultationState
from civic.contracts.models import (
    Contract,
    ContractState,
    ContractTerm,
    Provider,
    ProviderType,
)
from civic.contracts.scorecard import Figure, figure
from civic.extensions import db
from civic.i18n import _, format_day
from civic.votes.models import Proposal, ProposalKind, ProposalState, Standard

# where the records behind a figure are listed: the register and the proposals. Paths,
# not url_for, so a figure can be computed outside a request (the CLI, tests)
REGISTER = "/contracts"
PROPOSALS = "/votes"


def min_social_value_weight() -> int:
    """The social value weight a proposal is expected to give at least (percent)."""
    return int(current_app.config.get("MIN_SOCIAL_VALUE_WEIGHT", 20))


def whole(value: Fraction) -> int:
    """Rounded to a whole number, halves up, without floats (no drift at 66.5)."""
    return int((value * 2 + 1) // 2)


def percent(numerator: int, denominator: int) -> int:
    """A share as a whole percentage; the caller has checked the denominator."""
    return whole(Fraction(numerator * 100, denominator))


# Every figure is counted by the database (COUNT, SUM, MIN, MAX): the page costs the same
# few statements and reads the same few rows however long the register grows (issue 16).

_PUBLIC = Contract.state != ContractState.DRAFT
_IN_PUBLIC_HANDS = Provider.kind.in_([k for k in ProviderType if k.in_public_hands])


def _count(stmt: Select[Any]) -> tuple[int, ...]:
    """One row of counts, None (a SUM over no rows) read as 0."""
    row = db.session.execute(stmt).one()
    return tuple(int(v or 0) for v in row)


def _counted_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """How many rows meet `condition`: a SUM of 1s, as portable as COUNT(*) FILTER."""
    return func.sum(case((condition, 1), else_=0))


def civic_began() -> date | None:
    """The day Civic's public record began: the date of the first audit log entry."""
    first = db.session.scalar(select(func.min(AuditEntry.recorded_at)))
    return aware(first).date() if first is not None else None


# outsourcing proposals put to residents (past draft)
_OUTSOURCING = (Proposal.state != ProposalState.DRAFT, Proposal.kind == ProposalKind.OUTSOURCING)


# --- 1. contracts are public ------------------------------------------------------------


@figure(1, "contracts_full_terms")
def contracts_full_terms() -> Figure:
    # a contract answers each standard at most once (unique constraint): it states every
    # one when it has as many answered terms as there are standards
    every_standard = (
        select(ContractTerm.contract_id)
        .where(ContractTerm.standard.in_(list(Standard)))
        .group_by(ContractTerm.contract_id)
        .having(func.count(ContractTerm.id) == len(Standard))
    )
    full, public = _count(
        select(_counted_if(Contract.id.in_(every_standard)), func.count(Contract.id)).where(_PUBLIC)
    )
    return Figure(
        _("Contracts published with every minimum standard stated as a term"),
        full,
        public,
        REGISTER,
        _(
            "Of all published contracts in the register, those that state every one of the "
            "minimum standards (fair wage, union recognition, open book and the rest) as a "
            "term, answered yes, no or not applicable."
        ),
    )


# --- 4. consultation before outsourcing -------------------------------------------------


@figure(4, "consulted_before_vote")
def consulted_before_the_vote() -> Figure:
    # consulted: the linked consultation was opened to residents and had ended (closed
    # early, or its closing date passed) by the time the vote opened
    ended = func.coalesce(Consultation.closed_at, Consultation.closes_at)
    consulted = and_(
        Consultation.id.is_not(None),
        Consultation.state != ConsultationState.DRAFT,
        ended <= Proposal.voting_from,
    )
    consulted_count, voted = _count(
        select(_counted_if(consulted), func.count(Proposal.id))
        .outerjoin(Consultation, Consultation.id == Proposal.consultation_id)
        .where(*_OUTSOURCING, Proposal.voting_from.is_not(None))
    )
    return Figure(
        _("Outsourcing proposals consulted on before the vote"),
        consulted_count,
        voted,
        PROPOSALS,
        _(
            "Of the outsourcing proposals that reached a public vote, those with a linked "
            "Civic consultation that had closed before voting opened."
        ),
    )


# --- 5. a public vote before outsourcing ------------------------------------------------


@figure(5, "outsourcing_put_to_vote")
def outsourcing_put_to_vote() -> Figure:
    began = civic_began()
    came_through_civic = Contract.proposal_id.is_not(None)
    if began is not None:
        came_through_civic = or_(came_through_civic, Contract.start_date >= began)
    voted, awarded = _count(
        select(_counted_if(Proposal.voting_from.is_not(None)), func.count(Contract.id))
        .select_from(Contract)
        .join(Provider, Provider.id == Contract.provider_id)
        .outerjoin(Proposal, Proposal.id == Contract.proposal_id)
        .where(_PUBLIC, ~_IN_PUBLIC_HANDS, came_through_civic)
    )
    since = format_day(began) if began else _("the day Civic began")
    return Figure(
        _("Contracts with outside providers decided by a public vote"),
        voted,
        awarded,
        REGISTER,
        _(
            "Contracts with a co-operative, social enterprise or private company that began "
            "on or after %(since)s (the first entry in Civic's audit log) or came through a "
            "Civic proposal; counted when that proposal went to a public vote. Contracts from "
            "before Civic are not counted.",
            since=since,
        ),
    )


# --- 7. in-house is the default ---------------------------------------------------------


@figure(7, "inhouse_bids")
def inhouse_bids() -> Figure:
    bid, proposals = _count(
        select(_counted_if(Proposal.inhouse_bid.is_(True)), func.count(Proposal.id)).where(
            *_OUTSOURCING
        )
    )
    return Figure(
        _("Outsourcing proposals with an in-house bid"),
        bid,
        proposals,
        PROPOSALS,
        _(
            "Of the outsourcing proposals put to residents (past draft), those where the "
            "council's own team made a bid."
        ),
    )


# --- 8. services in public hands --------------------------------------------------------


def _live_and_public() -> tuple[int, int, int, int]:
    """Of the contracts running today (published, started, not past their last day):
    (how many, how many in public hands, their yearly value, the public hands' value)."""
    today = clock.utcnow().date()
    return _count(
        select(
            func.count(Contract.id),
            _counted_if(_IN_PUBLIC_HANDS),
            func.sum(Contract.annual_value),
            func.sum(case((_IN_PUBLIC_HANDS, Contract.annual_value), else_=0)),
        )
        .select_from(Contract)
        .join(Provider, Provider.id == Contract.provider_id)
        .where(
            Contract.state == ContractState.PUBLISHED,
            Contract.start_date <= today,
            func.coalesce(Contract.ended_on, Contract.end_date) >= today,
        )
    )


@figure(8, "services_in_public_hands")
def services_in_public_hands() -> Figure:
    live, public, _value, _public_value = _live_and_public()
    return Figure(
        _("Services in public hands"),
        public,
        live,
        REGISTER,
        _("Of the contracts running today, those provided in-house or by a council-owned company."),
    )


@figure(8, "value_in_public_hands")
def value_in_public_hands() -> Figure:
    _live, _public, value, public_value = _live_and_public()
    return Figure(
        _("Annual contract value in public hands"),
        public_value,
        value,
        REGISTER,
        _(
            "The yearly value of the contracts running today that are provided in-house or "
            "by a council-owned company, of the yearly value of all contracts running today."
        ),
        money=True,
    )


# --- 9. social value counts -------------------------------------------------------------


@figure(9, "social_value_weight")
def social_value_weight() -> Figure:
    minimum = min_social_value_weight()
    weight = Proposal.weight_social
    met, counted, total, lowest, highest = _count(
        select(
            _counted_if(weight >= minimum),
            func.count(Proposal.id),
            func.sum(weight),
            func.min(weight),
            func.max(weight),
        ).where(Proposal.state != ProposalState.DRAFT)
    )
    note = _(
        "Of the proposals put to residents (past draft), those whose options appraisal "
        "gave social value a weight of at least %(minimum)s%%.",
        minimum=minimum,
    )
    if counted:
        average = whole(Fraction(total, counted))
        note += " " + _(
            "Average weight %(average)s%%, lowest %(lowest)s%%, highest %(highest)s%%.",
            average=average,
            lowest=lowest,
            highest=highest,
        )
    return Figure(
        _("Proposals weighting social value at %(minimum)s%% or more", minimum=minimum),
        met,
        counted,
        PROPOSALS,
        note,
    )
