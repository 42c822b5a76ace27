"""The register as data: /api/v1/contracts (list with filters and pages, detail),
/contracts.csv and /contracts/ocds.json. Public; drafts never appear."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

import pytest

from civic.contracts import api_views, ocds, sections
from civic.contracts.models import ContractState, ContractTerm, ProviderType
from civic.extensions import db
from civic.votes.models import Standard
from tests.conftest import login
from tests.factories import (
    AreaFactory,
    ContractFactory,
    ModeratorFactory,
    ProviderFactory,
)


@pytest.fixture
def register() -> dict[str, Any]:
    """Four public contracts and a draft, in two areas and three provider types."""
    riverside = AreaFactory(slug="riverside", name="Riverside")
    northgate = AreaFactory(slug="northgate", name="Northgate")
    private = ProviderFactory(name="Greenline Environmental Ltd", kind=ProviderType.PRIVATE)
    coop = ProviderFactory(name="Millbrook Homes Co-operative", kind=ProviderType.COOPERATIVE)
    in_house = ProviderFactory(name="Council street scene team", kind=ProviderType.IN_HOUSE)
    return {
        "waste": ContractFactory(
            reference="NG-2020-WASTE",
            area=northgate,
            provider=private,
            start_date=date(2020, 6, 1),
            end_date=date(2027, 5, 31),
        ),
        "meals": ContractFactory(
            reference="RIV-2022-MEALS",
            title="School meals",
            area=riverside,
            provider=private,
            start_date=date(2022, 9, 1),
            end_date=date(2028, 8, 31),
        ),
        "repairs": ContractFactory(
            reference="MB-2023-REPAIRS", area=riverside, provider=coop, end_date=date(2026, 3, 31)
        ),
        "streets": ContractFactory(
            reference="RIV-2019-STREETS",
            area=riverside,
            provider=in_house,
            start_date=date(2019, 4, 1),
            end_date=date(2029, 3, 31),
            state=ContractState.TERMINATED,
            ended_on=date(2025, 1, 31),
        ),
        "draft": ContractFactory(
            reference="RIV-2026-DRAFT",
            area=riverside,
            provider=private,
            state=ContractState.DRAFT,
            end_date=date(2026, 1, 1),
        ),
    }


def _references(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [c["reference"] for c in response.get_json()["contracts"]]


def test_the_list_shows_every_public_contract_and_never_a_draft(client, register) -> None:
    body = client.get("/api/v1/contracts").get_json()
    assert [c["reference"] for c in body["contracts"]] == [
        "MB-2023-REPAIRS",
        "NG-2020-WASTE",
        "RIV-2019-STREETS",
        "RIV-2022-MEALS",
    ]
    assert (body["total"], body["page"], body["pages"], body["next"]) == (4, 1, 1, None)
    meals = body["contracts"][3]
    assert meals["area"] == {"slug": "riverside", "name": "Riverside"}
    assert meals["provider"]["type"] == "private"
    assert meals["annual_value_pence"] == 1_000_000_00
    assert meals["end_date"] == "2028-08-31"
    assert meals["url"].endswith(f"/api/v1/contracts/{register['meals'].id}")


def test_drafts_are_hidden_even_from_moderators(client, register) -> None:
    login(client, ModeratorFactory())
    assert "RIV-2026-DRAFT" not in _references(client.get("/api/v1/contracts"))
    assert client.get(f"/api/v1/contracts/{register['draft'].id}").status_code == 404


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("area=riverside", ["MB-2023-REPAIRS", "RIV-2019-STREETS", "RIV-2022-MEALS"]),
        ("area=northgate", ["NG-2020-WASTE"]),
        ("provider_type=private", ["NG-2020-WASTE", "RIV-2022-MEALS"]),
        ("provider_type=cooperative", ["MB-2023-REPAIRS"]),
        ("provider_type=council_company", []),
        # before 2027-05-31 means ending on the 30th at the latest; terminated counts its
        # early end (2025-01-31), not the end date written in the contract
        ("ending_before=2027-05-31", ["MB-2023-REPAIRS", "RIV-2019-STREETS"]),
        ("ending_before=2027-06-01", ["MB-2023-REPAIRS", "NG-2020-WASTE", "RIV-2019-STREETS"]),
        ("area=riverside&provider_type=private&ending_before=2030-01-01", ["RIV-2022-MEALS"]),
        (
            "area=&provider_type=",
            ["MB-2023-REPAIRS", "NG-2020-WASTE", "RIV-2019-STREETS", "RIV-2022-MEALS"],
        ),
    ],
)
def test_filters(client, register, query: str, expected: list[str]) -> None:
    assert _references(client.get(f"/api/v1/contracts?{query}")) == expected


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("area=atlantis", "area", "There is no area with the slug 'atlantis'."),
        ("provider_type=charity", "provider_type", "provider_type must be one of in_house, "),
        ("ending_before=31/12/2026", "ending_before", "ending_before must be a date as"),
        ("ending_before=2026-02-30", "ending_before", "ending_before must be a date as"),
        ("ending_before=20261231", "ending_before", "ending_before must be a date as"),
        ("page=0", "page", "page must be a whole number from 1."),
        ("page=two", "page", "page must be a whole number from 1."),
        ("page=99999999999999999999999", "page", "page must be a whole number from 1."),
    ],
)
def test_bad_filters_are_400_json_with_a_reason(client, register, query, field, message):
    response = client.get(f"/api/v1/contracts?{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "Invalid filter" and body["status"] == 400
    assert body["fields"][field].startswith(message)


def test_pages(client, register, monkeypatch) -> None:
    monkeypatch.setattr(api_views, "PER_PAGE", 3)
    first = client.get("/api/v1/contracts?area=riverside").get_json()
    assert (first["total"], first["pages"], len(first["contracts"])) == (3, 1, 3)
    first = client.get("/api/v1/contracts").get_json()
    assert (first["total"], first["pages"]) == (4, 2)
    assert first["next"].endswith("/api/v1/contracts?page=2")
    second = client.get("/api/v1/contracts?page=2").get_json()
    assert [c["reference"] for c in second["contracts"]] == ["RIV-2022-MEALS"]
    assert second["next"] is None
    beyond = client.get("/api/v1/contracts?page=9").get_json()
    assert beyond["contracts"] == [] and beyond["total"] == 4


def test_the_next_page_keeps_the_filters(client, register, monkeypatch) -> None:
    monkeypatch.setattr(api_views, "PER_PAGE", 1)
    body = client.get("/api/v1/contracts?provider_type=private").get_json()
    assert "provider_type=private" in body["next"] and "page=2" in body["next"]
    assert "provider_type=private" in body["csv"]


def test_the_detail_holds_the_page_and_every_registered_part(client, register) -> None:
    meals = register["meals"]
    meals.terms = [ContractTerm(standard=Standard.FAIR_WAGE, answer="yes", note="")]
    meals.break_clause = "Six months' notice."
    db.session.flush()

    @sections.json_part("ocds_test_part")
    def _part(contract) -> dict:
        return {"reference_seen": contract.reference}

    try:
        body = client.get(f"/api/v1/contracts/{meals.id}").get_json()
    finally:
        sections._JSON_PARTS.pop("ocds_test_part")
    assert body["reference"] == "RIV-2022-MEALS"
    assert body["title"] == "School meals"
    assert body["break_clause"] == "Six months' notice."
    assert body["provider"]["name"] == "Greenline Environmental Ltd"
    assert body["provider"]["in_public_hands"] is False
    assert body["terms"] == [
        {
            "standard": "fair_wage",
            "label": Standard.FAIR_WAGE.label,
            "answer": "yes",
            "answer_label": "Yes",
            "note": "",
        }
    ]
    assert body["proposal"] is None
    assert body["ocds_test_part"] == {"reference_seen": "RIV-2022-MEALS"}
    assert body["page_url"].endswith(f"/contracts/{meals.id}")


def test_a_terminated_contract_says_when_it_ended(client, register) -> None:
    body = client.get(f"/api/v1/contracts/{register['streets'].id}").get_json()
    assert (body["state"], body["ended_on"], body["last_day"]) == (
        "terminated",
        "2025-01-31",
        "2025-01-31",
    )


def test_an_unknown_contract_is_a_json_404(client) -> None:
    response = client.get("/api/v1/contracts/999999")
    assert response.status_code == 404 and response.get_json()["status"] == 404


def _csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="contracts.csv"'
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_the_csv_lists_the_public_register_with_the_same_filters(client, register) -> None:
    rows = _csv(client.get("/contracts.csv"))
    assert [r["reference"] for r in rows] == [
        "MB-2023-REPAIRS",
        "NG-2020-WASTE",
        "RIV-2019-STREETS",
        "RIV-2022-MEALS",
    ]
    meals = rows[3]
    assert meals["annual_value"] == "1000000.00" and meals["total_value"] == "5000000.00"
    assert (meals["area"], meals["provider_type"], meals["currency"]) == (
        "Riverside",
        "private",
        "GBP",
    )
    private = _csv(client.get("/contracts.csv?provider_type=private&area=riverside"))
    assert [r["reference"] for r in private] == ["RIV-2022-MEALS"]


def test_csv_pence_are_exact(client, register) -> None:
    register["meals"].annual_value = 12_345_67
    register["meals"].total_value = 5
    db.session.flush()
    rows = _csv(client.get("/contracts.csv?area=riverside&provider_type=private"))
    assert (rows[0]["annual_value"], rows[0]["total_value"]) == ("12345.67", "0.05")


def test_csv_cells_cannot_become_formulas(client, register) -> None:
    register["meals"].title = '=HYPERLINK("http://evil.example","Click")'
    register["meals"].break_clause = "\t=1+1"
    db.session.flush()
    rows = _csv(client.get("/contracts.csv?area=riverside&provider_type=private"))
    assert rows[0]["title"].startswith("'=")
    assert rows[0]["break_clause"].startswith("'")


def test_csv_bad_filter_is_a_400_page(client, register) -> None:
    response = client.get("/contracts.csv?ending_before=soon")
    assert response.status_code == 400
    assert "ending_before must be a date as YYYY-MM-DD" in response.get_data(as_text=True)


def _next(response) -> str | None:
    """The address in a `Link: <...>; rel="next"` header, or None."""
    link = response.headers.get("Link")
    if link is None:
        return None
    assert link.endswith('>; rel="next"') and link.startswith("<http://localhost/")
    return link[len("<http://localhost") : -len('>; rel="next"')]


def test_csv_comes_in_pages_that_together_are_the_register(client, register, monkeypatch) -> None:
    """Each page at most CSV_PER_PAGE rows, each with its header row, the next one named in
    a Link header with the filters kept; together every row once, in order."""
    monkeypatch.setattr(api_views, "CSV_PER_PAGE", 3)
    first = client.get("/contracts.csv")
    rows = _csv(first)
    assert [r["reference"] for r in rows] == [
        "MB-2023-REPAIRS",
        "NG-2020-WASTE",
        "RIV-2019-STREETS",
    ]
    address = _next(first)
    assert address == "/contracts.csv?after=RIV-2019-STREETS"
    second = client.get(address)
    assert [r["reference"] for r in _csv(second)] == ["RIV-2022-MEALS"]
    assert _next(second) is None
    # the filters go with the cursor
    monkeypatch.setattr(api_views, "CSV_PER_PAGE", 1)
    riverside = client.get("/contracts.csv?area=riverside")
    seen = [r["reference"] for r in _csv(riverside)]
    address = _next(riverside)
    while address is not None:
        assert "area=riverside" in address
        page = client.get(address)
        seen += [r["reference"] for r in _csv(page)]
        address = _next(page)
    assert seen == ["MB-2023-REPAIRS", "RIV-2019-STREETS", "RIV-2022-MEALS"]


def test_a_csv_page_costs_the_same_however_long_the_register(client, register, monkeypatch) -> None:
    from tests.queries import statements

    monkeypatch.setattr(api_views, "CSV_PER_PAGE", 3)

    def one_page() -> tuple[int, int]:
        db.session.commit()  # the set-up's audit entries are written now, not in the count
        with statements() as seen:
            response = client.get("/contracts.csv")
        return len(seen), len(_csv(response))

    before = one_page()
    for _ in range(12):
        ContractFactory(area=register["meals"].area)
    db.session.flush()
    assert one_page() == before == (before[0], 3)


def test_csv_cursor_longer_than_any_reference_is_a_400(client, register) -> None:
    response = client.get("/contracts.csv?after=" + "x" * 121)
    assert response.status_code == 400
    assert "after must be a contract reference" in response.get_data(as_text=True)


def test_ocds_json_is_the_public_register_and_valid(client, register) -> None:
    response = client.get("/contracts/ocds.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    package = json.loads(response.get_data(as_text=True))
    assert ocds.schema_errors(package, strict=False) == []
    assert package["uri"].endswith("/contracts/ocds.json")
    ocids = [r["ocid"] for r in package["releases"]]
    assert ocids == [
        "ocds-civic0-MB-2023-REPAIRS",
        "ocds-civic0-NG-2020-WASTE",
        "ocds-civic0-RIV-2019-STREETS",
        "ocds-civic0-RIV-2022-MEALS",
    ]
    streets = package["releases"][2]["contracts"][0]
    assert (streets["status"], streets["civicEndedOn"]) == ("terminated", "2025-01-31")


def test_ocds_json_is_paged_between_ocids_with_links(client, register, monkeypatch) -> None:
    from civic.contracts import ocds_import

    monkeypatch.setattr(ocds_import, "OCDS_PER_PAGE", 3)
    first = client.get("/contracts/ocds.json").get_json()
    assert [r["ocid"] for r in first["releases"]] == [
        "ocds-civic0-MB-2023-REPAIRS",
        "ocds-civic0-NG-2020-WASTE",
        "ocds-civic0-RIV-2019-STREETS",
    ]
    assert first["links"] == {"next": "http://localhost/contracts/ocds.json?page=2"}
    second = client.get("/contracts/ocds.json?page=2").get_json()
    assert [r["ocid"] for r in second["releases"]] == ["ocds-civic0-RIV-2022-MEALS"]
    assert second["links"] == {"prev": "http://localhost/contracts/ocds.json"}
    assert second["uri"].endswith("/contracts/ocds.json?page=2")
    for package in (first, second):
        assert ocds.schema_errors(package, strict=False) == []
    assert client.get("/contracts/ocds.json?page=3").status_code == 404
    for bad in ("0", "x", "-1", "99999999999"):
        response = client.get(f"/contracts/ocds.json?page={bad}")
        assert response.status_code == 400, bad
