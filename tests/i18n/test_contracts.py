"""The contract register and the audit log in Welsh: the pages residents read, their
plurals, money and dates, a form error, and the data for programs staying in English."""

from __future__ import annotations

from civic import audit
from tests.conftest import login, post_form
from tests.contracts.register_helpers import published
from tests.factories import ContractFactory, ModeratorFactory, UserFactory

WELSH = {"Accept-Language": "cy-GB,cy;q=0.9,en;q=0.5"}


def _cy(client, path: str) -> str:
    response = client.get(path, headers=WELSH)
    assert response.status_code == 200, path
    page = response.get_data(as_text=True)
    assert '<html lang="cy"' in page
    return page


def test_the_audit_log_its_entries_trail_and_how_to_check_read_in_welsh(client):
    audit.record(None, "area:create", audit.Subject("area", "riverside"), {"name": "Riverside"})
    audit.record(None, "area:update", audit.Subject("area", "riverside"), {"name": "River"})

    index = _cy(client, "/audit")
    assert ">Cofnod archwilio</h1>" in index
    assert "Eitemau, y diweddaraf yn gyntaf" in index and ">Hidlo</button>" in index
    assert "Every decision, vote count" not in index and ">Filter<" not in index

    seq = audit.queries.trail("area", "riverside")[0].seq
    entry = _cy(client, f"/audit/entries/{seq}")
    assert f"Eitem #{seq}:" in entry and "Stwnsh y ddeilen" in entry
    assert "Leaf hash" not in entry and "Exact bytes hashed" not in entry
    # the hashed bytes themselves are data: never translated
    assert "&#34;name&#34;:&#34;Riverside&#34;" in entry or '"name":"Riverside"' in entry

    trail = _cy(client, "/audit/subject/area/riverside")
    assert "Trywydd penderfyniadau" in trail
    assert "2 eitem" in trail and "2 entries" not in trail

    check = _cy(client, "/audit/how-to-check")
    assert "Sut i wirio cofnodion Civic" in check
    assert check.count("<strong>Beth mae\u2019n ei brofi:</strong>") == 3
    assert "What it proves" not in check
    # the commands to type stay as they are, in any language
    assert "python3 verifier.py --recount http://localhost/budgets/ROUND" in check


def test_a_contract_page_reads_in_welsh_with_welsh_dates_and_money(client):
    moderator = ModeratorFactory()
    contract = published(moderator)
    page = _cy(client, f"/contracts/{contract.id}")
    assert ">Gwerth y flwyddyn</dt>" in page and ">Cymal terfynu</dt>" in page
    assert "Isafswm safonau yn y contract" in page
    assert "£350,000" in page  # |money in the Welsh locale
    assert "1 Ebrill 2025" in page and "31 Mawrth 2030" in page  # |day in Welsh
    assert "Dim pleidlais Civic" in page  # not approved by a vote
    assert "Ceisiadau am wybodaeth" in page and "Gofyn am wybodaeth am y contract hwn" in page
    for english in ("Value per year", "Minimum standards in the contract", "1 April 2025"):
        assert english not in page, english

    register = _cy(client, "/contracts")
    assert ">Y gofrestr contractau</h1>" in register
    assert "1 contract" in register and "1 April" not in register
    assert "No contracts match" not in register


def test_the_scorecard_reads_in_welsh_and_its_json_stays_english(client):
    ContractFactory()
    page = _cy(client, "/scorecard")
    assert "Y cerdyn sgorio naw egwyddor" in page
    assert "Mae contractau\u2019n gyhoeddus" in page  # principle 1's title
    assert "Gwasanaethau mewn dwylo cyhoeddus" in page
    assert "Services in public hands" not in page

    data = client.get("/api/v1/scorecard", headers=WELSH).get_json()
    assert data["principles"][0]["title"] == "Contracts are public"
    labels = [f["label"] for p in data["principles"] for f in p["figures"]]
    assert "Services in public hands" in labels


def test_the_contracts_json_keeps_english_labels_for_a_welsh_browser(client):
    contract = ContractFactory()  # its provider is a private company
    assert "(Cwmni preifat)" in _cy(client, f"/contracts/{contract.id}")
    response = client.get(f"/api/v1/contracts/{contract.id}", headers=WELSH)
    assert response.get_json()["provider"]["type_label"] == "Private company"


def test_the_information_request_form_and_its_errors_are_in_welsh(client):
    contract = ContractFactory()
    login(client, UserFactory())
    client.set_cookie("civic_lang", "cy")  # what the language switch sets
    form = client.get(f"/contracts/requests/new?contract={contract.id}").get_data(as_text=True)
    assert ">Gofyn am wybodaeth</h1>" in form
    assert "Am beth mae eich cwestiwn?" in form and "Anfon y cais" in form

    response = post_form(
        client,
        "/contracts/requests/new",
        {"subject": f"contract-{contract.id}", "question": "", "publish_name": ""},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<title>Gwall: Gofyn am wybodaeth" in page
    assert "Rhowch eich cwestiwn" in page  # the service's message, by the field
    assert "Dewiswch a ydych am gyhoeddi eich enw" in page  # the form's own validator
    assert "Enter your question" not in page and "Choose whether to publish" not in page
