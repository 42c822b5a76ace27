"""The scorecard's performance figures (principle 2: performance and finances are public),
counted from the register's own records."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import select

from civic.contracts.models import Contract, ContractState
from civic.contracts.performance import services
from civic.contracts.performance.models import Kpi
from civic.contracts.scorecard import Figure, figure
from civic.extensions import db
from civic.i18n import _


def _public_contracts_with_kpis() -> list[Contract]:
    ids = db.session.scalars(
        select(Kpi.contract_id)
        .join(Contract, Contract.id == Kpi.contract_id)
        .where(Contract.state != ContractState.DRAFT)
        .distinct()
    )
    return [db.session.get(Contract, i) for i in sorted(ids)]


@figure(2, "kpis_reported_on_time")
def kpis_reported_on_time() -> Figure:
    on = services.today()
    contracts = _public_contracts_with_kpis()
    on_time = sum(1 for c in contracts if services.reported_on_time(c, on))
    return Figure(
        label=_("Contracts with KPIs reported on time"),
        numerator=on_time,
        denominator=len(contracts),
        link=url_for("contracts.performance_missed"),
        note=_(
            "Of the contracts on the public register (published, or ended) that have at "
            "least one KPI: those where every KPI report already due arrived by its due date "
            "(%(num)s days after its period ended). A report still missing, or recorded after "
            "its due date, counts against the contract.",
            num=services.report_days(),
        ),
    )
