"""The scorecard page and its JSON: every principle, every registered figure as a
percentage and "n of m" (or a count), "no records yet" for an empty share, links to the
records behind each figure; public to everyone."""

from __future__ import annotations

import re
from datetime import date

import pytest

from civic.contracts import scorecard
from civic.contracts.models import ContractTerm, ProviderType
from civic.contracts.scorecard import PRINCIPLES, Figure
from civic.extensions import db
from civic.votes.models import Standard
from tests.conftest import login
from tests.factories import ContractFactory, ModeratorFactory, ProviderFactory, UserFactory


@pytest.fixture
def register():
    """Three live contracts: in-house £100,000 a year (with every term), private £300,000,
    co-operative £50,000. By hand: 1 of 3 with full terms; 1 of 3 in public hands;
    £100,000 of £450,000 by value."""
    ends = {"start_date": date(2025, 4, 1), "end_date": date(2099, 3, 31)}
    in_house = ContractFactory(
        provider=ProviderFactory(kind=ProviderType.IN_HOUSE), annual_value=100_000_00, **ends
    )
    ContractFactory(
        provider=ProviderFactory(kind=ProviderType.PRIVATE), annual_value=300_000_00, **ends
    )
    ContractFactory(
        provider=ProviderFactory(kind=ProviderType.COOPERATIVE), annual_value=50_000_00, **ends
    )
    for standard in Standard:
        db.session.add(ContractTerm(contract_id=in_house.id, standard=standard, answer="yes"))
    db.session.flush()


def _row(page: str, key: str) -> str:
    return page.split(f'id="figure-{key}"')[1].split("</div>")[0]


def test_page_shows_every_principle_with_its_figures(client, register):
    response = client.get("/scorecard")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count("<h1") == 1
    for principle in PRINCIPLES:
        assert f'id="principle-{principle.number}">{principle.number}. {principle.title}' in (page)
    # principle 1: one contract of three states every term
    assert re.search(r"33%</span>\s*<span[^>]*>\(1 of 3\)", _row(page, "contracts_full_terms"))
    # principle 8: by number and by value, the value as money
    assert "(1 of 3)" in _row(page, "services_in_public_hands")
    assert "(£100,000 of £450,000)" in _row(page, "value_in_public_hands")
    assert "22%" in _row(page, "value_in_public_hands")  # 22.2
    # nothing to count yet: said, never 0%
    for key in ("consulted_before_vote", "inhouse_bids", "social_value_weight"):
        row = _row(page, key)
        assert "No records yet" in row and "%</span>" not in row, key
    # each figure links to its records
    assert 'href="/contracts">Records' in _row(page, "contracts_full_terms")
    assert 'href="/votes">Records' in _row(page, "inhouse_bids")
    assert 'href="/api/v1/scorecard"' in page


def test_a_principle_without_figures_says_so(client, monkeypatch):
    monkeypatch.setattr(scorecard, "_FIGURES", {})
    page = client.get("/scorecard").get_data(as_text=True)
    assert page.count("Not measured yet.") == len(PRINCIPLES)


def test_a_plain_count_is_shown_as_a_number(client, monkeypatch):
    figures = dict(scorecard._FIGURES)
    monkeypatch.setattr(scorecard, "_FIGURES", figures)
    scorecard.figure(6, "test_count")(lambda: Figure("Recall petitions started", 4, None, "/x"))
    page = client.get("/scorecard").get_data(as_text=True)
    row = _row(page, "test_count")
    assert ">4</span>" in row and " of " not in row and "No records yet" not in row
    data = client.get("/api/v1/scorecard").get_json()
    six = next(p for p in data["principles"] if p["number"] == 6)
    shown = next(f for f in six["figures"] if f["key"] == "test_count")
    assert shown["denominator"] is None and shown["percent"] is None and shown["numerator"] == 4


def test_json(client, register):
    response = client.get("/api/v1/scorecard")
    assert response.status_code == 200
    data = response.get_json()
    assert [p["number"] for p in data["principles"]] == list(range(1, 10))
    one = data["principles"][0]
    assert one["title"] == "Contracts are public"
    full = next(f for f in one["figures"] if f["key"] == "contracts_full_terms")
    assert (full["numerator"], full["denominator"], full["percent"]) == (1, 3, 33)
    assert full["records"] == "http://localhost/contracts" and full["unit"] == "records"
    eight = {f["key"]: f for f in data["principles"][7]["figures"]}
    value = eight["value_in_public_hands"]
    assert (value["numerator"], value["denominator"], value["unit"]) == (
        100_000_00,
        450_000_00,
        "pence",
    )
    empty = next(
        f for f in data["principles"][6]["figures"] if f["key"] == "inhouse_bids"
    )  # principle 7
    assert (empty["denominator"], empty["percent"]) == (0, None)


@pytest.mark.parametrize("who", ["anonymous", "resident", "moderator"])
def test_public_to_everyone(client, who):
    if who != "anonymous":
        login(client, UserFactory() if who == "resident" else ModeratorFactory())
    assert client.get("/scorecard").status_code == 200
    assert client.get("/api/v1/scorecard").status_code == 200


def test_linked_from_every_page_footer(client):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/scorecard"' in page
