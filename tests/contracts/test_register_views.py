"""The register's pages: the public list, contract, provider and history pages, and the
moderators' contract form."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from civic.contracts import services
from civic.contracts.models import Contract, ContractState, ProviderType
from civic.extensions import db
from civic.search import index
from civic.search import services as search
from tests.conftest import csrf_token, login
from tests.contracts.register_helpers import contract_input, decided_outsourcing, published
from tests.factories import (
    AreaFactory,
    ContractFactory,
    ModeratorFactory,
    ProviderFactory,
    UserFactory,
)


def _form(area, provider, /, **changes) -> dict[str, object]:
    data = {
        "reference": "MB-2025-LIFTS",
        "title": "Lift maintenance, Millbrook estate",
        "service": "Lift maintenance",
        "area": str(area.id),
        "provider": str(provider.id),
        "annual_value": "£84,500",
        "total_value": "422,500.00",
        "start_date": ["1", "4", "2025"],
        "end_date": ["31", "3", "2030"],
        "break_clause": "Yearly, on three months' notice",
        "summary": "Servicing and repair of the *six* lifts.",
        "proposal": "",
        "fair_wage-answer": "yes",
        "fair_wage-note": "Real Living Wage",
        "open_book-answer": "not_applicable",
    }
    data.update(changes)
    return data


def test_the_contract_page_shows_everything_a_resident_needs(client):
    moderator = ModeratorFactory()
    area = AreaFactory(name="Riverside")
    proposal = decided_outsourcing(area)
    contract = published(
        moderator,
        area=area,
        proposal=proposal,
        provider=ProviderFactory(name="Riverside Catering Services Ltd"),
    )
    page = client.get(f"/contracts/{contract.id}").get_data(as_text=True)
    for text in (
        "Leisure centre management",
        "Leisure centres",
        "Riverside Catering Services Ltd",
        "Private company",
        "£350,000",
        "£1,750,000",
        "1 April 2025",
        "31 March 2030",
        "After three years, on six months&#39; notice",
        "<strong>two</strong>",  # the summary's Markdown, rendered
        "Fair wage clause",
        "Real Living Wage",
        "Not stated",
        "Outsource the leisure centres",
        "812 for, 640 against",
        f'href="/votes/{proposal.id}"',
        f'href="/contracts/{contract.id}/history"',
    ):
        assert text in page, text


def test_the_summary_markdown_is_sanitised(client):
    moderator = ModeratorFactory()
    contract = published(moderator, summary="<script>alert(1)</script>[x](javascript:alert(1))")
    page = client.get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert "<script>alert(1)" not in page and 'href="javascript' not in page


def test_the_proposal_page_links_to_the_contracts_awarded_after_it(client):
    moderator = ModeratorFactory()
    area = AreaFactory()
    proposal = decided_outsourcing(area)
    contract = published(moderator, area=area, proposal=proposal)
    page = client.get(f"/votes/{proposal.id}").get_data(as_text=True)
    assert "Contracts awarded after this decision" in page
    assert f'href="/contracts/{contract.id}"' in page


def test_drafts_are_hidden_from_residents(client):
    moderator = ModeratorFactory()
    draft = services.create_contract(moderator, contract_input(title="Secret draft"))
    assert client.get(f"/contracts/{draft.id}").status_code == 404
    assert client.get(f"/contracts/{draft.id}/history").status_code == 404
    assert "Secret draft" not in client.get("/contracts").get_data(as_text=True)
    login(client, moderator)
    assert client.get(f"/contracts/{draft.id}").status_code == 200


def test_the_list_shows_rows_with_markers_and_filters(client):
    river = AreaFactory(slug="riverside", name="Riverside")
    coop = ProviderFactory(name="Millbrook Homes Co-operative", kind=ProviderType.COOPERATIVE)
    ContractFactory(area=river, provider=coop, service="Estate repairs")
    ContractFactory(
        service="Waste collection", start_date=date(2019, 4, 1), end_date=date(2024, 3, 31)
    )
    page = client.get("/contracts").get_data(as_text=True)
    assert "Estate repairs" in page and "Millbrook Homes Co-operative" in page
    assert "Co-operative or mutual" in page and "£1,000,000" in page
    assert "Ended" in page  # the waste contract ended in 2024
    only = client.get("/contracts?provider_type=cooperative").get_data(as_text=True)
    assert "Estate repairs" in only and "Waste collection" not in only
    searched = client.get("/contracts?q=waste").get_data(as_text=True)
    assert "Waste collection" in searched and "Estate repairs" not in searched


def test_a_bad_filter_is_a_message_not_a_500(client):
    response = client.get("/contracts?ending_before=next+week&provider_type=x")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter the date as year-month-day" in page and 'href="#filter-ending"' in page
    assert "Choose a provider type from the list" in page


def test_the_list_is_paged(client):
    for n in range(27):
        ContractFactory(reference=f"PAGED-{n:02d}")
    first = client.get("/contracts").get_data(as_text=True)
    assert "Next page" in first and "27 contracts" in first
    second = client.get("/contracts?page=2").get_data(as_text=True)
    assert "Previous page" in second


def test_the_provider_page_lists_its_public_contracts(client):
    provider = ProviderFactory(name="Greenline Environmental Ltd")
    ContractFactory(provider=provider, title="Household waste")
    ContractFactory(provider=provider, title="Hidden draft", state=ContractState.DRAFT)
    page = client.get(f"/contracts/providers/{provider.id}").get_data(as_text=True)
    assert "Greenline Environmental Ltd" in page and "Household waste" in page
    assert "Hidden draft" not in page
    assert client.get("/contracts/providers/999999").status_code == 404


def test_residents_cannot_use_the_moderators_form(client):
    contract = ContractFactory()
    login(client, UserFactory())
    assert client.get("/contracts/new").status_code == 403
    assert client.get(f"/contracts/{contract.id}/edit").status_code == 403
    token = csrf_token(client, "/contracts")
    assert client.post("/contracts/new", data={"csrf_token": token}).status_code == 403
    assert (
        client.post(f"/contracts/{contract.id}/publish", data={"csrf_token": token}).status_code
        == 403
    )


def test_a_moderator_adds_a_draft_with_a_new_provider_and_publishes_it(client):
    moderator = ModeratorFactory()
    area = AreaFactory()
    login(client, moderator)
    token = csrf_token(client, "/contracts/new")
    data = _form(
        area,
        ProviderFactory(),
        provider="new",
        provider_name="Millbrook Homes Co-operative",
        provider_kind="cooperative",
        csrf_token=token,
    )
    response = client.post("/contracts/new", data=data)
    assert response.status_code == 302
    contract = db.session.scalar(select(Contract).where(Contract.reference == "MB-2025-LIFTS"))
    assert contract.state is ContractState.DRAFT
    assert contract.annual_value == 84_500_00 and contract.total_value == 422_500_00
    assert contract.provider.name == "Millbrook Homes Co-operative"
    assert contract.answers["fair_wage"] == "yes" and contract.answers["open_book"] == (
        "not_applicable"
    )
    published_now = client.post(
        f"/contracts/{contract.id}/publish",
        data={"csrf_token": csrf_token(client, f"/contracts/{contract.id}")},
    )
    assert published_now.status_code == 302 and contract.state is ContractState.PUBLISHED


def test_bad_input_re_renders_the_form_with_every_message_and_the_input_kept(client):
    moderator = ModeratorFactory()
    area = AreaFactory()
    taken = ContractFactory(reference="TAKEN-9")
    login(client, moderator)
    data = _form(
        area,
        ProviderFactory(),
        reference=taken.reference,
        area="999999",
        provider="",
        annual_value="lots",
        total_value="-10",
        end_date=["31", "3", "2024"],
        csrf_token=csrf_token(client, "/contracts/new"),
    )
    response = client.post("/contracts/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for message in (
        "There is a problem",
        "already has the reference TAKEN-9",
        "Choose the area the contract serves",
        "Choose the provider, or add a new one",
        "Enter the value per year in pounds, like 250,000 or 250,000.50",
        "A contract&#39;s value cannot be negative",
        "The end date must be on or after the start date",
    ):
        assert message in page, message
    assert 'value="lots"' in page and "Lift maintenance, Millbrook estate" in page
    assert 'href="#end_date-day"' in page
    assert db.session.scalar(select(Contract).where(Contract.reference == "MB-2025-LIFTS")) is None


def test_editing_a_published_contract_keeps_the_old_version_in_the_history(client):
    moderator = ModeratorFactory()
    contract = published(moderator)
    login(client, moderator)
    edit = f"/contracts/{contract.id}/edit"
    form_page = client.get(edit).get_data(as_text=True)
    assert "RIV-2025-LEISURE" in form_page and "Why the published contract changes" in form_page
    # the select boxes show what the contract says now
    assert f'<option value="{contract.area_id}" selected>' in form_page
    assert f'<option value="{contract.provider_id}" selected>' in form_page
    data = _form(
        contract.area,
        contract.provider,
        reference=contract.reference,
        title=contract.title,
        service=contract.service,
        annual_value="380000",
        version="1",
        reason="",
        csrf_token=csrf_token(client, edit),
    )
    refused = client.post(edit, data=data)
    assert refused.status_code == 422 and "at least 10 characters" in refused.get_data(as_text=True)
    data["reason"] = "Price rise agreed at the annual review, March 2026"
    assert client.post(edit, data=data).status_code == 302
    assert contract.version == 2 and contract.annual_value == 380_000_00
    history = client.get(f"/contracts/{contract.id}/history").get_data(as_text=True)
    assert "Version 2 (current)" in history and "Version 1" in history
    assert "Price rise agreed at the annual review, March 2026" in history
    assert "£350,000" in history and "£380,000" in history  # before and after
    # a second form still showing version 1 cannot undo the change
    data["annual_value"] = "1"
    data["reason"] = "Typed into a form opened before the change"
    assert client.post(edit, data=data).status_code == 409
    assert contract.annual_value == 380_000_00


def test_search_finds_a_published_contract_and_only_moderators_find_a_draft():
    moderator = ModeratorFactory()
    contract = published(moderator, title="Parking enforcement", service="Parking")
    services.create_contract(
        moderator, contract_input(reference="DRAFT-P", title="Parking meters draft")
    )
    index.write_pending(db.session)
    found = search.search("parking", viewer=None)
    assert [str(hit.title).replace("<mark>", "").replace("</mark>", "") for hit in found.hits] == [
        "Parking enforcement"
    ]
    assert found.hits[0].link["values"] == {"contract_id": str(contract.id)}
    assert search.search("parking", viewer=moderator).total == 2


def test_htmx_filtering_gets_only_the_results(htmx_client):
    ContractFactory(service="Estate repairs")
    ContractFactory(service="Waste collection")
    response = htmx_client.get("/contracts?q=repairs")
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers.get("Vary", "")
    assert fragment.lstrip().startswith('<div id="results">')
    assert "Estate repairs" in fragment and "Waste collection" not in fragment
    assert "<h1" not in fragment
