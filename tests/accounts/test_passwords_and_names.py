"""Long passwords up to the documented 128 characters; direction controls out of names."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from civic.accounts import services
from civic.accounts.models import Area, Group, User
from civic.accounts.passwords import MAX_LENGTH, password_problem
from civic.discussions import services as discussions
from civic.extensions import db
from civic.text import BIDI_CONTROLS, clean_text, strip_bidi_controls
from tests.conftest import login, post_form
from tests.discussions.conftest import make_resident
from tests.factories import PASSWORD, AdminFactory, AreaFactory, ModeratorFactory, UserFactory


def _long_password(length: int) -> str:
    """A strong password of exactly `length` characters (unrelated words, then digits)."""
    words = "quartz-pelican-harbour-lantern-meadow-violin-copper-thistle-ember-"
    return (words * 3)[:length]


@pytest.mark.parametrize("length", [72, 73, 100, MAX_LENGTH])
def test_long_passwords_are_accepted_at_registration(client, length):
    password = _long_password(length)
    assert len(password) == length
    response = post_form(
        client,
        "/accounts/register",
        {
            "email": f"long{length}@example.org",
            "display_name": "Lena Long",
            "password": password,
            "confirm": password,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    user = db.session.scalar(select(User).where(User.email == f"long{length}@example.org"))
    assert services.authenticate(user.email, password) is user
    assert services.authenticate(user.email, password[:-1]) is None  # every character counts


def test_a_password_over_128_characters_is_a_form_error(client):
    password = _long_password(MAX_LENGTH + 1)
    response = post_form(
        client,
        "/accounts/register",
        {
            "email": "toolong@example.org",
            "display_name": "Tom Toolong",
            "password": password,
            "confirm": password,
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Password must be 128 characters or fewer" in page and 'href="#password"' in page
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_weak_long_passwords_are_still_refused():
    assert password_problem("a" * 73) is not None
    assert password_problem("a" * 128) is not None
    assert password_problem(_long_password(73)) is None


def test_a_128_character_password_can_be_chosen_on_the_change_page(client):
    user = UserFactory()
    login(client, user)
    password = _long_password(MAX_LENGTH)
    response = post_form(
        client,
        "/accounts/password",
        {"current_password": PASSWORD, "password": password, "confirm": password},
    )
    assert response.status_code == 302
    too_long = _long_password(MAX_LENGTH + 1)
    refused = post_form(
        client,
        "/accounts/password",
        {"current_password": password, "password": too_long, "confirm": too_long},
    )
    assert refused.status_code == 422
    assert "128 characters or fewer" in refused.get_data(as_text=True)


# --- direction controls -------------------------------------------------------------------

RLO, PDF, RLI, PDI, LRM, RLM, ALM = (
    "\u202e",
    "\u202c",
    "\u2067",
    "\u2069",
    "\u200e",
    "\u200f",
    "\u061c",
)


def test_every_direction_control_is_removed_and_nothing_else():
    controls = "".join(chr(c) for c in sorted(BIDI_CONTROLS))
    assert len(controls) == 12
    assert strip_bidi_controls(f"a{controls}b") == "ab"
    kept = "Zoë Ørsted, مريم, דָּנִי, 李雷 😀 \u200d"  # letters of any script, ZWJ stay
    assert strip_bidi_controls(kept) == kept
    assert clean_text(f"  {RLM} x {LRM} ") == "x"
    assert clean_text(None) == ""


def test_direction_controls_are_removed_from_display_names(client):
    response = post_form(
        client,
        "/accounts/register",
        {
            "email": "eve@example.org",
            "display_name": f"Eve {RLO}rotaredom{PDF}",
            "password": "velvet-tractor-harbour",
            "confirm": "velvet-tractor-harbour",
        },
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "eve@example.org"))
    assert user.display_name == "Eve rotaredom"
    made = services.create_user(
        AdminFactory(), "ali@example.org", f"{RLI}علي{PDI}{ALM}", PASSWORD + "x", user.role
    )
    assert made.display_name == "علي"


def test_a_name_of_only_direction_controls_is_empty():
    with pytest.raises(services.ValidationFailed) as failure:
        services.register("blank@example.org", f"{RLO}{PDF} ", "velvet-tractor-harbour")
    assert "display_name" in failure.value.errors


def test_direction_controls_are_removed_from_comments():
    area = AreaFactory(slug="riverside")
    resident = make_resident(area)
    comment = discussions.post_comment(
        resident, "area", "riverside", f"Visit example.org/{RLO}gpj.exe{PDF} now {LRM}{RLM}"
    )
    assert comment.body_source == "Visit example.org/gpj.exe now"
    assert not any(chr(c) in comment.body_html for c in BIDI_CONTROLS)
    with pytest.raises(discussions.ValidationFailed):
        discussions.post_comment(resident, "area", "riverside", f"{RLO}{PDF}")
    discussions.edit_comment(resident, comment, f"Edited {RLO}text")
    assert comment.body_source == "Edited text"


def test_direction_controls_are_removed_from_area_and_group_names():
    admin = AdminFactory()
    area = services.create_area(
        admin,
        name=f"North{RLO}gate",
        slug="northgate",
        kind="ward",
        postcode_districts="",
        description="",
    )
    group = services.create_group(
        ModeratorFactory(), area=area, name=f"Park {RLI}Friends{PDI}", slug="pf", description=""
    )
    assert db.session.get(Area, area.id).name == "Northgate"
    assert db.session.get(Group, group.id).name == "Park Friends"
