"""A contract's performance in a real browser: the chart and its table, readable with
JavaScript off, and the missed list. Axe-clean. (The moderators' forms and their errors are
tested in tests/contracts/performance/test_views.py: a sign-in here would spend the browser
run's shared sign-in allowance.)

A server of its own (like tests/browser/conftest.py's, smaller): the shared live site has
no contract, and this keeps the performance slice out of the shared fixture.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from flask_migrate import upgrade
from playwright.sync_api import expect
from werkzeug.serving import make_server

from civic import create_app
from civic.accounts import services as accounts
from civic.accounts.models import Role
from civic.clock import utcnow
from civic.contracts import services as contracts
from civic.contracts.models import ProviderType
from civic.contracts.performance import periods
from civic.contracts.performance import services as performance
from civic.contracts.performance.periods import Direction, Period
from civic.extensions import db
from tests.browser.conftest import PASSWORD, PageProblems, _new_page
from tests.browser.test_foundation_browser import assert_accessible, assert_clean_console

pytestmark = pytest.mark.browser

EMAIL = "kpi.moderator@example.org"


@dataclass(frozen=True)
class Site:
    url: str
    contract_id: int
    kpi_id: int


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    database = tmp_path_factory.mktemp("performance") / "performance.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "SERVER_NAME": None})
    with app.app_context():
        upgrade()
        moderator = accounts.create_user(None, EMAIL, "Kim Moderator", PASSWORD, Role.MODERATOR)
        area = accounts.create_area(
            None,
            name="Riverside",
            slug="riverside",
            kind="ward",
            postcode_districts="RV1",
            description="",
        )
        today = utcnow().date()
        start = periods.period_start(Period.QUARTERLY, today - timedelta(days=400))
        contract = contracts.create_contract(
            moderator,
            contracts.ContractInput(
                reference="RIV-TEST-MEALS",
                title="School meals, Riverside",
                service="School meals",
                area=area,
                provider=contracts.create_provider(
                    moderator, "Riverside Catering Ltd", ProviderType.PRIVATE
                ),
                annual_value=1_000_000_00,
                total_value=5_000_000_00,
                start_date=start,
                end_date=date(start.year + 5, start.month, 1) - timedelta(days=1),
                terms={"gender_pay_audit": ("yes", ""), "fair_wage": ("yes", "")},
            ),
        )
        contracts.publish_contract(moderator, contract)
        kpi = performance.add_kpi(
            moderator,
            contract,
            name="Meals meeting the nutrition standards",
            description="",
            unit="percent",
            decimals=1,
            target="95",
            period=Period.QUARTERLY,
            direction=Direction.HIGHER,
        )
        ended = [s for s in performance.kpi_period_starts(kpi) if s < start + timedelta(days=360)]
        for start_, value in zip(ended[:3], ("96.1", "93.4", "95.0"), strict=True):
            end = periods.period_end(Period.QUARTERLY, start_)
            performance.record_kpi_value(
                moderator,
                kpi,
                period_start=start_,
                value=value,
                reported_on=end + timedelta(days=5),
                source="Quarterly return",
            )
        performance.record_finance(
            moderator,
            contract,
            year=performance.financial_years(contract, today)[0],
            cost_to_council=980_000_00,
            provider_revenue=1_050_000_00,
            provider_margin=63_000_00,
            source="Open-book statement",
        )
        ids = (contract.id, kpi.id)
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="perf-server", daemon=True)
    thread.start()
    try:
        yield Site(f"http://127.0.0.1:{server.server_port}", *ids)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


def test_the_chart_and_its_table_without_javascript(browser, site: Site, problems) -> None:
    context, page = _new_page(browser, problems, site.url, javascript=False)
    try:
        page.goto(f"/contracts/{site.contract_id}")
        chart = page.get_by_role("img", name="Meals meeting the nutrition standards")
        expect(chart).to_be_visible()
        assert chart.locator("g.mark").count() == 3
        table = page.get_by_role("table", name="Meals meeting the nutrition standards: values")
        expect(table.get_by_text("Target missed")).to_have_count(1)
        expect(table.get_by_text("Target met")).to_have_count(2)
        expect(page.get_by_text("Not reported (overdue)").first).to_be_visible()
        expect(page.get_by_role("table", name="Money by financial year")).to_contain_text(
            "£980,000"
        )
    finally:
        context.close()


def test_the_contract_page_and_missed_list_are_accessible(browser, site: Site) -> None:
    problems = PageProblems()
    context, page = _new_page(browser, problems, site.url, javascript=True)
    try:
        page.goto(f"/contracts/{site.contract_id}")
        assert_accessible(page, "the contract's performance")
        assert_clean_console(page, problems, "the contract page")
        page.get_by_role("link", name="Every missed target and overdue report").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Missed targets and overdue reports"
        )
        expect(page.get_by_role("cell", name="Target missed")).to_be_visible()
        assert_accessible(page, "the missed list")
    finally:
        context.close()
