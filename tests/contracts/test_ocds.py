"""Reading and writing OCDS release packages (civic.contracts.ocds: pure, no database).

The fixture tests/data/ocds/riverside-contracts.json is shaped like Contracts Finder's
output (parties with GB-COH and GB-MPR identifiers, `details.scale`, `tender.suitability`,
a release with two lots); every invalid case below is that file with one thing broken, so
each test can only fail for the rule it names.
"""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from civic.contracts import ocds

FIXTURE = Path(__file__).parents[1] / "data" / "ocds" / "riverside-contracts.json"
OCID_1 = "ocds-b5fd17-6d2f0c1e-2b7a-4f61-9c3e-51a8d0e4f7a2"
OCID_2 = "ocds-b5fd17-9a41e7c3-0f5d-4d2b-8e16-c7b2a9f03d58"
OCID_3 = "ocds-b5fd17-2c8e5b90-7741-4a0e-b3d9-f16a4c2e8b07"


def package() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def read(data: Any, **options: Any) -> ocds.ReadPackage:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    options.setdefault("area_slug", "riverside")
    return ocds.read_package(raw, **options)


def test_the_fixture_is_valid_against_the_published_schema() -> None:
    assert ocds.schema_errors(package(), strict=False) == []


def test_a_real_shaped_package_maps_to_register_records() -> None:
    result = read(package())
    assert result.errors == []
    by_ref = {r.reference: r for r in result.records}
    assert list(by_ref) == [OCID_1, OCID_2, f"{OCID_3}/LOT1", f"{OCID_3}/LOT2"]

    cleaning = by_ref[OCID_1]
    assert cleaning.title == "Libraries and community centres cleaning contract"
    assert cleaning.service == "Cleaning of libraries and community centres"  # tender title
    assert cleaning.summary.startswith("Three years from July 2024")
    assert cleaning.provider == ocds.ProviderRecord(
        "Brightway Facilities Services Ltd", "GB-COH-08765432", "private", "default"
    )
    assert (cleaning.start_date, cleaning.end_date) == (date(2024, 7, 1), date(2027, 6, 30))
    assert cleaning.total_value == 1_250_000_00
    # 36 months: a third of the total a year, to the nearest penny
    assert cleaning.annual_value == 416_666_67
    assert cleaning.area_slug == "riverside"

    transport = by_ref[OCID_2]
    assert transport.total_value == 480_000_50  # from the award: the contract has no value
    assert transport.annual_value == 240_000_25
    # a Community Interest Company by its legal name (which the law makes it carry)
    assert (transport.provider.kind, transport.provider.kind_source) == (
        "social_enterprise",
        "CIC",
    )
    lot1, lot2 = by_ref[f"{OCID_3}/LOT1"], by_ref[f"{OCID_3}/LOT2"]
    assert (lot1.provider.kind, lot1.provider.identifier) == ("cooperative", "GB-MPR-RS007654")
    assert (lot2.provider.kind, lot2.provider.name) == ("private", "Acme Landscapes Ltd")
    assert (lot1.annual_value, lot2.annual_value) == (120_000_00, 150_000_00)


def test_the_sha256_is_of_the_exact_bytes() -> None:
    raw = FIXTURE.read_bytes()
    assert ocds.read_package(raw, area_slug="x").sha256 == hashlib.sha256(raw).hexdigest()


@pytest.mark.parametrize(
    ("total", "start", "end", "annual"),
    [
        (1200, date(2025, 1, 1), date(2025, 12, 31), 1200),  # a year: the total
        (600, date(2025, 1, 1), date(2025, 6, 30), 600),  # shorter: the total, not doubled
        (5000, date(2025, 4, 1), date(2030, 3, 31), 1000),  # five years exactly
        (1300, date(2025, 1, 1), date(2026, 1, 15), 1200),  # 12½ months count as 13
        (100, date(2025, 1, 1), date(2027, 12, 31), 33),  # 33.33... rounds down
        (200, date(2025, 1, 1), date(2027, 12, 31), 67),  # 66.66... rounds up
    ],
)
def test_annual_value_from_the_total(total: int, start: date, end: date, annual: int) -> None:
    assert ocds.annual_from_total(total, start, end) == annual


