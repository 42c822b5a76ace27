"""Shared fixtures for the performance tests: a fixed "today" and a contract with KPIs."""

from __future__ import annotations

from datetime import date

import pytest

from civic.contracts.models import Contract, ContractTerm
from civic.contracts.performance import services
from civic.contracts.performance.models import Kpi
from civic.contracts.performance.periods import Direction, Period
from civic.extensions import db
from civic.votes.models import Standard
from tests.factories import ContractFactory, ModeratorFactory

TODAY = date(2026, 6, 15)  # four quarters of the factory's contract have ended and are due


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> date:
    monkeypatch.setattr(services, "today", lambda: TODAY)
    return TODAY


def contract_with_terms(*standards: Standard, **fields) -> Contract:
    contract = ContractFactory(**fields)
    for standard in standards:
        db.session.add(ContractTerm(contract_id=contract.id, standard=standard, answer="yes"))
    db.session.flush()
    db.session.refresh(contract)
    return contract


STAFF = object()  # "a new moderator", where None would mean nobody signed in


def meals_kpi(contract: Contract, moderator=STAFF, **fields) -> Kpi:
    values = {
        "name": "Meals meeting the nutrition standards",
        "description": "",
        "unit": "percent",
        "decimals": 1,
        "target": "95",
        "period": Period.QUARTERLY,
        "direction": Direction.HIGHER,
    } | fields
    actor = ModeratorFactory() if moderator is STAFF else moderator
    return services.add_kpi(actor, contract, **values)


def report(kpi: Kpi, start: date | None, value: str, on: date | None, moderator=STAFF):
    return services.record_kpi_value(
        ModeratorFactory() if moderator is STAFF else moderator,
        kpi,
        period_start=start,
        value=value,
        reported_on=on,
        source="Quarterly monitoring return",
    )
