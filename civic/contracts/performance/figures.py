"""The scorecard's performance figures (principle 2: performance and finances are public),
counted from the register's own records."""

from __future__ import annotations

from flask import url_for

from civic.contracts.performance import services
from civic.contracts.scorecard import Figure, figure
from civic.i18n import _


@figure(2, "kpis_reported_on_time")
def kpis_reported_on_time() -> Figure:
    on = services.today()
    contracts = services.kpis_of_public_contracts()
    on_time = sum(1 for c, kpis in contracts if services.reported_on_time(c, on, kpis))
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