def _only_error(data: Any, **options: Any) -> str:
    result = read(data, **options)
    assert len(result.errors) == 1, result.errors
    return result.errors[0]


def test_unknown_fields_are_refused_naming_release_and_field() -> None:
    data = package()
    data["releases"][1]["contracts"][0]["priceRevision"] = "annual CPI"
    error = _only_error(data)
    assert error.startswith(f"release 2 ({OCID_2}): contracts/0: unknown field 'priceRevision'")
    assert "not in OCDS 1.1 nor an extension Civic accepts" in error


def test_unknown_fields_at_the_top_of_a_release_and_of_the_package() -> None:
    data = package()
    data["releases"][0]["contractValueNote"] = "x"
    data["contractor"] = "x"
    errors = read(data).errors
    assert errors[1].startswith(f"release 1 ({OCID_1}): unknown field 'contractValueNote'")
    assert errors[0].startswith("package: unknown field 'contractor'")


def test_language_variants_the_standard_allows_are_not_unknown() -> None:
    data = package()
    data["releases"][0]["contracts"][0]["title_cy"] = "Contract glanhau llyfrgelloedd"
    assert read(data).errors == []


def test_accepted_extension_fields_pass_but_their_types_are_checked() -> None:
    data = package()
    data["releases"][0]["tender"]["suitability"]["vcse"] = "yes"
    assert "tender/suitability/vcse: must be boolean" in _only_error(data)


@pytest.mark.parametrize(
    ("break_it", "expected"),
    [
        (lambda r: r.pop("ocid"), "release 1 (no ocid): missing ocid"),
        (lambda r: r.pop("contracts"), f"release 1 ({OCID_1}): contracts: missing"),
        (
            lambda r: r["contracts"][0].pop("period"),
            f"release 1 ({OCID_1}): contracts/0: missing period",
        ),
        (
            lambda r: r["contracts"][0]["period"].pop("endDate"),
            f"release 1 ({OCID_1}): contracts/0/period: missing endDate",
        ),
        (
            lambda r: r["contracts"][0]["period"].update(endDate="2024-06-30T23:59:59+01:00"),
            f"release 1 ({OCID_1}): contracts/0/period: ends (2024-06-30) before it starts "
            "(2024-07-01)",
        ),
        (
            lambda r: r["contracts"][0]["period"].update(startDate="first of July"),
            f'release 1 ({OCID_1}): contracts/0/period/startDate: "first of July" is not a '
            "date-time",
        ),
        (
            lambda r: (r["contracts"][0].pop("value"), r["awards"][0].pop("value")),
            f"release 1 ({OCID_1}): contracts/0: missing value",
        ),
        (
            lambda r: r["contracts"][0]["value"].update(amount=-5),
            f"release 1 ({OCID_1}): contracts/0/value/amount: -5 is negative",
        ),
        (
            lambda r: r["contracts"][0]["value"].update(amount="1,250,000"),
            f'release 1 ({OCID_1}): contracts/0/value/amount: must be a number, not "1,250,000"',
        ),
        (
            lambda r: r["contracts"][0]["value"].update(amount=0.001),
            f"release 1 ({OCID_1}): contracts/0/value/amount: 0.001 has fractions of a penny",
        ),
        (
            lambda r: r["contracts"][0]["value"].update(currency="EUR"),
            f"release 1 ({OCID_1}): contracts/0/value/currency: EUR is not accepted",
        ),
        (
            lambda r: r["contracts"][0]["value"].update(currency="POUNDS"),
            f"release 1 ({OCID_1}): contracts/0/value/currency: 'POUNDS' is not an ISO 4217",
        ),
        (
            lambda r: r["contracts"][0].update(awardID="nope"),
            f"release 1 ({OCID_1}): contracts/0: awardID 'nope' matches no award",
        ),
        (
            lambda r: r["awards"][0].update(suppliers=[]),
            f"release 1 ({OCID_1}): contracts/0: award '{OCID_1[12:]}-award-1' names no supplier",
        ),
        (
            lambda r: r["parties"].pop(1),
            f'release 1 ({OCID_1}): contracts/0: supplier "GB-COH-08765432" is not in parties',
        ),
        (
            lambda r: r["contracts"][0].update(status="cancelled"),
            f"release 1 ({OCID_1}): contracts/0: status is cancelled",
        ),
    ],
)
def test_each_invalid_release_is_reported_and_yields_no_record(break_it, expected) -> None:
    data = package()
    break_it(data["releases"][0])
    result = read(data)
    assert len(result.errors) == 1, result.errors
    assert result.errors[0].startswith(expected), result.errors[0]
    # the other releases still map (the caller refuses the whole file: see the service)
    assert OCID_1 not in {r.ocid for r in result.records}
    assert {r.ocid for r in result.records} == {OCID_2, OCID_3}


