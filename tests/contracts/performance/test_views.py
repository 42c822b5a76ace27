"""The contract page's performance section, the public missed list, the JSON, and the
moderators' forms: who may use them and what bad input gets back."""

from __future__ import annotations

import re
from datetime import date
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import select

from civic.contracts.performance.models import ContractFinance, Kpi, KpiValue, StandardsReport
from civic.extensions import db
from civic.votes.models import Standard
from tests.conftest import csrf_token, login
from tests.contracts.performance.helpers import (
    contract_with_terms,
    meals_kpi,
    report,
    today,  # noqa: F401  (a fixture)
)
from tests.factories import ContractFactory, ModeratorFactory, UserFactory

pytestmark = pytest.mark.usefixtures("today")

SVG = "{http://www.w3.org/2000/svg}"
Q1, Q2, Q3 = date(2025, 4, 1), date(2025, 7, 1), date(2025, 10, 1)


def _meals_contract():
    contract = contract_with_terms(Standard.GENDER_PAY_AUDIT, title="School meals, Riverside")
    kpi = meals_kpi(contract)
    report(kpi, Q1, "96.5", date(2025, 7, 10))
    report(kpi, Q2, "91", date(2025, 10, 12))
    report(kpi, Q3, "95", date(2026, 2, 3))  # met, but late
    return contract, kpi


def test_the_contract_page_shows_a_table_and_a_chart_with_the_same_figures(client) -> None:
    contract, kpi = _meals_contract()
    page = client.get(f"/contracts/{contract.id}").get_data(as_text=True)
    # the chart: well-formed, one mark per reported value
    (svg_text,) = re.findall(r"<svg .*?</svg>", page, re.S)
    svg = ET.fromstring(svg_text)  # noqa: S314  (our own page)
    marks = [(g.get("class"), g.find(f"{SVG}title").text) for g in svg.iter(f"{SVG}g")]
    assert marks == [
        ("mark met", "Q1 2025-26 (April to June 2025): 96.5%, target met"),
        ("mark missed", "Q2 2025-26 (July to September 2025): 91.0%, target missed"),
        ("mark met", "Q3 2025-26 (October to December 2025): 95.0%, target met"),
    ]
    # the table beside it: the same periods and values, and the overdue one in words
    table = re.search(rf'id="kpi-table-{kpi.id}".*?</table>', page, re.S).group(0)
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", table, re.S)[1:]
    cells = [re.sub(r"<[^>]+>|\s+", " ", r).split("  ") for r in rows]
    text = [" ".join(" ".join(c).split()) for c in cells]
    assert text[0].startswith("Q1 2025-26 (April to June 2025) 96.5% 95.0% Target met")
    assert text[1].startswith("Q2 2025-26 (July to September 2025) 91.0% 95.0% Target missed")
    assert "reported late, 3 February 2026" in text[2]
    assert "None 95.0% Not reported (overdue) due 30 April 2026" in text[3]
    # shown prominently, and the standards report the terms require is overdue
    assert "This contract has 1 KPI target missed, 1 KPI report overdue, 1 standards report" in (
        " ".join(page.split())
    )
    assert "Gender pay audit" in page
    # no moderator links for the public
    assert "Record a value" not in page and "Add a performance indicator" not in page


def test_moderators_see_the_recording_links(client) -> None:
    contract, kpi = _meals_contract()
    login(client, ModeratorFactory())
    page = client.get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert f"/contracts/{contract.id}/performance/kpis/{kpi.id}/values/new" in page
    assert f"/contracts/{contract.id}/performance/finance/new" in page
    assert f"/contracts/{contract.id}/performance/standards/new" in page


def test_the_missed_list_and_its_json(client) -> None:
    contract, _ = _meals_contract()
    page = client.get("/contracts/performance/missed")
    assert page.status_code == 200
    text = " ".join(page.get_data(as_text=True).split())
    assert "3 missed targets and overdue reports" in text
    assert "91.0% against a target of 95.0%" in text
    data = client.get("/api/v1/contracts/performance/missed").get_json()
    assert {(d["contract_reference"], d["outcome"]) for d in data} == {
        (contract.reference, "Target missed"),
        (contract.reference, "Not reported (overdue)"),
        (contract.reference, "Overdue (not received)"),
    }


