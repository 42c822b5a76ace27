"""The scorecard's principle-2 figure against a hand-counted register."""

from __future__ import annotations

from datetime import date

import pytest

from civic.contracts.models import ContractState
from civic.contracts.performance import figures
from civic.contracts.scorecard import registered
from tests.contracts.performance.helpers import (
    meals_kpi,
    report,
    today,  # noqa: F401  (a fixture)
)
from tests.factories import ContractFactory

pytestmark = pytest.mark.usefixtures("today")

Q1, Q2, Q3, Q4 = date(2025, 4, 1), date(2025, 7, 1), date(2025, 10, 1), date(2026, 1, 1)
DUE = {Q1: date(2025, 7, 30), Q2: date(2025, 10, 30), Q3: date(2026, 1, 30), Q4: date(2026, 4, 30)}


def _all_on_time(kpi, late: date | None = None) -> None:
    for start, due in DUE.items():
        report(kpi, start, "50", late if start == late else due)  # missed, but on time


def test_share_of_contracts_with_kpis_reported_on_time(app) -> None:
    # A: two KPIs, every report on its due day (targets missed: still on time) -> counts
    a = ContractFactory()
    _all_on_time(meals_kpi(a))
    _all_on_time(meals_kpi(a, name="Complaints resolved in 10 days"))
    # B: one KPI on time, the other with Q4 missing -> does not count
    b = ContractFactory()
    _all_on_time(meals_kpi(b))
    kpi = meals_kpi(b, name="Food waste")
    for start in (Q1, Q2, Q3):
        report(kpi, start, "99", DUE[start])
    # C: one report a day late -> does not count
    c = ContractFactory()
    kpi = meals_kpi(c)
    for start, due in DUE.items():
        report(kpi, start, "99", date(2025, 7, 31) if start == Q1 else due)
    # D: no KPIs -> not in the denominator; E: a draft with KPIs -> not either
    ContractFactory()
    meals_kpi(ContractFactory(state=ContractState.DRAFT, published_at=None))
    # F: KPIs that start reporting after today's last due date -> nothing due yet, counts
    meals_kpi(ContractFactory(), reporting_from=date(2026, 4, 1))

    with app.test_request_context():
        figure = figures.kpis_reported_on_time()
    assert (figure.numerator, figure.denominator) == (2, 4)  # A and F of A, B, C, F
    assert figure.link == "/contracts/performance/missed"
    assert "every KPI report already due arrived by its due date" in figure.note
    assert "kpis_reported_on_time" in {r.key for r in registered() if r.principle == 2}


def test_the_figure_reads_the_register_in_the_same_statements_however_long(app) -> None:
    """Counted on every view of /scorecard: each contract's KPIs and values are not read
    one query at a time (issue 16)."""
    from civic.extensions import db
    from tests.queries import statements

    def counted() -> tuple[int, int]:
        db.session.commit()  # the set-up's audit entries are written now, not in the count
        with app.test_request_context(), statements() as seen:
            figure = figures.kpis_reported_on_time()
        return len(seen), figure.denominator

    _all_on_time(meals_kpi(ContractFactory()))
    small, one = counted()
    for _ in range(4):
        _all_on_time(meals_kpi(ContractFactory()))
    large, five = counted()
    assert (one, five) == (1, 5)
    assert large == small, (small, large)
