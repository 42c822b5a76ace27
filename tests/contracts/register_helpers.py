"""Contracts for the register's tests, made through the services."""

from __future__ import annotations

from datetime import date

from civic.clock import utcnow
from civic.contracts import services
from civic.extensions import db
from civic.votes.models import Proposal, ProposalKind, ProposalState, Standard
from tests.factories import AreaFactory, ProviderFactory, UserFactory


def contract_input(**changes) -> services.ContractInput:
    given = services.ContractInput(
        reference="RIV-2025-LEISURE",
        title="Leisure centre management",
        service="Leisure centres",
        area=AreaFactory(),
        provider=ProviderFactory(),
        annual_value=350_000_00,
        total_value=1_750_000_00,
        start_date=date(2025, 4, 1),
        end_date=date(2030, 3, 31),
        break_clause="After three years, on six months' notice",
        summary="Runs the **two** leisure centres.",
        terms={
            Standard.FAIR_WAGE.value: ("yes", "Real Living Wage"),
            Standard.OPEN_BOOK.value: ("no", ""),
        },
    )
    for name, value in changes.items():
        setattr(given, name, value)
    return given


def published(moderator, **changes):
    contract = services.create_contract(moderator, contract_input(**changes))
    services.publish_contract(moderator, contract)
    return contract


def decided_outsourcing(area, *, outcome: str = "passed", decision: str = "proceed") -> Proposal:
    """A decided outsourcing proposal (its state set directly: the vote's own lifecycle is
    tested in tests/votes)."""
    proposal = Proposal(
        kind=ProposalKind.OUTSOURCING,
        title="Outsource the leisure centres",
        service="Leisure centres",
        area_id=area.id,
        state=ProposalState.DECIDED,
        outcome=outcome,
        decision=decision,
        decided_at=utcnow(),
        votes_for=812,
        votes_against=640,
        eligible_count=5200,
        created_by_id=UserFactory().id,
    )
    db.session.add(proposal)
    db.session.flush()
    return proposal
