"""Adding and publishing contracts: who may, what is refused, and what the log keeps."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from civic.audit.models import AuditEntry
from civic.contracts import services
from civic.contracts.models import Contract, ContractState, ProviderType
from civic.errors import Conflict, PermissionDenied, ValidationFailed
from civic.extensions import db
from civic.votes.models import Standard
from tests.factories import AreaFactory, ModeratorFactory, ProviderFactory, UserFactory


def _input(**changes) -> services.ContractInput:
    given = services.ContractInput(
        reference="LCC-2025-017",
        title="Leisure centre management",
        service="Leisure centres",
        area=AreaFactory(),
        provider=ProviderFactory(),
        annual_value=350_000_00,
        total_value=1_750_000_00,
        start_date=date(2025, 4, 1),
        end_date=date(2030, 3, 31),
        terms={Standard.FAIR_WAGE.value: ("yes", "Real Living Wage"), "open_book": ("no", "")},
    )
    for name, value in changes.items():
        setattr(given, name, value)
    return given


def _entries(action: str) -> list[dict]:
    rows = db.session.scalars(select(AuditEntry).where(AuditEntry.action == action))
    return [json.loads(row.body) for row in rows]


def test_a_moderator_adds_a_draft_then_publishes_it_and_the_log_holds_what_was_published():
    moderator = ModeratorFactory()
    contract = services.create_contract(moderator, _input())
    assert contract.state is ContractState.DRAFT and contract.published_at is None
    assert contract.answers["fair_wage"] == "yes" and contract.answers["union_recognition"] is None
    services.publish_contract(moderator, contract)
    assert contract.state is ContractState.PUBLISHED and contract.published_at is not None
    (published,) = [
        e for e in _entries("contract:publish") if e["subject"]["id"] == str(contract.id)
    ]
    body = published["data"]["contract"]
    assert body["annual_value"] == 350_000_00 and body["end_date"] == "2030-03-31"
    assert body["terms"]["fair_wage"] == ["yes", "Real Living Wage"]


@pytest.mark.parametrize("who", [None, "resident"])
def test_only_moderators_add_contracts(who):
    actor = UserFactory() if who else None
    before = db.session.scalar(select(db.func.count(Contract.id)))
    with pytest.raises(PermissionDenied):
        services.create_contract(actor, _input())
    with pytest.raises(PermissionDenied):
        services.create_provider(actor, "Acme Ltd", ProviderType.PRIVATE)
    assert db.session.scalar(select(db.func.count(Contract.id))) == before


def test_every_problem_is_named_at_once_and_nothing_is_written():
    before = db.session.scalar(select(db.func.count(Contract.id)))
    with pytest.raises(ValidationFailed) as refused:
        services.create_contract(
            ModeratorFactory(),
            _input(
                title=" ",
                annual_value=-5,
                total_value=None,
                start_date=date(2026, 1, 1),
                end_date=date(2025, 1, 1),
                provider=None,
                terms={"fair_wage": ("maybe", "")},
            ),
        )
    errors = refused.value.errors
    assert errors["end_date"] == "The end date must be on or after the start date"
    assert errors["annual_value"] == "A contract's value cannot be negative"
    assert set(errors) >= {"title", "total_value", "provider", "term_fair_wage"}
    assert db.session.scalar(select(db.func.count(Contract.id))) == before


def test_a_reference_already_on_the_register_is_refused():
    moderator = ModeratorFactory()
    services.create_contract(moderator, _input())
    with pytest.raises(ValidationFailed) as refused:
        services.create_contract(moderator, _input())
    assert "already has the reference LCC-2025-017" in refused.value.errors["reference"]


def test_a_provider_name_is_registered_once():
    moderator = ModeratorFactory()
    services.create_provider(moderator, "Greenline Ltd", ProviderType.PRIVATE)
    with pytest.raises(ValidationFailed) as refused:
        services.create_provider(moderator, " Greenline Ltd ", ProviderType.COOPERATIVE)
    assert "already on the register" in refused.value.errors["provider_name"]


def test_publishing_twice_is_a_conflict():
    moderator = ModeratorFactory()
    contract = services.create_contract(moderator, _input())
    services.publish_contract(moderator, contract)
    with pytest.raises(Conflict):
        services.publish_contract(moderator, contract)


def test_a_long_summary_is_logged_as_its_digest():
    moderator = ModeratorFactory()
    contract = services.create_contract(moderator, _input(summary="word " * 2000))
    (created,) = [e for e in _entries("contract:create") if e["subject"]["id"] == str(contract.id)]
    assert created["data"]["summary"]["chars"] == len(contract.summary)
