"""Account forms say what is wrong in plain words next to the field, never WTForms' defaults."""

from __future__ import annotations

import html

import pytest

from tests.conftest import login, post_form
from tests.factories import AdminFactory, AreaFactory, ModeratorFactory

WTFORMS_DEFAULTS = ("Not a valid integer value", "Field cannot be longer", "Number must be")

REGISTER = {
    "email": "new@example.org",
    "display_name": "Nadia New",
    "password": "velvet-tractor-harbour",
    "confirm": "velvet-tractor-harbour",
}


def _by_field(page: str, field_id: str) -> str:
    """The error message shown by the field with this id."""
    marker = f'<p id="{field_id}-error" class="govuk-error-message">'
    assert marker in page, f"no error shown by {field_id}"
    return html.unescape(page.split(marker, 1)[1].split("</p>", 1)[0])


def _assert_no_wtforms_defaults(page: str) -> None:
    for default in WTFORMS_DEFAULTS:
        assert default not in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"count": "abc", "valid_days": "90"},
            "count",
            "Enter the number of letters as a whole number, like 200",
        ),
        (
            {"count": "3", "valid_days": "abc"},
            "valid_days",
            "Enter the days as a whole number, like 90",
        ),
        (
            {"count": "3", "valid_days": "1,000"},
            "valid_days",
            "Enter a number of days between 1 and 730",
        ),
        (
            {"count": "3", "valid_days": "90", "note": "x" * 201},
            "note",
            "The note must be 200 characters or fewer",
        ),
    ],
)
def test_code_form_errors_are_plain_and_next_to_the_field(client, data, field, message):
    AreaFactory(slug="northgate")
    login(client, ModeratorFactory())
    response = post_form(
        client,
        "/accounts/areas/northgate/codes",
        {"fmt": "html", **data},
        token_from="/accounts/areas/northgate",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in _by_field(page, field)
    _assert_no_wtforms_defaults(page)


def test_code_counts_are_read_as_people_type_them(client):
    AreaFactory(slug="northgate")
    login(client, ModeratorFactory())
    response = post_form(
        client,
        "/accounts/areas/northgate/codes",
        {"count": " 3 ", "valid_days": " 60 ", "fmt": "csv"},
        token_from="/accounts/areas/northgate",
    )
    assert response.status_code == 200
    assert len(response.get_data(as_text=True).strip().splitlines()) == 4  # header and 3 codes


def test_register_too_long_name_names_the_limit(client):
    response = post_form(client, "/accounts/register", REGISTER | {"display_name": "x" * 81})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Your name must be 80 characters or fewer" in _by_field(page, "display_name")
    _assert_no_wtforms_defaults(page)


def test_new_area_too_long_name_names_the_limit(client):
    login(client, AdminFactory())
    response = post_form(
        client,
        "/accounts/areas/new",
        {"name": "x" * 121, "slug": "hyde-park", "kind": "ward", "postcode_districts": "LS6"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The name must be 120 characters or fewer" in _by_field(page, "name")
    _assert_no_wtforms_defaults(page)
