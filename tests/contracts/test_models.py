"""The register's own guarantees, held by the database whatever code writes to it."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError

from civic.contracts import sections
from civic.contracts.models import ContractState, ProviderType
from civic.extensions import db
from tests.factories import ContractFactory, ModeratorFactory


def test_database_refuses_an_end_before_the_start() -> None:
    with pytest.raises(IntegrityError), db.session.begin_nested():
        ContractFactory(start_date=date(2026, 1, 1), end_date=date(2025, 12, 31))


def test_database_refuses_negative_values() -> None:
    with pytest.raises(IntegrityError), db.session.begin_nested():
        ContractFactory(annual_value=-1)


def test_database_refuses_two_contracts_with_one_reference() -> None:
    ContractFactory(reference="LCC-2024-001")
    with pytest.raises(IntegrityError), db.session.begin_nested():
        ContractFactory(reference="LCC-2024-001")


def test_ended_means_past_its_last_day_or_terminated() -> None:
    contract = ContractFactory(start_date=date(2025, 1, 1), end_date=date(2026, 6, 30))
    assert not contract.has_ended(date(2026, 6, 30))
    assert contract.has_ended(date(2026, 7, 1))
    contract.ended_on = date(2026, 2, 1)
    assert contract.last_day == date(2026, 2, 1)
    contract.state = ContractState.TERMINATED
    assert contract.has_ended(date(2026, 1, 15))


def test_public_hands_are_in_house_and_council_companies_only() -> None:
    public = {kind for kind in ProviderType if kind.in_public_hands}
    assert public == {ProviderType.IN_HOUSE, ProviderType.COUNCIL_COMPANY}


def test_a_draft_contract_is_not_found_by_the_public(client) -> None:
    draft = ContractFactory(state=ContractState.DRAFT, published_at=None)
    published = ContractFactory()
    assert client.get(f"/contracts/{draft.id}").status_code == 404
    page = client.get(f"/contracts/{published.id}")
    assert page.status_code == 200
    assert published.provider.name in page.get_data(as_text=True)


def test_sections_render_in_their_order(app) -> None:
    contract = ContractFactory()
    viewer = ModeratorFactory()
    seen = []
    sections.section("second-test", "contracts/contract_detail.html", 902)(
        lambda c, v: seen.append(2) or {"n": 2}
    )
    sections.section("first-test", "contracts/contract_detail.html", 901)(
        lambda c, v: seen.append(1) or {"n": 1}
    )
    try:
        rendered = sections.render_context(contract, viewer)
        assert [ctx["n"] for _, ctx in rendered if "n" in ctx] == [1, 2]
        assert seen == [1, 2]
    finally:
        sections._SECTIONS.pop("first-test")
        sections._SECTIONS.pop("second-test")
