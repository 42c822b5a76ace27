"""Proposal forms say what is wrong in plain words next to the field, never WTForms' defaults,
and read amounts of money as people type them ("£250,000")."""

from __future__ import annotations

import html

import pytest

from civic.extensions import db
from civic.votes.models import Proposal, ProposalKind, ProposalState
from tests.conftest import csrf_token, login
from tests.votes.helpers import make_proposal

WTFORMS_DEFAULTS = ("Not a valid integer value", "Field cannot be longer", "Number must be")

CASE = {
    "case-title": "Outsource the leisure centre",
    "case-service": "Riverside leisure centre",
    "case-weight_cost": "40",
    "case-weight_quality": "30",
    "case-weight_social": "30",
    "case-weight_carbon": "0",
    "case-submit": "Save the case",
}


def _post(client, proposal, action: str, prefix: str, data: dict):
    url = f"/votes/{proposal.id}/manage"
    return client.post(
        f"{url}/{action}", data={f"{prefix}-csrf_token": csrf_token(client, url), **data}
    )


def _by_field(page: str, field_id: str) -> str:
    """The error message shown by the field with this id."""
    marker = f'<p id="{field_id}-error" class="govuk-error-message">'
    assert marker in page, f"no error shown by {field_id}"
    return html.unescape(page.split(marker, 1)[1].split("</p>", 1)[0])


def _assert_no_wtforms_defaults(page: str) -> None:
    for default in WTFORMS_DEFAULTS:
        assert default not in page


@pytest.fixture
def draft(client):
    """A draft disposal, so the page shows the asset's fields as well."""
    proposal, moderator, _ = make_proposal(ProposalState.DRAFT)
    proposal.kind = ProposalKind.DISPOSAL
    db.session.flush()
    login(client, moderator)
    return proposal


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("current_cost", "abc", "Enter the current cost in whole pounds, like 250000"),
        ("asset_value", "12.50", "Enter the asset's value in whole pounds, like 500000"),
        ("weight_cost", "abc", "Enter the weight of cost as a whole number, like 40"),
        ("weight_quality", "150", "The weight of quality must be from 0 to 100"),
        ("title", "x" * 201, "Title must be 200 characters or fewer"),
        ("asset_new_owner", "x" * 301, "Who would own it must be 300 characters or fewer"),
        ("public_interest_case", "x" * 20_001, "must be 20,000 characters or fewer"),
    ],
)
def test_case_form_errors_are_plain_and_next_to_the_field(client, draft, field, typed, message):
    response = _post(client, draft, "case", "case", CASE | {f"case-{field}": typed})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in _by_field(page, f"case-{field}")
    _assert_no_wtforms_defaults(page)
    assert db.session.get(Proposal, draft.id).current_cost is None  # nothing saved


def test_money_is_accepted_as_people_type_it(client, draft):
    response = _post(
        client,
        draft,
        "case",
        "case",
        CASE | {"case-current_cost": "£250,000", "case-asset_value": "1,500,000"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    proposal = db.session.get(Proposal, draft.id)
    assert proposal.current_cost == 250_000_00 and proposal.asset_value == 1_500_000_00  # pence
    page = client.get(f"/votes/{draft.id}/manage").get_data(as_text=True)
    assert 'value="250000"' in page  # shown again in whole pounds


def test_quorum_that_is_not_a_number_says_so(client, draft):
    response = _post(
        client,
        draft,
        "rules",
        "rules",
        {"rules-quorum_percent": "abc", "rules-majority": "simple", "rules-submit": "Fix"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter the quorum as a whole number, like 20" in _by_field(page, "rules-quorum_percent")
    _assert_no_wtforms_defaults(page)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "Enter the number of days as a whole number, like 28"),
        ("400", "The consultation must last from 28 to 365 days"),
        ("10", "The consultation must last from 28 to 365 days"),
    ],
)
def test_consultation_days_errors_are_plain(client, draft, typed, message):
    response = _post(
        client, draft, "consultation", "consult", {"consult-days": typed, "consult-submit": "Open"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in _by_field(page, "consult-days")
    _assert_no_wtforms_defaults(page)
    assert db.session.get(Proposal, draft.id).state is ProposalState.DRAFT


def test_document_title_too_long_names_the_limit(client, draft):
    response = _post(
        client, draft, "document", "doc", {"doc-title": "x" * 201, "doc-submit": "Add document"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The document title must be 200 characters or fewer" in _by_field(page, "doc-title")
    _assert_no_wtforms_defaults(page)


def test_closing_date_that_is_not_real_is_named(client):
    proposal, moderator, _ = make_proposal(ProposalState.CONSULTATION)
    login(client, moderator)
    response = _post(client, proposal, "voting", "voting", {"voting-closes": ["31", "2", "2030"]})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The closing date must be a real date" in _by_field(page, "voting-closes")
    assert "Not a valid date value" not in page


def test_consultation_length_help_states_the_sites_minimum(app, client, draft, monkeypatch):
    """The hint, the prefilled length and the range come from CIVIC_MIN_CONSULTATION_DAYS,
    not a number written into the form."""
    monkeypatch.setitem(app.config, "MIN_CONSULTATION_DAYS", 42)
    page = client.get(f"/votes/{draft.id}/manage").get_data(as_text=True)
    hint = page.split('id="consult-days-hint"', 1)[1].split("</div>", 1)[0]
    assert "At least 42 days" in hint
    assert 'name="consult-days" type="text" value="42"' in page
    response = _post(
        client, draft, "consultation", "consult", {"consult-days": "41", "consult-submit": "Open"}
    )
    assert response.status_code == 422
    message = _by_field(response.get_data(as_text=True), "consult-days")
    assert "The consultation must last from 42 to 365 days" in message
    assert db.session.get(Proposal, draft.id).state is ProposalState.DRAFT
