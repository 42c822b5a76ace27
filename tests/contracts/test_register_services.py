"""The register's changes after creation: who may, what is refused, and what the version
history and the audit log keep."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest
from flask import current_app
from sqlalchemy import select

from civic.audit.models import AuditEntry
from civic.contracts import review, services, versions
from civic.contracts.models import ContractState, Provider, ProviderType
from civic.errors import Conflict, PermissionDenied, ValidationFailed
from civic.extensions import db
from tests.contracts.register_helpers import contract_input, decided_outsourcing, published
from tests.factories import (
    AreaFactory,
    ContractFactory,
    ModeratorFactory,
    ProviderFactory,
    UserFactory,
)


def _entries(action: str, contract_id: int) -> list[dict]:
    rows = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
    )
    bodies = [json.loads(row.body) for row in rows]
    return [b for b in bodies if b["subject"]["id"] == str(contract_id)]


def test_publishing_keeps_version_one_and_logs_its_hash():
    moderator = ModeratorFactory()
    contract = published(moderator)
    (kept,) = versions.history(contract.id)
    assert kept.version == 1 and kept.content["annual_value"] == 350_000_00
    assert kept.content["summary"] == "Runs the **two** leisure centres."
    assert kept.body_sha256 == hashlib.sha256(kept.body.encode("utf-8")).hexdigest()
    (entry,) = _entries("contract:publish", contract.id)
    assert entry["data"]["body_sha256"] == kept.body_sha256


def test_a_change_after_publication_keeps_the_earlier_version_and_logs_the_new_hash():
    moderator = ModeratorFactory()
    contract = published(moderator)
    services.update_contract(
        moderator,
        contract,
        contract_input(
            area=contract.area,
            provider=contract.provider,
            annual_value=365_000_00,
            end_date=date(2031, 3, 31),
            terms={"fair_wage": ("yes", "Real Living Wage"), "open_book": ("yes", "From 2026")},
        ),
        "Extended by a year after the council's review in March",
    )
    assert contract.version == 2 and contract.annual_value == 365_000_00
    first, second = versions.history(contract.id)
    assert first.content["annual_value"] == 350_000_00  # the old version is still there
    assert first.content["end_date"] == "2030-03-31"
    assert second.content["end_date"] == "2031-03-31"
    assert second.reason == "Extended by a year after the council's review in March"
    (entry,) = _entries("contract:update", contract.id)
    assert entry["data"]["version"] == 2
    assert entry["data"]["body_sha256"] == hashlib.sha256(second.body.encode()).hexdigest()
    assert entry["data"]["changed"] == ["annual_value", "end_date", "terms.open_book"]
    changed = {
        c.field: (c.before, c.after) for c in versions.changes(first.content, second.content)
    }
    assert changed == {
        "annual_value": ("£350,000", "£365,000"),
        "end_date": ("31 March 2030", "31 March 2031"),
        "terms.open_book": ("No", "Yes: From 2026"),
    }


def test_the_stored_version_body_is_canonical_json_of_the_contract():
    moderator = ModeratorFactory()
    contract = published(moderator)
    (kept,) = versions.history(contract.id)
    assert kept.body == versions.canonical(services.contract_body(contract)).decode()
    assert kept.body_sha256 == versions.digest(services.contract_body(contract))


def test_a_change_after_publication_needs_a_reason():
    moderator = ModeratorFactory()
    contract = published(moderator)
    given = contract_input(area=contract.area, provider=contract.provider, title="New title")
    with pytest.raises(ValidationFailed) as failure:
        services.save_contract(moderator, given, contract=contract, reason="typo")
    assert "at least 10 characters" in failure.value.errors["reason"]
    assert contract.version == 1 and len(versions.history(contract.id)) == 1


def test_nothing_changed_makes_no_new_version():
    moderator = ModeratorFactory()
    contract = published(moderator)
    given = contract_input(area=contract.area, provider=contract.provider)
    with pytest.raises(ValidationFailed) as failure:
        services.update_contract(moderator, contract, given, "No real change at all")
    assert "no new version" in failure.value.errors["reason"]


def test_a_draft_changes_in_place_without_versions():
    moderator = ModeratorFactory()
    contract = services.create_contract(moderator, contract_input())
    services.update_contract(
        moderator,
        contract,
        contract_input(area=contract.area, provider=contract.provider, title="Renamed"),
    )
    assert contract.title == "Renamed" and contract.version == 1
    assert versions.history(contract.id) == []
    (entry,) = _entries("contract:update", contract.id)
    assert entry["data"]["changed"] == ["title"] and "body_sha256" not in entry["data"]


def test_a_stale_form_is_refused_instead_of_undoing_someone_elses_change():
    moderator = ModeratorFactory()
    contract = published(moderator)
    given = contract_input(area=contract.area, provider=contract.provider, title="Mine")
    services.update_contract(moderator, contract, given, "First change, made by someone")
    with pytest.raises(Conflict):
        services.update_contract(
            moderator,
            contract,
            contract_input(area=contract.area, provider=contract.provider, title="Theirs"),
            "Second change from an old form",
            expected_version=1,
        )


@pytest.mark.parametrize("who", [None, "resident"])
def test_only_moderators_change_contracts(who):
    actor = UserFactory() if who else None
    contract = ContractFactory()
    given = contract_input(area=contract.area, provider=contract.provider)
    with pytest.raises(PermissionDenied):
        services.update_contract(actor, contract, given, "A reason that is long enough")
    with pytest.raises(PermissionDenied):
        services.save_contract(actor, contract_input())


def test_an_administrator_may_change_a_contract():
    from tests.factories import AdminFactory

    contract = published(ModeratorFactory())
    given = contract_input(area=contract.area, provider=contract.provider, title="Admin's")
    services.update_contract(AdminFactory(), contract, given, "Corrected by an administrator")
    assert contract.version == 2


def test_a_new_provider_is_added_with_the_contract_and_audited():
    moderator = ModeratorFactory()
    given = contract_input(provider=None)
    contract = services.save_contract(
        moderator,
        given,
        new_provider=services.NewProvider("Millbrook Homes Co-operative", ProviderType.COOPERATIVE),
    )
    assert contract.provider.name == "Millbrook Homes Co-operative"
    assert contract.provider.kind is ProviderType.COOPERATIVE
    assert contract.state is ContractState.DRAFT
    rows = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "provider:create"))
    assert any(json.loads(r.body)["data"]["name"] == "Millbrook Homes Co-operative" for r in rows)


def test_every_problem_is_reported_at_once_by_field():
    moderator = ModeratorFactory()
    ContractFactory(reference="TAKEN-1")
    given = contract_input(
        reference="TAKEN-1",
        area=None,
        provider=None,
        annual_value=-1,
        total_value=None,
        start_date=date(2025, 4, 1),
        end_date=date(2025, 3, 31),
    )
    with pytest.raises(ValidationFailed) as failure:
        services.save_contract(moderator, given)
    errors = failure.value.errors
    assert errors["reference"].endswith("already has the reference TAKEN-1")
    assert errors["area"] == "Choose the area the contract serves"
    assert errors["provider"] == "Choose the provider, or add a new one"
    assert errors["annual_value"] == "A contract's value cannot be negative"
    assert errors["total_value"].startswith("Give the value in pounds")
    assert errors["end_date"] == "The end date must be on or after the start date"


def test_a_new_provider_needs_a_name_and_a_type_and_nothing_is_added_when_refused():
    moderator = ModeratorFactory()
    given = contract_input(provider=None, end_date=date(2020, 1, 1))
    before = db.session.scalar(select(db.func.count(Provider.id)))
    with pytest.raises(ValidationFailed) as failure:
        services.save_contract(moderator, given, new_provider=services.NewProvider("", None))
    assert set(failure.value.errors) == {"provider_name", "provider_kind", "end_date"}
    assert db.session.scalar(select(db.func.count(Provider.id))) == before


def test_a_total_below_the_annual_value_is_allowed_but_not_a_negative_one():
    moderator = ModeratorFactory()
    short = services.create_contract(
        moderator, contract_input(reference="SHORT-1", total_value=120_000_00)
    )
    assert short.total_value == 120_000_00  # a contract shorter than a year
    with pytest.raises(ValidationFailed) as failure:
        services.create_contract(moderator, contract_input(reference="NEG-1", total_value=-5))
    assert failure.value.errors == {"total_value": "A contract's value cannot be negative"}


def test_only_a_decided_outsourcing_proposal_can_have_approved_a_contract():
    moderator = ModeratorFactory()
    area = AreaFactory()
    proposal = decided_outsourcing(area)
    contract = published(moderator, area=area, proposal=proposal)
    assert services.contracts_of_proposal(proposal) == [contract]
    assert proposal in services.approvable_proposals()
    proposal.state = type(proposal.state)("voting")
    with pytest.raises(ValidationFailed) as failure:
        services.create_contract(moderator, contract_input(reference="X-2", proposal=proposal))
    assert "decided outsourcing proposal" in failure.value.errors["proposal"]


def test_drafts_are_not_linked_from_the_proposal():
    moderator = ModeratorFactory()
    area = AreaFactory()
    proposal = decided_outsourcing(area)
    services.create_contract(moderator, contract_input(area=area, proposal=proposal))
    assert services.contracts_of_proposal(proposal) == []


# --- the public list --------------------------------------------------------------------


def _register():
    north, river = AreaFactory(slug="northgate"), AreaFactory(slug="riverside")
    private = ProviderFactory(kind=ProviderType.PRIVATE)
    coop = ProviderFactory(kind=ProviderType.COOPERATIVE)
    waste = ContractFactory(
        area=north, provider=private, service="Waste collection", end_date=date(2027, 3, 31)
    )
    meals = ContractFactory(
        area=river, provider=private, service="School meals", end_date=date(2028, 8, 31)
    )
    repairs = ContractFactory(
        area=river, provider=coop, service="Estate repairs", end_date=date(2029, 1, 31)
    )
    draft = ContractFactory(
        area=river, provider=coop, service="Draft meals", state=ContractState.DRAFT
    )
    return waste, meals, repairs, draft


def test_the_list_filters_by_area_type_service_and_end_date():
    _, meals, repairs, draft = _register()
    everything = services.find_contracts()
    assert draft not in everything.contracts
    assert services.find_contracts(area="riverside").contracts == [meals, repairs]
    assert services.find_contracts(provider_type="cooperative").contracts == [repairs]
    assert services.find_contracts(query="MEALS").contracts == [meals]
    assert services.find_contracts(ending_before="2028-09-01").contracts[-1] == meals
    assert repairs not in services.find_contracts(ending_before="2028-09-01").contracts
    both = services.find_contracts(area="riverside", provider_type="private")
    assert both.contracts == [meals] and both.total == 1


def test_the_list_pages():
    _register()
    first = services.find_contracts(per_page=2)
    second = services.find_contracts(per_page=2, page="2")
    assert first.shown == 2 and first.total >= 3
    assert not set(first.contracts) & set(second.contracts)


def test_bad_filters_are_refused_with_a_message_each():
    with pytest.raises(ValidationFailed) as failure:
        services.find_contracts(
            area="nowhere", provider_type="charity", ending_before="31/03/2027", page="0"
        )
    assert set(failure.value.errors) == {"area", "provider_type", "ending_before", "page"}


def test_markers_say_ended_and_review_due(app):
    contract = ContractFactory(end_date=date(2027, 3, 31))
    assert services.marker(contract, date(2025, 1, 1)) == ""
    assert services.marker(contract, date(2026, 4, 1)) == "review due"
    assert services.marker(contract, date(2027, 4, 1)) == "ended"
    assert review.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)


def test_the_contract_json_lists_each_published_version_with_its_hash():
    from civic.contracts import sections

    moderator = ModeratorFactory()
    contract = published(moderator)
    given = contract_input(area=contract.area, provider=contract.provider, title="Renamed")
    services.update_contract(moderator, contract, given, "Renamed after the merger in May")
    with current_app.test_request_context():  # every part's links are built as in the API
        part = sections.json_parts(contract)["versions"]
    assert part["current"] == 2
    assert [v["version"] for v in part["published"]] == [1, 2]
    assert part["published"][1]["reason"] == "Renamed after the merger in May"
    assert [v["body_sha256"] for v in part["published"]] == [
        v.body_sha256 for v in versions.history(contract.id)
    ]
