"""Account pages through HTTP: forms keep input and show errors; nothing is written on error."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import func, select

from civic.accounts import services
from civic.accounts.codes import display
from civic.accounts.models import Area, Eligibility, Group, User
from civic.audit.models import AuditEntry
from civic.extensions import db
from tests.accounts.mail_links import messages_to
from tests.conftest import csrf_token, login, post_form
from tests.factories import (
    AdminFactory,
    AreaFactory,
    GroupFactory,
    MembershipFactory,
    ModeratorFactory,
    UserFactory,
)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


REGISTER = {
    "email": "new@example.org",
    "display_name": "Nadia New",
    "password": "velvet-tractor-harbour",
    "confirm": "velvet-tractor-harbour",
}


def test_register_does_not_sign_in_and_asks_to_check_email(client):
    response = post_form(client, "/accounts/register", REGISTER)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/accounts/register/check-email")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Check your email" in page and "Nadia New" not in page  # nobody signed in
    assert _count(User) == 1 and _count(AuditEntry) == 1
    assert not services.find_user_by_email("new@example.org").email_confirmed


def test_register_errors_keep_input_and_write_nothing(client):
    response = post_form(
        client, "/accounts/register", REGISTER | {"password": "password123", "confirm": "nope"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in page
    assert 'href="#password"' in page  # the summary links to the field
    assert "most common passwords" in page and "The passwords do not match" in page
    assert 'value="new@example.org"' in page and 'value="Nadia New"' in page
    assert "password123" not in page  # passwords are never echoed back
    assert _count(User) == 0 and _count(AuditEntry) == 0


def test_a_registered_address_gets_the_same_answer_and_its_owner_an_email(client):
    UserFactory(email="taken@example.org")
    taken = post_form(client, "/accounts/register", REGISTER | {"email": "taken@example.org"})
    fresh = post_form(client, "/accounts/register", REGISTER)
    assert (taken.status_code, taken.headers["Location"]) == (
        fresh.status_code,
        fresh.headers["Location"],
    )
    assert (
        client.get(taken.headers["Location"]).get_data()
        == client.get(fresh.headers["Location"]).get_data()
    )
    assert _count(User) == 2  # the factory's and the new one: no second taken@ account
    note = messages_to("taken@example.org")
    assert [m.subject for m in note] == [
        "Someone tried to create a Civic account with your email address"
    ]
    assert "/accounts/forgot-password" in note[0].text_body
    assert [m.subject for m in messages_to("new@example.org")] == [
        "Confirm your email address for Civic"
    ]


def test_missing_csrf_token_is_refused_and_writes_nothing(client):
    response = client.post("/accounts/register", data=REGISTER)
    assert response.status_code == 400
    assert "nothing was saved" in response.get_data(as_text=True)
    assert _count(User) == 0


def test_wrong_password_says_so_without_revealing_which_part(client):
    user = UserFactory()
    response = post_form(client, "/accounts/sign-in", {"email": user.email, "password": "nope"})
    assert response.status_code == 422
    assert "email address or password is not right" in response.get_data(as_text=True)
    unknown = post_form(client, "/accounts/sign-in", {"email": "x@example.org", "password": "nope"})
    assert "email address or password is not right" in unknown.get_data(as_text=True)


def test_sign_in_is_rate_limited(client):
    user = UserFactory()
    token = csrf_token(client)
    statuses = [
        client.post(
            "/accounts/sign-in",
            data={"csrf_token": token, "email": user.email, "password": "wrong"},
        ).status_code
        for _ in range(6)
    ]
    assert statuses == [422] * 5 + [429]
    assert "too often" in client.post(
        "/accounts/sign-in", data={"csrf_token": token, "email": user.email, "password": "x"}
    ).get_data(as_text=True)


def test_sign_in_next_only_follows_local_paths(client):
    user = UserFactory()
    token = csrf_token(client)
    response = client.post(
        "/accounts/sign-in?next=//evil.example/",
        data={"csrf_token": token, "email": user.email, "password": "a-Strong-test-passw0rd"},
    )
    assert response.headers["Location"] == "/"


def test_sign_out_needs_post_with_token(client):
    user = UserFactory()
    login(client, user)
    assert client.get("/accounts/sign-out").status_code == 405
    assert client.post("/accounts/sign-out").status_code == 400  # no token
    assert user.display_name in client.get("/").get_data(as_text=True)
    post_form(client, "/accounts/sign-out", {}, token_from="/")
    assert user.display_name not in client.get("/").get_data(as_text=True)


def test_redeem_code_page(client):
    moderator, resident = ModeratorFactory(), UserFactory()
    area = AreaFactory(name="Riverside Ward")
    _, codes = services.generate_codes(moderator, area, count=2, valid_days=30)
    login(client, resident)
    bad = post_form(client, "/accounts/eligibility", {"code": "7K2M-Q9XD-4HPA"})
    assert bad.status_code == 422
    assert "do not recognise this code" in bad.get_data(as_text=True)
    assert 'value="7K2M-Q9XD-4HPA"' in bad.get_data(as_text=True)
    good = post_form(client, "/accounts/eligibility", {"code": display(codes[0])})
    assert good.status_code == 302
    assert "You can now take part in Riverside Ward" in client.get(
        "/accounts/eligibility"
    ).get_data(as_text=True)
    again = post_form(client, "/accounts/eligibility", {"code": codes[0]})
    assert "already used by you" in again.get_data(as_text=True)
    assert _count(Eligibility) == 1


def test_eligibility_needs_sign_in(client):
    response = client.get("/accounts/eligibility")
    assert response.status_code == 302 and "/accounts/sign-in" in response.headers["Location"]


def test_moderator_generates_a_printable_sheet(client):
    moderator = ModeratorFactory()
    area = AreaFactory(slug="northgate", name="Northgate")
    login(client, moderator)
    response = post_form(
        client,
        "/accounts/areas/northgate/codes",
        {"count": "3", "valid_days": "60", "note": "Terraces", "fmt": "html"},
        token_from="/accounts/areas/northgate",
    )
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    sheet = response.get_data(as_text=True)
    assert sheet.count('class="code"') == 3 and "Northgate" in sheet
    csv_response = post_form(
        client,
        "/accounts/areas/northgate/codes",
        {"count": "2", "valid_days": "60", "fmt": "csv"},
        token_from="/accounts/areas/northgate",
    )
    rows = csv_response.get_data(as_text=True).strip().splitlines()
    assert rows[0] == "area,code,expires,redeem_at" and len(rows) == 3
    assert area.id


def test_code_form_errors_next_to_fields(client):
    AreaFactory(slug="northgate")
    login(client, ModeratorFactory())
    response = post_form(
        client,
        "/accounts/areas/northgate/codes",
        {"count": "0", "valid_days": "x", "fmt": "html"},
        token_from="/accounts/areas/northgate",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "between 1 and 5,000" in page


def test_residents_cannot_reach_moderator_pages(client):
    AreaFactory(slug="northgate")
    login(client, UserFactory())
    for path in ("/accounts/areas/new", "/accounts/groups/new", "/accounts/eligibility/confirm"):
        assert client.get(path).status_code == 403, path
    response = client.post(
        "/accounts/areas/northgate/codes",
        data={"csrf_token": csrf_token(client, "/"), "count": "1", "valid_days": "1"},
    )
    assert response.status_code == 403
    assert client.get("/accounts/people").status_code == 403


def test_moderators_cannot_reach_admin_pages(client):
    AreaFactory(slug="northgate", name="Northgate")
    login(client, ModeratorFactory())
    for path in ("/accounts/people", "/accounts/areas/new", "/accounts/areas/northgate/edit"):
        assert client.get(path).status_code == 403, path
    token = csrf_token(client, "/")
    for path, data in (
        ("/accounts/areas/new", {"name": "Hyde Park", "slug": "hyde-park", "kind": "ward"}),
        ("/accounts/areas/northgate/edit", {"name": "Renamed", "kind": "ward"}),
    ):
        assert client.post(path, data={"csrf_token": token, **data}).status_code == 403, path
    assert [a.name for a in db.session.scalars(select(Area))] == ["Northgate"]
    # the pages offer moderators no button they cannot use, but keep the letter codes
    listing = client.get("/accounts/areas").get_data(as_text=True)
    assert "/accounts/areas/new" not in listing
    page = client.get("/accounts/areas/northgate").get_data(as_text=True)
    assert "/accounts/areas/northgate/edit" not in page and "Letters with one-time codes" in page


def test_administrators_see_the_area_buttons(client):
    AreaFactory(slug="northgate", name="Northgate")
    login(client, AdminFactory())
    assert "/accounts/areas/new" in client.get("/accounts/areas").get_data(as_text=True)
    page = client.get("/accounts/areas/northgate").get_data(as_text=True)
    assert "/accounts/areas/northgate/edit" in page


def test_admin_changes_a_role(client):
    admin, resident = AdminFactory(), UserFactory()
    login(client, admin)
    assert resident.email in client.get("/accounts/people").get_data(as_text=True)
    response = post_form(
        client,
        f"/accounts/people/{resident.id}/role",
        {"role": "moderator"},
        token_from="/accounts/people",
    )
    assert response.status_code == 302
    assert resident.is_moderator


def test_area_create_and_edit_in_the_browser_forms(client):
    login(client, AdminFactory())
    bad = post_form(
        client,
        "/accounts/areas/new",
        {"name": "Hyde Park", "slug": "Hyde Park", "kind": "ward", "postcode_districts": "LS6"},
    )
    assert bad.status_code == 422 and 'value="Hyde Park"' in bad.get_data(as_text=True)
    assert _count(Area) == 0
    good = post_form(
        client,
        "/accounts/areas/new",
        {"name": "Hyde Park", "slug": "hyde-park", "kind": "ward", "postcode_districts": "LS6"},
    )
    assert good.status_code == 302
    edit = post_form(
        client,
        "/accounts/areas/hyde-park/edit",
        {"name": "Hyde Park and Woodhouse", "kind": "ward", "postcode_districts": "LS6 LS2"},
    )
    assert edit.status_code == 302
    page = client.get("/accounts/areas/hyde-park").get_data(as_text=True)
    assert "Hyde Park and Woodhouse" in page and "LS2, LS6" in page


def test_group_pages_and_htmx_member_fragment(client, htmx_client):
    moderator, member = ModeratorFactory(), UserFactory(display_name="Mo Member")
    area = AreaFactory()
    login(client, moderator)
    response = post_form(
        client,
        "/accounts/groups/new",
        {
            "name": "Park Friends",
            "slug": "park-friends",
            "area": str(area.id),
            "organiser_email": "",
        },
    )
    assert response.status_code == 302
    assert _count(Group) == 1
    # htmx: a refused invitation returns only the members block, not the whole page
    login(htmx_client, moderator)
    token = csrf_token(htmx_client, "/accounts/groups/park-friends")
    fragment = htmx_client.post(
        "/accounts/groups/park-friends",
        data={"csrf_token": token, "email": "not an address", "role": "member"},
    )
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 422
    assert body.lstrip().startswith('<div id="members">') and "<html" not in body
    assert 'id="email-error"' in body and "not an address" in body
    invited = htmx_client.post(
        "/accounts/groups/park-friends",
        data={"csrf_token": token, "email": member.email, "role": "member"},
    )
    assert invited.status_code == 200 and invited.headers.get("HX-Redirect")
    # invited, not added: the moderator sees the address waiting, not the name
    page = client.get("/accounts/groups/park-friends").get_data(as_text=True)
    assert member.email in page and "Mo Member" not in page


def test_duplicate_area_name_is_refused_next_to_the_name_with_input_kept(client):
    admin = AdminFactory()
    AreaFactory(name="Riverside Ward", slug="riverside")
    login(client, admin)
    response = post_form(
        client,
        "/accounts/areas/new",
        {
            "name": " riverside ward",
            "slug": "riverside-2",
            "kind": "ward",
            "postcode_districts": "",
        },
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="name-error"' in body and "There is already an area called" in body
    assert 'value="riverside-2"' in body
    assert _count(Area) == 1
    other = AreaFactory(name="Northgate", slug="northgate")
    edit = post_form(
        client,
        "/accounts/areas/northgate/edit",
        {"name": "RIVERSIDE WARD", "kind": "ward", "postcode_districts": "LS6"},
    )
    assert edit.status_code == 422 and 'value="RIVERSIDE WARD"' in edit.get_data(as_text=True)
    assert other.name == "Northgate"


def test_new_area_form_shows_every_problem_at_once(client):
    login(client, AdminFactory())
    response = post_form(
        client,
        "/accounts/areas/new",
        {"name": "Hyde Park", "slug": "Hyde Park", "kind": "ward", "postcode_districts": "ZZZZ9"},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="slug-error"' in body and 'id="postcode_districts-error"' in body
    assert 'value="ZZZZ9"' in body


def test_new_group_form_shows_every_problem_at_once(client):
    moderator = ModeratorFactory()
    group = GroupFactory(slug="park-friends")
    login(client, moderator)
    response = post_form(
        client,
        "/accounts/groups/new",
        {
            "name": "Park Pals",
            "slug": "park-friends",
            "area": str(group.area_id),
            "organiser_email": "nobody@example.org",
        },
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="slug-error"' in body and "Another group already uses" in body
    assert 'id="organiser_email-error"' in body and "No account uses" in body
    assert 'value="nobody@example.org"' in body and 'value="Park Pals"' in body
    assert _count(Group) == 1


def test_confirming_an_already_eligible_resident_explains_on_the_form(client):
    moderator, resident, area = ModeratorFactory(), UserFactory(), AreaFactory()
    services.confirm_eligibility(moderator, resident, area, "Council tax bill seen")
    login(client, moderator)
    response = post_form(
        client,
        "/accounts/eligibility/confirm",
        {"email": resident.email, "area": str(area.id), "note": "Seen again at the library"},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "govuk-error-summary" in body and 'id="email-error"' in body
    assert "can already take part in" in body
    assert f'value="{resident.email}"' in body and 'value="Seen again at the library"' in body
    assert _count(Eligibility) == 1


def test_admin_changing_their_own_role_is_refused_on_the_people_page(client):
    admin = AdminFactory()
    login(client, admin)
    response = post_form(
        client,
        f"/accounts/people/{admin.id}/role",
        {"role": "resident"},
        token_from="/accounts/people",
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "govuk-error-summary" in body and f'href="#role-{admin.id}"' in body
    assert f'id="role-{admin.id}-error"' in body and "own administrator role" in body
    row = body.split(f'id="role-{admin.id}"', 1)[1].split("</select>", 1)[0]
    assert '<option value="resident" selected' in row  # the choice is kept
    assert admin.role.value == "admin"
    assert "account:role" not in _actions_logged()


def test_admin_deactivating_themselves_is_refused_on_the_people_page(client):
    admin = AdminFactory()
    login(client, admin)
    response = post_form(
        client,
        f"/accounts/people/{admin.id}/active",
        {"active": "0"},
        token_from="/accounts/people",
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert f'href="#active-{admin.id}"' in body and f'id="active-{admin.id}-error"' in body
    assert admin.active


def _actions_logged() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action)))


TABLE_RE = re.compile(r"<table\b")
WRAPPER_RE = re.compile(
    r'<div class="civic-table-scroll" tabindex="0" role="region" aria-label="[^"]+">\s*<table\b'
)


def test_every_accounts_table_is_wrapped_to_scroll_on_its_own():
    templates = sorted(Path(__file__).parents[2].joinpath("templates", "accounts").glob("*.html"))
    assert templates
    for template in templates:
        source = template.read_text()
        tables = len(TABLE_RE.findall(source))
        assert len(WRAPPER_RE.findall(source)) == tables, template.name


def test_people_page_table_scrolls_and_stacks_its_controls(client):
    login(client, AdminFactory())
    body = client.get("/accounts/people").get_data(as_text=True)
    assert WRAPPER_RE.search(body) and 'aria-label="Accounts"' in body
    # the role form is no longer one inline row of select and button
    table = body.split('aria-label="Accounts"', 1)[1].split("</table>", 1)[0]
    assert "civic-inline-form" not in table
    # Visually hidden text is absolutely positioned: unless a positioned ancestor (such as a
    # .govuk-button) holds it, it escapes the scrolling wrapper and widens the page again (a
    # hidden label and link-button text made the page 789px wide at 375px).
    escaping = re.sub(r'<button[^>]*class="govuk-button[^"]*".*?</button>', "", table, flags=re.S)
    escaping = re.sub(r"<caption.*?</caption>", "", escaping, flags=re.S)
    assert "govuk-visually-hidden" not in escaping


def test_group_member_actions_are_spaced_apart(client):
    moderator = ModeratorFactory()
    membership = MembershipFactory()
    login(client, moderator)
    body = client.get(f"/accounts/groups/{membership.group.slug}").get_data(as_text=True)
    role_form = re.search(r'<form[^>]*/members/\d+/role"[^>]*>', body)
    assert role_form and "govuk-!-margin-right-" in role_form.group(0)
    assert WRAPPER_RE.search(body)