def test_the_contract_json_has_kpis_finance_and_standards_reports(app, client) -> None:
    contract, _ = _meals_contract()
    db.session.add(
        ContractFinance(
            contract_id=contract.id,
            year=2025,
            cost_to_council=100_00,
            provider_revenue=200_00,
            provider_margin=15_00,
            source="Statement",
        )
    )
    db.session.commit()
    from civic.contracts import sections

    with app.test_request_context():  # every part's links are built as in the API
        parts = sections.json_parts(contract)
    (kpi_json,) = parts["kpis"]
    assert kpi_json["target"] == "95.0" and kpi_json["direction"] == "higher"
    assert [(p["value"], p["outcome"], p["on_time"]) for p in kpi_json["periods"]] == [
        ("96.5", "met", True),
        ("91.0", "missed", True),
        ("95.0", "met", False),
        (None, "overdue", None),
    ]
    assert parts["finance"] == [
        {
            "financial_year": "2025-26",
            "currency": "GBP",
            "cost_to_council": 100_00,
            "provider_revenue": 200_00,
            "provider_margin": 15_00,
            "margin_share": "7.5%",
            "source": "Statement",
        }
    ]
    assert [(r["standard"], r["status"]) for r in parts["standards_reports"]] == [
        ("gender_pay_audit", "overdue"),
        ("gender_pay_audit", "not_due"),
    ]


def _paths(contract, kpi) -> list[str]:
    base = f"/contracts/{contract.id}/performance"
    return [
        f"{base}/kpis/new",
        f"{base}/kpis/{kpi.id}/values/new",
        f"{base}/finance/new",
        f"{base}/standards/new",
    ]


def test_the_forms_are_for_moderators_only(client) -> None:
    contract, kpi = _meals_contract()
    for path in _paths(contract, kpi):
        assert client.get(path).status_code == 302  # to sign in
    login(client, UserFactory())
    for path in _paths(contract, kpi):
        assert client.get(path).status_code == 403
        assert client.post(path, data={}).status_code in (400, 403)  # no CSRF token: 400
    client.post("/accounts/sign-out", data={"csrf_token": csrf_token(client, "/")})
    login(client, ModeratorFactory())
    for path in _paths(contract, kpi):
        assert client.get(path).status_code == 200


def _post(client, path: str, data: dict):
    return client.post(path, data={"csrf_token": csrf_token(client, path), **data})


def test_a_moderator_adds_a_kpi_and_records_a_value(client) -> None:
    contract = ContractFactory()
    login(client, ModeratorFactory())
    base = f"/contracts/{contract.id}/performance"
    response = _post(
        client,
        f"{base}/kpis/new",
        {
            "name": "Food waste per pupil",
            "unit": "kg",
            "decimals": "2",
            "target": "1.25",
            "direction": "lower",
            "period": "quarterly",
        },
    )
    assert response.status_code == 302
    kpi = db.session.scalar(select(Kpi).where(Kpi.contract_id == contract.id))
    assert (kpi.target, kpi.decimals) == (125, 2)
    form = client.get(f"{base}/kpis/{kpi.id}/values/new").get_data(as_text=True)
    assert '<option value="2025-04-01">Q1 2025-26 (April to June 2025)</option>' in form
    response = _post(
        client,
        f"{base}/kpis/{kpi.id}/values/new",
        {
            "period_start": "2025-04-01",
            "value": "1.31",
            "reported_on": ["14", "7", "2025"],
            "source": "Q1 return",
        },
    )
    assert response.status_code == 302
    assert db.session.scalar(select(KpiValue.value)) == 131


