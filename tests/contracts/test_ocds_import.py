"""Importing a release package into the register (service and `flask civic contracts`):
whole or not at all, audited per contract, refused a second time; and the export, which
imports back into an empty register as the same register."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from civic import audit
from civic.audit.models import AuditEntry
from civic.contracts import ocds
from civic.contracts.models import (
    Contract,
    ContractState,
    ContractTerm,
    Provider,
    ProviderType,
)
from civic.contracts.ocds_import import ImportRefused, export_package, import_package
from civic.errors import PermissionDenied
from civic.extensions import db
from civic.votes.models import Standard
from tests.contracts.test_ocds import FIXTURE, OCID_1, OCID_2, OCID_3, package
from tests.factories import (
    AreaFactory,
    ContractFactory,
    ModeratorFactory,
    ProviderFactory,
    UserFactory,
)


def _count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _imports() -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "contract:import")
            .order_by(AuditEntry.seq)
        )
    )


@pytest.fixture
def riverside():
    return AreaFactory(slug="riverside", name="Riverside")


def test_a_package_is_registered_published_and_audited(app, riverside) -> None:
    raw = FIXTURE.read_bytes()
    result = import_package(None, raw, area_slug="riverside")
    assert [c.reference for c in result.contracts] == [
        OCID_1,
        OCID_2,
        f"{OCID_3}/LOT1",
        f"{OCID_3}/LOT2",
    ]
    assert result.providers_created == 4
    cleaning = db.session.scalar(select(Contract).where(Contract.reference == OCID_1))
    assert cleaning.state is ContractState.PUBLISHED and cleaning.published_at is not None
    assert cleaning.area_id == riverside.id
    assert (cleaning.total_value, cleaning.annual_value) == (1_250_000_00, 416_666_67)
    assert (cleaning.start_date, cleaning.end_date) == (date(2024, 7, 1), date(2027, 6, 30))
    assert cleaning.provider.kind is ProviderType.PRIVATE
    assert cleaning.provider.identifier == "GB-COH-08765432"
    kinds = {p.name: p.kind for p in db.session.scalars(select(Provider))}
    assert kinds["Riverside Community Transport"] is ProviderType.SOCIAL_ENTERPRISE
    assert kinds["Greenfingers Workers' Co-operative Limited"] is ProviderType.COOPERATIVE

    entries = _imports()
    assert len(entries) == 4
    body = json.loads(entries[0].body)
    digest = hashlib.sha256(raw).hexdigest()
    assert body["data"]["package_sha256"] == digest == result.sha256
    assert body["data"]["release_id"] == "6d2f0c1e-2b7a-4f61-9c3e-51a8d0e4f7a2-912044"
    # what was published, as a moderator's contract:publish logs it
    assert body["data"]["contract"]["reference"] == OCID_1
    assert body["data"]["contract"]["total_value"] == 1_250_000_00
    assert body["data"]["contract"]["provider"]["name"] == "Brightway Facilities Services Ltd"
    made = db.session.scalars(
        select(AuditEntry.subject_id).where(AuditEntry.action == "provider:create")
    ).all()
    assert sorted(made) == sorted(str(p.id) for p in db.session.scalars(select(Provider)))
    assert body["subject"] == {"type": "contract", "id": str(cleaning.id)}
    assert audit.verify().ok


def test_an_existing_provider_of_that_name_is_reused(app, riverside) -> None:
    existing = ProviderFactory(name="Acme Landscapes Ltd", kind=ProviderType.PRIVATE)
    result = import_package(None, FIXTURE.read_bytes(), area_slug="riverside")
    assert result.providers_created == 3
    lot2 = db.session.scalar(select(Contract).where(Contract.reference == f"{OCID_3}/LOT2"))
    assert lot2.provider_id == existing.id


def _refused(data: Any, **options: Any) -> list[str]:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    options.setdefault("area_slug", "riverside")
    with pytest.raises(ImportRefused) as caught:
        import_package(None, raw, **options)
    return caught.value.lines


def test_one_bad_release_imports_nothing(app, riverside) -> None:
    data = package()
    data["releases"][2]["contracts"][1]["period"]["endDate"] = "2020-01-01T00:00:00Z"
    lines = _refused(data)
    assert len(lines) == 1 and lines[0].startswith(f"release 3 ({OCID_3}): contracts/1/period")
    assert _count(Contract) == _count(Provider) == 0
    assert _imports() == []


def test_a_second_import_of_the_same_file_is_refused_and_changes_nothing(app, riverside) -> None:
    import_package(None, FIXTURE.read_bytes(), area_slug="riverside")
    before = (_count(Contract), _count(Provider), len(_imports()))
    lines = _refused(package())
    assert len(lines) == 4
    assert lines[0].startswith(f"release 1 ({OCID_1}): '{OCID_1}' is already in the register")
    assert (_count(Contract), _count(Provider), len(_imports())) == before


def test_an_unknown_area_is_refused(app) -> None:
    lines = _refused(package(), area_slug="nowhere")
    assert lines[0] == f"release 1 ({OCID_1}): there is no area 'nowhere' in Civic"
    assert _count(Contract) == 0


def test_unknown_terms_are_refused(app, riverside) -> None:
    data = package()
    data["releases"][1]["contracts"][0]["civicTerms"] = [
        {"standard": "free_lunches", "answer": "yes"},
        {"standard": "fair_wage", "answer": "maybe"},
    ]
    lines = _refused(data)
    assert lines == [
        f"release 2 ({OCID_2}): civicTerms: unknown standard 'free_lunches'",
        f"release 2 ({OCID_2}): civicTerms: answer 'maybe' is not one of yes, no, not_applicable",
    ]


def test_the_register_s_own_rules_apply_to_imports(app, riverside) -> None:
    data = package()
    data["releases"][1]["contracts"][0]["civicTerms"] = [
        {"standard": "fair_wage", "answer": "no", "note": "x" * 1001}
    ]
    assert _refused(data) == [
        f"release 2 ({OCID_2}): term_fair_wage: A note must be 1,000 characters or fewer"
    ]
    assert _count(Contract) == 0


def test_dry_run_validates_and_writes_nothing(app, riverside) -> None:
    result = import_package(None, FIXTURE.read_bytes(), area_slug="riverside", dry_run=True)
    assert len(result.records) == 4 and result.contracts == []
    assert _count(Contract) == 0 and _imports() == []


def test_a_resident_may_not_import_and_a_moderator_may(app, riverside) -> None:
    with pytest.raises(PermissionDenied):
        import_package(UserFactory(), FIXTURE.read_bytes(), area_slug="riverside")
    assert _count(Contract) == 0
    moderator = ModeratorFactory()
    result = import_package(moderator, FIXTURE.read_bytes(), area_slug="riverside")
    assert all(c.created_by_id == moderator.id for c in result.contracts)
    assert json.loads(_imports()[0].body)["actor"] is not None


# ---------------------------------------------------------------------------------------
# the command line


def _cli(app, *args: str):
    return app.test_cli_runner().invoke(args=["civic", "contracts", *args])


def test_cli_imports_a_package(app, riverside) -> None:
    result = _cli(app, "import-ocds", str(FIXTURE), "--area", "riverside")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Imported 4 contracts (4 new providers); package SHA-256 ")
    assert _count(Contract) == 4


def test_cli_reports_every_error_one_line_each_and_exits_non_zero(app, riverside, tmp_path):
    data = package()
    data["releases"][0]["contracts"][0]["value"]["amount"] = -100
    data["releases"][1]["contracts"][0]["surprise"] = True
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    result = _cli(app, "import-ocds", str(bad), "--area", "riverside")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"{bad}: release 1 ({OCID_1}): contracts/0/value/amount: -100 is negative: a value "
        "cannot be below nothing",
        f"{bad}: release 2 ({OCID_2}): contracts/0: unknown field 'surprise': not in OCDS 1.1 "
        "nor an extension Civic accepts",
        f"{bad}: nothing imported (2 errors).",
    ]
    assert _count(Contract) == 0


def test_cli_dry_run(app, riverside) -> None:
    result = _cli(app, "import-ocds", str(FIXTURE), "--area", "riverside", "--dry-run")
    assert result.exit_code == 0
    assert "valid: 4 contracts would be imported (dry run: nothing written)" in result.stdout
    assert _count(Contract) == 0


def test_cli_allows_another_currency_only_when_asked(app, riverside, tmp_path) -> None:
    data = package()
    for where in (data["releases"][0]["contracts"][0], data["releases"][0]["awards"][0]):
        where["value"]["currency"] = "EUR"
    euros = tmp_path / "euros.json"
    euros.write_text(json.dumps(data))
    assert _cli(app, "import-ocds", str(euros), "--area", "riverside").exit_code == 1
    AreaFactory(slug="riverside")  # the failed command rolled back, the test's area too
    result = _cli(app, "import-ocds", str(euros), "--area", "riverside", "--currency", "eur")
    assert result.exit_code == 0, result.stderr
    assert db.session.scalar(select(Contract.currency).where(Contract.reference == OCID_1)) == "EUR"


def test_cli_missing_file_is_one_line(app, tmp_path) -> None:
    result = _cli(app, "import-ocds", str(tmp_path / "absent.json"), "--area", "x")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1].startswith("Error: ")
    assert "cannot read the file" in result.stderr


# ---------------------------------------------------------------------------------------
# export, and back


def _snapshot() -> list[tuple]:
    contracts = db.session.scalars(
        select(Contract).where(Contract.state != ContractState.DRAFT).order_by(Contract.reference)
    )
    return [
        (
            c.reference,
            c.title,
            c.service,
            c.summary,
            c.area.slug,
            c.provider.name,
            c.provider.kind,
            c.provider.identifier,
            c.currency,
            c.annual_value,
            c.total_value,
            c.start_date,
            c.end_date,
            c.break_clause,
            c.state,
            c.ended_on,
            sorted((t.standard, t.answer, t.note) for t in c.terms),
        )
        for c in contracts
    ]


def test_export_then_import_into_an_empty_register_gives_the_same_register(
    app, riverside, tmp_path
) -> None:
    import_package(None, FIXTURE.read_bytes(), area_slug="riverside")
    northgate = AreaFactory(slug="northgate", name="Northgate")
    meals = ContractFactory(
        reference="RIV-2022-MEALS",
        area=riverside,
        provider=ProviderFactory(name="Riverside Catering Services Ltd", identifier="GB-COH-1"),
        annual_value=123_456_78,  # not total / years: kept as given
        break_clause="Six months' notice after year three.",
        summary="Hot lunches in 14 primary schools.",
    )
    meals.terms = [
        ContractTerm(standard=Standard.FAIR_WAGE, answer="yes", note=""),
        ContractTerm(standard=Standard.OPEN_BOOK, answer="no", note="Refused by the provider"),
    ]
    ContractFactory(
        reference="RIV-2021-PARKING",
        area=northgate,
        provider=ProviderFactory(
            name="Riverside Parking Services Ltd", kind=ProviderType.COUNCIL_COMPANY
        ),
        state=ContractState.TERMINATED,
        ended_on=date(2025, 12, 31),
    )
    ContractFactory(reference="DRAFT-1", state=ContractState.DRAFT, area=northgate)
    db.session.flush()
    before = _snapshot()
    assert len(before) == 6

    out = tmp_path / "register.json"
    result = _cli(app, "export-ocds", str(out))
    assert result.exit_code == 0, result.stderr
    exported = json.loads(out.read_text())
    assert ocds.schema_errors(exported, strict=False) == []
    assert "DRAFT-1" not in out.read_text()

    db.session.execute(delete(ContractTerm))
    db.session.execute(delete(Contract))
    db.session.execute(delete(Provider))
    db.session.expunge_all()
    result = _cli(app, "import-ocds", str(out))  # every contract names its own area
    assert result.exit_code == 0, result.stderr
    assert _snapshot() == before


def test_export_to_standard_output(app) -> None:
    ContractFactory(reference="NG-2020-WASTE")
    result = _cli(app, "export-ocds")
    assert result.exit_code == 0
    package_out = json.loads(result.stdout)
    assert package_out["releases"][0]["ocid"] == "ocds-civic0-NG-2020-WASTE"
    assert package_out["publisher"] == {"name": app.config["OCDS_PUBLISHER"]}


def test_export_of_an_empty_register_is_valid(app) -> None:
    with app.test_request_context():
        built = export_package("https://civic.example/contracts/ocds.json")
    assert built["releases"] == []
    # the standard wants at least one release: an empty register is the one exception
    errors = ocds.schema_errors(built, strict=False)
    assert [e.validator for e in errors] == ["minItems"]


def test_cli_refuses_a_path_it_cannot_write(app, tmp_path) -> None:
    result = _cli(app, "export-ocds", str(tmp_path / "no" / "such" / "dir.json"))
    assert result.exit_code == 1
    assert "cannot write the file" in result.stderr
