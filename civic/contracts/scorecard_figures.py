"""The scorecard's figures for principles 1, 4, 5, 7, 8 and 9, counted from Civic's own
records (contracts, proposals and their votes, consultations).

Each figure says in its note exactly what was counted, so a reader can check it against the
records its link leads to. Performance (2), information requests (3) and recall (6) are
registered by their own parts of the contracts domain.
"""

from __future__ import annotations

from datetime import date, datetime
from fractions import Fraction

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from civic import clock
from civic.audit.models import AuditEntry
from civic.clock import aware
from civic.consultations.models import ConsultationState
from civic.contracts.models import Contract, ContractState
from civic.contracts.scorecard import Figure, figure
from civic.extensions import db
from civic.i18n import _, format_day
from civic.votes.models import Proposal, ProposalKind, ProposalState

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


def _public_contracts() -> list[Contract]:
    return list(
        db.session.scalars(
            select(Contract)
            .where(Contract.state != ContractState.DRAFT)
            .options(selectinload(Contract.terms), selectinload(Contract.provider))
            .order_by(Contract.id)
        )
    )


def live_contracts(today: date) -> list[Contract]:
    """Published contracts running today: started, not past their end, not terminated."""
    return [
        c
        for c in _public_contracts()
        if c.state is ContractState.PUBLISHED and c.start_date <= today and not c.has_ended(today)
    ]


def civic_began() -> date | None:
    """The day Civic's public record began: the date of the first audit log entry."""
    first = db.session.scalar(select(func.min(AuditEntry.recorded_at)))
    return aware(first).date() if first is not None else None


def _proposals(*, past_draft: bool = True, kind: ProposalKind | None = None) -> list[Proposal]:
    stmt = select(Proposal).order_by(Proposal.id)
    if past_draft:
        stmt = stmt.where(Proposal.state != ProposalState.DRAFT)
    if kind is not None:
        stmt = stmt.where(Proposal.kind == kind)
    return list(db.session.scalars(stmt))


# --- 1. contracts are public ------------------------------------------------------------


@figure(1, "contracts_full_terms")
def contracts_full_terms() -> Figure:
    contracts = _public_contracts()
    full = [c for c in contracts if all(a is not None for a in c.answers.values())]
    return Figure(
        _("Contracts published with every minimum standard stated as a term"),
        len(full),
        len(contracts),
        REGISTER,
        _(
            "Of all published contracts in the register, those that state every one of the "
            "minimum standards (fair wage, union recognition, open book and the rest) as a "
            "term, answered yes, no or not applicable."
        ),
    )


# --- 4. consultation before outsourcing -------------------------------------------------


def consulted_before_vote(proposal: Proposal) -> bool:
    """The proposal's linked consultation was opened to residents and had ended by the
    time the vote opened."""
    consultation = proposal.consultation
    if consultation is None or proposal.voting_from is None:
        return False
    if consultation.state is ConsultationState.DRAFT:
        return False
    ended: datetime = consultation.closed_at or consultation.closes_at
    return aware(ended) <= aware(proposal.voting_from)


@figure(4, "consulted_before_vote")
def consulted_before_the_vote() -> Figure:
    voted = [p for p in _proposals(kind=ProposalKind.OUTSOURCING) if p.voting_from is not None]
    consulted = [p for p in voted if consulted_before_vote(p)]
    return Figure(
        _("Outsourcing proposals consulted on before the vote"),
        len(consulted),
        len(voted),
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
    awarded = [
        c
        for c in _public_contracts()
        if not c.provider.kind.in_public_hands
        and (c.proposal_id is not None or (began is not None and c.start_date >= began))
    ]
    voted = [c for c in awarded if c.proposal is not None and c.proposal.voting_from is not None]
    since = format_day(began) if began else _("the day Civic began")
    return Figure(
        _("Contracts with outside providers decided by a public vote"),
        len(voted),
        len(awarded),
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
    proposals = _proposals(kind=ProposalKind.OUTSOURCING)
    bid = [p for p in proposals if p.inhouse_bid]
    return Figure(
        _("Outsourcing proposals with an in-house bid"),
        len(bid),
        len(proposals),
        PROPOSALS,
        _(
            "Of the outsourcing proposals put to residents (past draft), those where the "
            "council's own team made a bid."
        ),
    )


# --- 8. services in public hands --------------------------------------------------------


def _live_and_public() -> tuple[list[Contract], list[Contract]]:
    """(the contracts running today, those of them in public hands)."""
    live = live_contracts(clock.utcnow().date())
    return live, [c for c in live if c.provider.kind.in_public_hands]


@figure(8, "services_in_public_hands")
def services_in_public_hands() -> Figure:
    live, public = _live_and_public()
    return Figure(
        _("Services in public hands"),
        len(public),
        len(live),
        REGISTER,
        _("Of the contracts running today, those provided in-house or by a council-owned company."),
    )


@figure(8, "value_in_public_hands")
def value_in_public_hands() -> Figure:
    live, public = _live_and_public()
    return Figure(
        _("Annual contract value in public hands"),
        sum(c.annual_value for c in public),
        sum(c.annual_value for c in live),
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
    proposals = _proposals()
    weights = [p.weight_social for p in proposals]
    met = [w for w in weights if w >= minimum]
    note = _(
        "Of the proposals put to residents (past draft), those whose options appraisal "
        "gave social value a weight of at least %(minimum)s%%.",
        minimum=minimum,
    )
    if weights:
        average = whole(Fraction(sum(weights), len(weights)))
        note += " " + _(
            "Average weight %(average)s%%, lowest %(lowest)s%%, highest %(highest)s%%.",
            average=average,
            lowest=min(weights),
            highest=max(weights),
        )
    return Figure(
        _("Proposals weighting social value at %(minimum)s%% or more", minimum=minimum),
        len(met),
        len(weights),
        PROPOSALS,
        note,
    )