def test_bad_input_re_renders_with_the_input_kept_and_the_message(client) -> None:
    contract, kpi = _meals_contract()
    login(client, ModeratorFactory())
    path = f"/contracts/{contract.id}/performance/kpis/{kpi.id}/values/new"
    response = _post(
        client,
        path,
        {
            "period_start": "2025-04-01",  # already has a value (tampered: not offered)
            "value": "-3",
            "reported_on": ["31", "2", "2026"],
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "govuk-error-summary" in page
    assert "The report date must be a real date" in page
    # the value is kept in its box
    assert 'value="-3"' in page
    # the service's own refusals, next to their fields
    response = _post(
        client,
        path,
        {
            "period_start": "2025-04-01",
            "value": "-3",
            "reported_on": ["1", "2", "2026"],
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The value cannot be negative" in page
    assert "A value for Q1 2025-26 (April to June 2025) is already recorded" in page
    assert [v.value for v in db.session.get(Kpi, kpi.id).values] == [965, 910, 950]


def test_finance_form_refuses_a_negative_cost_and_takes_pounds(client) -> None:
    contract = ContractFactory()
    login(client, ModeratorFactory())
    path = f"/contracts/{contract.id}/performance/finance/new"
    bad = _post(client, path, {"year": "2025", "cost_to_council": "-5", "source": "Accounts"})
    assert bad.status_code == 422
    assert "The cost to the council cannot be negative" in bad.get_data(as_text=True)
    words = _post(client, path, {"year": "2025", "cost_to_council": "lots", "source": "A"})
    assert "Enter the cost to the council in pounds" in words.get_data(as_text=True)
    good = _post(
        client,
        path,
        {
            "year": "2025",
            "cost_to_council": "£1,200,000.50",
            "provider_revenue": "1250000",
            "provider_margin": "-12,000",
            "source": "Open-book statement",
        },
    )
    assert good.status_code == 302
    row = db.session.scalar(select(ContractFinance))
    assert (row.cost_to_council, row.provider_revenue, row.provider_margin) == (
        120_000_050,
        125_000_000,
        -1_200_000,
    )


def test_standards_report_form(client) -> None:
    contract = contract_with_terms(Standard.GENDER_PAY_AUDIT, Standard.FAIR_WAGE)
    login(client, ModeratorFactory())
    path = f"/contracts/{contract.id}/performance/standards/new"
    form = client.get(path).get_data(as_text=True)
    assert '<option value="fair_wage:2026-04-01">' in form
    missing = _post(client, path, {"report": "fair_wage:2026-04-01"})
    assert missing.status_code == 422
    page = missing.get_data(as_text=True)
    assert "Say whether the standard was met or missed" in page
    assert "Describe the evidence" in page
    ok = _post(
        client,
        path,
        {
            "report": "fair_wage:2026-04-01",
            "status": "met",
            "reported_on": ["28", "3", "2026"],
            "evidence": "Payroll sample: all staff on at least the real Living Wage",
        },
    )
    assert ok.status_code == 302
    assert db.session.scalar(select(StandardsReport.status)).value == "met"
    tampered = _post(
        client,
        path,
        {
            "report": "union_recognition:2026-04-01",
            "status": "met",
            "reported_on": ["28", "3", "2026"],
            "evidence": "x",
        },
    )
    assert tampered.status_code == 422
    assert "Choose a report this contract&#39;s terms require" in tampered.get_data(as_text=True)


def _walk(client, address: str, link) -> list:
    """Every page from `address`, following each page's next link; the pages' bodies."""
    pages = []
    while address is not None:
        response = client.get(address)
        assert response.status_code == 200
        pages.append(response)
        address = link(response)
    return pages


def _api_next(response) -> str | None:
    link = response.headers.get("Link")
    if link is None:
        return None
    assert link.startswith("<http://localhost/") and link.endswith('>; rel="next"')
    return link[len("<http://localhost") : -len('>; rel="next"')]


def _html_next(response) -> str | None:
    found = re.search(r'href="([^"]+)" rel="next"', response.get_data(as_text=True))
    return found.group(1).replace("&amp;", "&") if found else None


def test_the_missed_list_comes_in_pages_that_together_are_the_whole_list(
    client, monkeypatch
) -> None:
    """Pages of MISSED_PER_PAGE monitored contracts, the next named in a Link header (JSON)
    and a next link (HTML): together every failure once, the same as the whole register's."""
    from civic.contracts.performance import services

    for n in range(3):
        contract = contract_with_terms(Standard.GENDER_PAY_AUDIT, reference=f"P-{n}")
        report(meals_kpi(contract), Q2, "91", date(2025, 10, 12))
    ContractFactory(reference="P-0a")  # nothing monitored: never a page of its own
    monkeypatch.setattr(services, "MISSED_PER_PAGE", 2)
    whole = services.failures(services.today())
    assert len(whole) == 3 * 5  # per contract: Q2 missed, Q1, Q3, Q4 overdue, the audit overdue
    pages = _walk(client, "/api/v1/contracts/performance/missed", _api_next)
    assert len(pages) == 2
    assert [len({d["contract_reference"] for d in p.get_json()}) for p in pages] == [2, 1]
    seen = [(d["contract_reference"], d["what"], d["period"]) for p in pages for d in p.get_json()]
    assert sorted(seen) == sorted((f.contract.reference, f.what, f.period) for f in whole)
    html = _walk(client, "/contracts/performance/missed", _html_next)
    assert len(html) == 2
    first, last = (" ".join(p.get_data(as_text=True).split()) for p in html)
    assert "10 missed targets and overdue reports on contracts P-0 to P-1" in first
    assert "5 missed targets and overdue reports on contracts P-2 to P-2" in last
    assert "First page" in last and "First page" not in first


def test_a_page_of_the_missed_list_costs_the_same_however_many_contracts(
    client, monkeypatch
) -> None:
    from civic.contracts.performance import services
    from tests.queries import statements

    monkeypatch.setattr(services, "MISSED_PER_PAGE", 2)

    def one_page() -> tuple[int, int]:
        db.session.commit()  # the set-up's audit entries are written now, not in the count
        with statements() as seen:
            data = client.get("/api/v1/contracts/performance/missed").get_json()
        return len(seen), len({d["contract_reference"] for d in data})

    for _ in range(2):
        report(meals_kpi(contract_with_terms(Standard.GENDER_PAY_AUDIT)), Q2, "91", Q3)
    before = one_page()
    for _ in range(5):
        report(meals_kpi(contract_with_terms(Standard.GENDER_PAY_AUDIT)), Q2, "91", Q3)
    assert one_page() == before
    assert before[1] == 2


def test_a_missed_list_cursor_no_reference_could_be_is_a_404(client) -> None:
    assert client.get("/contracts/performance/missed?after=" + "x" * 121).status_code == 404
    assert client.get("/api/v1/contracts/performance/missed?after=" + "x" * 121).status_code == 404
