"""Proposals for tests: a complete case, moved through its lifecycle by the services."""

from __future__ import annotations

from datetime import timedelta

from civic.accounts.models import utcnow
from civic.votes import services
from civic.votes.models import OptionKind, ProposalKind, ProposalState, Standard
from tests.budgets.rounds_helpers import resident_of
from tests.factories import AreaFactory, ModeratorFactory

ALL_YES = {s.value: ("yes", "") for s in Standard}


def complete_case(moderator, proposal, *, standards=None) -> None:
    services.update_case(
        moderator,
        proposal,
        current_provision="Run by the council's leisure team",
        current_cost=1_200_000_00,
        current_performance="Pool closed 14 days last year",
        public_interest_case="Repairs backlog of £2m the council cannot fund",
        inhouse_bid=True,
        inhouse_bid_summary="£1.1m a year, with a repairs plan",
    )
    services.set_options(
        moderator,
        proposal,
        [
            services.OptionInput(OptionKind.IN_HOUSE, "Council", 1_100_000_00, 70, 60, 80),
            services.OptionInput(OptionKind.PRIVATE, "LeisureCo", 950_000_00, 90, 55, 30),
        ],
    )
    services.answer_standards(moderator, proposal, standards or ALL_YES)


def make_proposal(
    state: ProposalState = ProposalState.DRAFT,
    *,
    standards=None,
    quorum=20,
    kind: ProposalKind = ProposalKind.OUTSOURCING,
):
    """(proposal, moderator, area) in `state`, with consultation dates already passed. A
    disposal is of the old library building, with its value and buyer filled in."""
    moderator = ModeratorFactory()
    area = AreaFactory()
    outsourcing = kind is ProposalKind.OUTSOURCING
    proposal = services.create_proposal(
        moderator,
        area,
        kind,
        "Outsource the leisure centre" if outsourcing else "Sell the old library building",
        "Riverside leisure centre" if outsourcing else "Old library, Mill Street",
    )
    if state is ProposalState.DRAFT:
        return proposal, moderator, area
    complete_case(moderator, proposal, standards=standards)
    if not outsourcing:
        services.update_case(
            moderator, proposal, asset_value=450_000_00, asset_new_owner="Mill Street Trust"
        )
    services.set_vote_rules(
        moderator, proposal, quorum_percent=quorum, majority="simple", hide_tally=True
    )
    services.open_consultation(moderator, proposal, 28)
    if state is ProposalState.CONSULTATION:
        return proposal, moderator, area
    proposal.consultation_from = utcnow() - timedelta(days=29)
    services.open_voting(moderator, proposal, utcnow() + timedelta(days=7))
    return proposal, moderator, area


def residents(area, n: int) -> list:
    return [resident_of(area) for _ in range(n)]