def test_every_error_in_the_file_is_reported_not_only_the_first() -> None:
    data = package()
    data["releases"][0]["contracts"][0]["value"]["amount"] = -1
    data["releases"][1]["contracts"][0]["period"]["endDate"] = "2020-01-01T00:00:00Z"
    data["releases"][2]["contracts"][1]["value"]["currency"] = "USD"
    errors = read(data).errors
    assert [e.split(":")[0] for e in errors] == [
        f"release 1 ({OCID_1})",
        f"release 2 ({OCID_2})",
        f"release 3 ({OCID_3})",
    ]


def test_another_currency_only_when_allowed() -> None:
    data = package()
    data["releases"][0]["contracts"][0]["value"]["currency"] = "EUR"
    data["releases"][0]["awards"][0]["value"]["currency"] = "EUR"
    result = read(data, currencies=("GBP", "EUR"))
    assert result.errors == []
    assert result.records[0].currency == "EUR"


def test_the_same_ocid_twice_is_refused() -> None:
    data = package()
    data["releases"].append(copy.deepcopy(data["releases"][0]))
    data["releases"][3]["id"] = "a-later-release"
    assert _only_error(data) == (
        f"release 4 ({OCID_1}): the same ocid as release 1: give each contracting process once"
    )


def test_no_area_is_an_error_per_release() -> None:
    errors = read(package(), area_slug=None).errors
    assert len(errors) == 4
    assert errors[0] == (
        f"release 1 ({OCID_1}): contracts/0: no area: give --area, or civicArea on the contract"
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"{not json", "not JSON: line 1 column 2"),
        (b"[1, 2]", "the file is JSON but not a release package"),
        (b"\xff\xfe{}", "the file is not UTF-8 text"),
        (b'{"releases": [{"value": NaN}]}', "not JSON: NaN is not a number JSON allows"),
    ],
)
def test_unreadable_files(raw: bytes, expected: str) -> None:
    errors = ocds.read_package(raw, area_slug="x").errors
    assert len(errors) == 1 and errors[0].startswith(expected), errors


def test_a_package_without_releases_says_so() -> None:
    errors = read({"uri": "https://x.example/p.json", "version": "1.1"}).errors
    assert "package: missing publishedDate" in errors
    assert "package: missing releases" in errors


