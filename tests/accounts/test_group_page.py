"""The group page: who is named to whom, the group's rounds, and only the controls the
person looking may use."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from civic.accounts import invitations, services
from civic.accounts.models import GroupRole, utcnow
from civic.budgets import services as budgets
from civic.budgets.models import BallotKind
from civic.errors import PermissionDenied
from tests.conftest import login, post_form
from tests.factories import (
    AdminFactory,
    GroupFactory,
    MembershipFactory,
    ModeratorFactory,
    UserFactory,
)

PAGE = "/accounts/groups/park-friends"


@pytest.fixture
def people():
    """A group of five: an organiser, a member who chose to be named, three who did not."""
    group = GroupFactory(slug="park-friends", name="Park Friends")
    organiser = MembershipFactory(
        group=group, role=GroupRole.ORGANISER, user=UserFactory(display_name="Olu Organiser")
    )
    listed = MembershipFactory(
        group=group, show_name=True, user=UserFactory(display_name="Lin Listed")
    )
    quiet = [
        MembershipFactory(group=group, user=UserFactory(display_name=f"Quinn Quiet{n}"))
        for n in range(3)
    ]
    return {"group": group, "organiser": organiser, "listed": listed, "quiet": quiet}


def _page(client) -> str:
    response = client.get(PAGE)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_public_sees_the_count_the_organisers_and_who_chose_to_be_named(client, people):
    page = _page(client)
    assert "5 members." in page
    assert "Olu Organiser" in page and "Lin Listed" in page
    assert "Quinn Quiet" not in page
    assert "3 other members chose not to be named" in page
    assert "Invite someone" not in page and "Remove" not in page and "/show-name" not in page


def test_a_member_sees_their_own_name_and_their_choice_but_not_the_hidden_others(client, people):
    me = people["quiet"][0]
    login(client, me.user)
    page = _page(client)
    assert "Quinn Quiet0 (you)" in page
    assert "Quinn Quiet1" not in page and "Quinn Quiet2" not in page
    assert "2 other members chose not to be named" in page
    assert "/show-name" in page and "Invite someone" not in page and "Remove" not in page
    # choosing to be named shows the name to everyone; choosing again hides it
    assert post_form(client, f"{PAGE}/show-name", {"show_name": "yes"}).status_code == 302
    assert me.show_name is True
    post_form(client, "/accounts/sign-out", {}, token_from="/")
    assert "Quinn Quiet0" in _page(client)


def test_the_choice_needs_an_answer_and_says_so(client, people):
    login(client, people["quiet"][0].user)
    response = post_form(client, f"{PAGE}/show-name", {})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in body and "Choose whether to show your name" in body


def test_organisers_and_staff_see_everyone_to_manage_them(client, people):
    for viewer in (people["organiser"].user, ModeratorFactory(), AdminFactory()):
        login(client, viewer)
        page = _page(client)
        assert all(f"Quinn Quiet{n}" in page for n in range(3)), viewer.role
        assert "Named publicly" in page and "Invite someone to join" in page


def test_an_organiser_is_not_shown_controls_the_service_would_refuse(client, people):
    """Organisers remove members but not organisers, and cannot appoint: no such buttons."""
    other = MembershipFactory(
        group=people["group"], role=GroupRole.ORGANISER, user=UserFactory(display_name="Oz Two")
    )
    login(client, people["organiser"].user)
    page = _page(client)
    assert f"/members/{other.id}/remove" not in page
    assert f"/members/{people['listed'].id}/remove" in page
    assert "/role" not in page and 'name="role"' not in page  # no appointing
    with pytest.raises(PermissionDenied):
        services.remove_member(people["organiser"].user, other)
    # a moderator gets both, and the offer to appoint says the role is public
    login(client, ModeratorFactory())
    page = _page(client)
    assert f"/members/{other.id}/remove" in page and "(named publicly)</button>" in page
    assert 'name="role"' in page


def _group_round(group, moderator):
    now = utcnow()
    return budgets.create_round(
        moderator,
        group.area,
        budgets.RoundSettings(
            title="Park benches 2027",
            slug="park-benches-2027",
            description="",
            amount=500_000,
            currency="GBP",
            dates=[now + timedelta(days=d) for d in (-1, 20, 30, 40, 50)],
            ballot_kind=BallotKind.APPROVAL,
            rule="greedy",
        ),
        group,
    )


def test_the_page_links_the_groups_rounds_with_their_phase(client, people):
    _group_round(people["group"], ModeratorFactory())
    page = _page(client)
    link = re.search(
        r'href="/budgets/park-benches-2027">Park benches 2027</a>\s*<strong[^>]*>(\w+)', page
    )
    assert link and link.group(1) == "Ideas"


def test_a_group_without_rounds_says_so(client, people):
    assert "has not run a community budget round yet" in _page(client)


START = "Start a round for this group"


def test_start_a_round_is_offered_exactly_to_those_the_round_form_accepts(client, people):
    viewers = {
        "anonymous": None,
        "outsider": UserFactory(),
        "member": people["listed"].user,
        "organiser": people["organiser"].user,
        "moderator": ModeratorFactory(),
        "admin": AdminFactory(),
    }
    form = "/budgets/new?group=park-friends"
    for name, viewer in viewers.items():
        if viewer is not None:
            login(client, viewer)
        offered = START in _page(client)
        answer = client.get(form).status_code
        assert offered == (name in ("organiser", "moderator", "admin")), name
        if offered:
            assert f'href="{form}"' in _page(client).replace("&amp;", "&")
            assert answer == 200, name
            assert "for Park Friends" in client.get(form).get_data(as_text=True)
        else:
            assert answer in (302, 403), name
        if viewer is not None:
            post_form(client, "/accounts/sign-out", {}, token_from="/")


def test_an_unknown_group_in_the_round_form_is_not_found(client):
    login(client, ModeratorFactory())
    assert client.get("/budgets/new?group=no-such-group").status_code == 404


def test_appointing_an_organiser_by_invitation_says_the_name_will_be_public(client, people):
    moderator = ModeratorFactory()
    login(client, moderator)
    page = _page(client)
    assert "Organiser (their name is shown on the group page)" in page
    person = UserFactory()
    invitations.invite_member(moderator, people["group"], person.email, GroupRole.ORGANISER)
    login(client, person)
    page = client.get("/accounts/invitations").get_data(as_text=True)
    assert "Organisers' names are shown on the group page" in page
