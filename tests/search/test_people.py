"""The administrators' People page: find any account by part of a name or email, filter
by role and by active, a page at a time; nobody else may search people."""

from __future__ import annotations

import pytest

from civic.accounts import people
from civic.accounts.models import Role
from civic.errors import PermissionDenied, ValidationFailed
from tests.conftest import login
from tests.factories import AdminFactory, ModeratorFactory, UserFactory

NO_HASH = "!"  # these accounts never sign in: skip the (slow) password hashing


@pytest.fixture
def crowd():
    """An old account, then enough newer ones that it is not on the first page."""
    oldest = UserFactory(
        display_name="Winifred O'Hara-Smythe",
        email="w.ohara@holbeck.example",
        password_hash=NO_HASH,
    )
    others = [UserFactory(display_name=f"Resident {n}", password_hash=NO_HASH) for n in range(60)]
    gone = UserFactory(display_name="Gone Away", active=False, password_hash=NO_HASH)
    mod = ModeratorFactory(display_name="Morag Moderator", password_hash=NO_HASH)
    return oldest, others, gone, mod


def test_an_old_account_is_found_by_any_part_of_its_name_or_email(crowd):
    oldest, *_ = crowd
    admin = AdminFactory()
    assert oldest not in people.find_people(admin).people  # not among the newest 50
    for query in ("winifred", "HARA-smy", "o'hara", "@HOLBECK.example", "w.ohara"):
        assert people.find_people(admin, query=query).people == [oldest], query


def test_like_wildcards_in_a_query_are_plain_characters(crowd):
    admin = AdminFactory()
    assert people.find_people(admin, query="%").total == 0
    assert people.find_people(admin, query="_").total == 0


def test_filters_by_role_and_active(crowd):
    _oldest, _others, gone, mod = crowd
    admin = AdminFactory()
    assert people.find_people(admin, role="moderator").people == [mod]
    assert people.find_people(admin, active="deactivated").people == [gone]
    everyone = people.find_people(admin).total
    assert people.find_people(admin, active="active").total == everyone - 1
    assert people.find_people(admin, role="admin", query="resident").total == 0


def test_pages_of_fifty_newest_first(crowd):
    admin = AdminFactory()
    first = people.find_people(admin, query="resident")
    second = people.find_people(admin, query="resident", page=2)
    assert (first.total, first.pages, len(first.people), len(second.people)) == (60, 2, 50, 10)
    assert first.people[0].display_name == "Resident 59"
    assert not set(first.people) & set(second.people)


@pytest.mark.parametrize("maker", [None, UserFactory, ModeratorFactory])
def test_only_administrators_may_search_people(maker):
    with pytest.raises(PermissionDenied):
        people.find_people(maker() if maker else None, query="a")


def test_bad_filters_are_refused_with_reasons():
    with pytest.raises(ValidationFailed) as failure:
        people.find_people(AdminFactory(), query="x" * 300, role="king", active="maybe", page="0")
    assert set(failure.value.errors) == {"q", "role", "active", "page"}


def test_the_people_page_searches_filters_and_pages(client, crowd):
    oldest, *_ = crowd
    login(client, AdminFactory(display_name="Ada Admin"))
    html = client.get("/accounts/people?q=ohara").get_data(as_text=True)
    assert "w.ohara@holbeck.example" in html and "Showing 1\u20131 of 1 account" in html
    assert 'value="ohara"' in html
    html = client.get("/accounts/people?q=resident").get_data(as_text=True)
    assert "Showing 1\u201350 of 60 accounts" in html
    assert 'href="/accounts/people?q=resident&amp;page=2"' in html
    html = client.get("/accounts/people?role=moderator").get_data(as_text=True)
    assert "Morag Moderator" in html and "Resident 1" not in html
    assert f"/accounts/people/{oldest.id}/role" not in html


def test_a_bad_filter_on_the_page_is_shown_next_to_its_field(client):
    login(client, AdminFactory())
    response = client.get("/accounts/people?role=king")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'href="#people-role">Choose a role from the list' in html
    assert 'id="people-role-error"' in html


def test_the_people_page_refuses_everyone_else(client):
    login(client, ModeratorFactory())
    assert client.get("/accounts/people?q=a").status_code == 403


def test_role_values_offered_are_the_roles():
    assert {r.value for r in Role} == {"resident", "moderator", "admin"}