def _export(**overrides: Any) -> ocds.ExportContract:
    values: dict[str, Any] = {
        "reference": "RIV-2022-MEALS",
        "title": "School meals",
        "service": "School meals, Riverside primary schools",
        "summary": "Hot lunches in 14 primary schools.",
        "area_slug": "riverside",
        "provider_id": 7,
        "provider_name": "Riverside Catering Services Ltd",
        "provider_identifier": "GB-COH-09876543",
        "provider_type": "private",
        "currency": "GBP",
        "total_value": 6_000_000_01,
        "annual_value": 1_000_000_00,
        "start_date": date(2022, 9, 1),
        "end_date": date(2028, 8, 31),
        "break_clause": "Either side, on six months' notice after year three.",
        "terminated": False,
        "ended_on": None,
        "version": 2,
        "published": datetime(2024, 5, 1, 9, 0, tzinfo=UTC),
        "terms": (("fair_wage", "yes", ""), ("open_book", "no", "Refused by the provider")),
    }
    return ocds.ExportContract(**(values | overrides))


def _build(*contracts: ocds.ExportContract) -> dict[str, Any]:
    return ocds.build_package(
        contracts,
        prefix="ocds-civic0",
        publisher="Riverside Borough Council",
        uri="https://civic.example/contracts/ocds.json",
        published=datetime(2024, 5, 2, 12, 0, tzinfo=UTC),
    )


def test_the_export_is_valid_against_the_published_and_the_strict_schemas() -> None:
    built = json.loads(ocds.dumps(_build(_export(), _export(reference="NG-2024-PARKS"))))
    assert ocds.schema_errors(built, strict=False) == []
    assert ocds.schema_errors(built, strict=True) == []
    release = built["releases"][0]
    assert release["ocid"] == "ocds-civic0-RIV-2022-MEALS"
    contract = release["contracts"][0]
    assert contract["value"] == {"amount": 6000000.01, "currency": "GBP"}
    assert contract["period"] == {
        "startDate": "2022-09-01T00:00:00Z",
        "endDate": "2028-08-31T23:59:59Z",
    }
    supplier = release["parties"][1]
    assert supplier["identifier"] == {
        "scheme": "GB-COH",
        "id": "09876543",
        "legalName": "Riverside Catering Services Ltd",
    }


def test_an_export_reads_back_as_the_same_records() -> None:
    sent = [
        _export(),
        _export(
            reference=f"{OCID_3}/LOT1",
            provider_type="cooperative",
            provider_identifier="",
            terminated=True,
            ended_on=date(2026, 1, 31),
            terms=(),
        ),
        _export(reference=f"{OCID_3}/LOT2", provider_id=8, provider_name="Acme Landscapes Ltd"),
    ]
    result = ocds.read_package(ocds.dumps(_build(*sent)).encode())
    assert result.errors == []
    got = {r.reference: r for r in result.records}
    assert len(_build(*sent)["releases"]) == 2  # the two lots share their ocid's release
    for contract in sent:
        record = got[contract.reference]
        assert (
            record.title,
            record.service,
            record.summary,
            record.area_slug,
            record.currency,
            record.total_value,
            record.annual_value,
            record.start_date,
            record.end_date,
            record.break_clause,
            record.terms,
            record.ended_on,
        ) == (
            contract.title,
            contract.service,
            contract.summary,
            contract.area_slug,
            contract.currency,
            contract.total_value,
            contract.annual_value,
            contract.start_date,
            contract.end_date,
            contract.break_clause,
            contract.terms,
            contract.ended_on,
        )
        assert (record.provider.name, record.provider.kind, record.provider.identifier) == (
            contract.provider_name,
            contract.provider_type,
            contract.provider_identifier,
        )


def test_the_strict_schema_closes_every_object_but_keeps_the_standard() -> None:
    schema = ocds.strict_release_schema()
    assert schema["additionalProperties"] is False
    assert schema["definitions"]["Value"]["additionalProperties"] is False
    details = schema["definitions"]["Organization"]["properties"]["details"]
    assert set(details["properties"]) == {"scale", "url", "civicProviderType"}
    # the vendored file itself is untouched
    assert "additionalProperties" not in json.loads(
        (ocds.SCHEMA_DIR / "release-schema.json").read_text()
    )
