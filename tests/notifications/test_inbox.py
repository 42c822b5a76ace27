"""What a person sees of notifications, with a plain client (no JavaScript) and as htmx:
the settings page, follow buttons, the in-app list, marking read and the unread count."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from civic.extensions import db
from civic.notifications import feed
from civic.notifications.kinds import Delivery, Kind
from civic.notifications.models import Notification, NotificationPreference
from civic.votes.models import ProposalState
from tests.budgets.rounds_helpers import make_round
from tests.conftest import csrf_token, login, post_form
from tests.consultations.helpers import make_consultation
from tests.factories import AreaFactory, ModeratorFactory, UserFactory
from tests.votes.helpers import make_proposal


def _tell(user, n: int, kind: Kind = Kind.REPLY, url: str = "/accounts/areas") -> None:
    feed.announce(kind, event=f"test:{n}", title=f"News {n}", url=url, to=[user.id])


def _signed_in(client, user=None):
    user = user or UserFactory()
    db.session.flush()
    login(client, user)
    return user


def _saved(user, kind: Kind | None = None) -> int:
    """How many preference rows `user` has (for `kind`, if given)."""
    query = select(func.count()).where(NotificationPreference.user_id == user.id)
    if kind is not None:
        query = query.where(NotificationPreference.kind == kind)
    return db.session.scalar(query)


def _choices(**changed: str) -> dict[str, str]:
    values = {
        "opened": "digest",
        "closing": "digest",
        "result": "digest",
        "you_said": "immediate",
        "reply": "immediate",
        "project_reviewed": "immediate",
        "paper": "immediate",  # an officer entered a paper form for me (civic.paper)
    }
    return values | changed


# --- settings ------------------------------------------------------------------------------


def test_settings_show_each_kind_with_the_current_choice(client):
    _signed_in(client)
    body = client.get("/notifications/settings").get_data(as_text=True)
    assert body.count("<h1") == 1
    assert "Someone replies to your comment" in body
    assert "Comments are reported" not in body  # residents do not see moderators' kinds
    checked = re.findall(r'name="(\w+)" type="radio" value="(\w+)" checked', body)
    assert ("reply", "immediate") in checked and ("opened", "digest") in checked


def test_moderators_choose_about_their_kinds_too(client):
    _signed_in(client, ModeratorFactory())
    body = client.get("/notifications/settings").get_data(as_text=True)
    assert "Comments are reported" in body and "Work is overdue" in body


def test_saving_settings_without_javascript(client):
    user = _signed_in(client)
    response = post_form(
        client, "/notifications/settings", _choices(reply="off", opened="immediate")
    )
    assert response.status_code == 302
    assert feed.preferences(user)[Kind.REPLY] is Delivery.OFF
    assert feed.preferences(user)[Kind.OPENED] is Delivery.IMMEDIATE
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your notification settings are saved." in page
    # saving again updates the same rows
    post_form(client, "/notifications/settings", _choices(reply="digest"))
    assert feed.preferences(user)[Kind.REPLY] is Delivery.DIGEST
    assert _saved(user, Kind.REPLY) == 1


@pytest.mark.parametrize("bad", ["sometimes", "", "OFF"])
def test_bad_values_are_refused_by_the_field_and_nothing_is_saved(client, bad):
    user = _signed_in(client)
    response = post_form(client, "/notifications/settings", _choices(reply=bad, opened="off"))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "There is a problem" in body
    assert "Choose how you hear when: someone replies to your comment" in body
    assert 'href="#reply"' in body  # the summary links to the field
    # the other choices are kept as entered
    assert re.search(r'name="opened" type="radio" value="off" checked', body)
    assert _saved(user) == 0


def test_a_resident_cannot_set_moderators_kinds(client):
    user = _signed_in(client)
    post_form(client, "/notifications/settings", _choices(reports="immediate"))
    assert _saved(user, Kind.REPORTS) == 0


def test_settings_list_what_you_follow_and_unfollow_works(client):
    user = _signed_in(client)
    area = AreaFactory(name="Riverside")
    feed.follow(user, area, auto=True)
    feed.follow(user, "group:gone")  # a kind this page cannot name: still listed, unfollowable
    db.session.flush()
    body = client.get("/notifications/settings").get_data(as_text=True)
    assert f'href="/accounts/areas/{area.slug}">Riverside</a>' in body
    assert "Followed because you took part" in body
    assert "group:gone" in body
    for target in (f"area:{area.slug}", "group:gone"):
        response = post_form(
            client,
            "/notifications/follow",
            {"target": target, "follow": "0", "next": "/notifications/settings"},
            token_from="/notifications/settings",
        )
        assert response.headers["Location"] == "/notifications/settings"
    assert feed.follows(user) == []


# --- follow buttons ------------------------------------------------------------------------


def test_follow_button_on_the_area_page_without_javascript(client):
    user = _signed_in(client)
    area = AreaFactory(name="Riverside")
    path = f"/accounts/areas/{area.slug}"
    assert '>Follow<span class="govuk-visually-hidden"> Riverside</span>' in client.get(
        path
    ).get_data(as_text=True)
    response = post_form(
        client,
        "/notifications/follow",
        {"target": f"area:{area.slug}", "follow": "1", "next": path},
        token_from=path,
    )
    assert response.status_code == 302 and response.headers["Location"] == path
    assert feed.is_following(user, area)
    page = client.get(path).get_data(as_text=True)
    assert "You are following Riverside." in page
    assert "Stop following<span" in page


def test_follow_button_swaps_in_place_with_htmx(client, htmx_client):
    user = _signed_in(client)
    area = AreaFactory(name="Riverside")
    token = csrf_token(client, f"/accounts/areas/{area.slug}")
    response = client.post(
        "/notifications/follow",
        data={"csrf_token": token, "target": f"area:{area.slug}", "follow": "1"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div class="civic-follow') and "<html" not in body
    assert "Stop following" in body and 'name="follow" value="0"' in body
    assert feed.is_following(user, area)


@pytest.mark.parametrize(
    ("target", "status"),
    [
        ("area:nowhere", 404),
        ("proposal:999999", 404),
        ("consultation:abc", 404),
        ("budget_round:none", 404),
        ("user:1", 422),
        ("group:x", 422),
        ("", 422),
        ("area:", 422),
    ],
)
def test_only_things_that_exist_can_be_followed(client, target, status):
    user = _signed_in(client)
    response = post_form(
        client, "/notifications/follow", {"target": target, "follow": "1"}, token_from="/"
    )
    assert response.status_code == status
    assert feed.follows(user) == []


def test_follow_needs_a_valid_choice_and_a_csrf_token(client):
    user = _signed_in(client)
    area = AreaFactory()
    bad = post_form(
        client,
        "/notifications/follow",
        {"target": f"area:{area.slug}", "follow": "yes"},
        token_from="/",
    )
    assert bad.status_code == 422
    forged = client.post(
        "/notifications/follow", data={"target": f"area:{area.slug}", "follow": "1"}
    )
    assert forged.status_code == 400
    assert feed.follows(user) == []


def test_anonymous_visitors_see_no_follow_button(client):
    area = AreaFactory()
    db.session.flush()
    assert "civic-follow" not in client.get(f"/accounts/areas/{area.slug}").get_data(as_text=True)


# --- the in-app list -------------------------------------------------------------------------


def test_the_list_is_newest_first_with_unread_marked_in_words(client):
    user = _signed_in(client)
    for n in range(1, 4):
        _tell(user, n)
    db.session.flush()
    body = client.get("/notifications").get_data(as_text=True)
    assert body.index("News 3") < body.index("News 2") < body.index("News 1")
    assert body.count(">Unread</strong>") == 3
    assert "3 unread notifications" in body


def test_the_list_is_paginated(client):
    user = _signed_in(client)
    for n in range(1, 26):
        _tell(user, n)
    db.session.flush()
    first = client.get("/notifications").get_data(as_text=True)
    assert "News 25" in first and "News 5<" not in first and "Next page" in first
    second = client.get("/notifications?page=2").get_data(as_text=True)
    assert "News 5<" in second and "News 25" not in second
    assert client.get("/notifications?page=x").status_code == 422


def test_opening_an_item_marks_it_read_and_goes_to_its_page(client):
    user = _signed_in(client)
    _tell(user, 1, url="/votes")
    db.session.flush()
    item = db.session.scalar(select(Notification))
    response = client.get(f"/notifications/{item.id}")
    assert response.status_code == 302 and response.headers["Location"] == "/votes"
    db.session.refresh(item)
    assert item.read_at is not None


def test_other_peoples_notifications_are_not_found(client):
    owner = UserFactory()
    _tell(owner, 1)
    _signed_in(client)
    item = db.session.scalar(select(Notification))
    assert client.get(f"/notifications/{item.id}").status_code == 404
    assert client.get("/notifications/999999").status_code == 404
    db.session.refresh(item)
    assert item.read_at is None


def test_mark_all_as_read_without_javascript(client):
    user = _signed_in(client)
    other = UserFactory()
    for n in range(1, 4):
        _tell(user, n)
    _tell(other, 9)
    db.session.flush()
    response = post_form(client, "/notifications/read-all", {}, token_from="/notifications")
    assert response.status_code == 302
    assert (
        db.session.scalar(
            select(func.count()).where(
                Notification.user_id == user.id, Notification.read_at.is_(None)
            )
        )
        == 0
    )
    assert (
        db.session.scalar(
            select(func.count()).where(
                Notification.user_id == other.id, Notification.read_at.is_(None)
            )
        )
        == 1
    )


def test_mark_all_as_read_with_htmx_swaps_the_list_and_refreshes_the_count(client):
    user = _signed_in(client)
    _tell(user, 1)
    db.session.flush()
    token = csrf_token(client, "/notifications")
    response = client.post(
        "/notifications/read-all", data={"csrf_token": token}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "civic-notifications-read"
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="results">') and "0 unread notifications" in body


# --- the unread count ----------------------------------------------------------------------


def test_the_header_shows_the_unread_count_without_javascript(client):
    user = _signed_in(client)
    page = client.get("/").get_data(as_text=True)
    assert re.search(r'id="notification-count"[^>]*>Notifications</a>', page)
    _tell(user, 1)
    _tell(user, 2)
    db.session.flush()
    page = client.get("/").get_data(as_text=True)
    assert "Notifications<strong>, 2 unread</strong></a>" in page
    assert 'hx-trigger="load, every 60s, civic-notifications-read from:body"' in page


def test_the_count_fragment_for_htmx(client):
    user = _signed_in(client)
    _tell(user, 1)
    db.session.flush()
    fragment = client.get("/notifications/unread", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in body
    assert "Notifications<strong>, 1 unread</strong>" in body
    assert 'hx-trigger="every 60s' in body  # no "load": it would fetch itself forever


def test_anonymous_visitors_have_no_count_and_are_sent_to_sign_in(client):
    assert "notification-count" not in client.get("/").get_data(as_text=True)
    # the count's fragment is empty (htmx then removes the link), never a redirect
    fragment = client.get("/notifications/unread", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and fragment.get_data(as_text=True).strip() == ""
    for path in ("/notifications", "/notifications/settings"):
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/sign-in" in response.headers["Location"]


def _first(made):
    return made[0] if isinstance(made, tuple) else made


@pytest.mark.parametrize(
    ("make", "page"),
    [
        (lambda: _first(make_proposal(ProposalState.VOTING)), "/votes/{id}"),
        (lambda: _first(make_consultation()), "/consultations/{id}"),
        (lambda: _first(make_round()), "/budgets/{slug}"),
        (lambda: AreaFactory(), "/accounts/areas/{slug}"),
    ],
)
def test_each_followable_page_has_a_working_follow_button(client, make, page):
    user = _signed_in(client)
    thing = make()
    db.session.flush()
    target = feed.target_of(thing)
    path = page.format(id=getattr(thing, "id", ""), slug=getattr(thing, "slug", ""))
    body = client.get(path).get_data(as_text=True)
    assert f'name="target" value="{target}"' in body
    response = post_form(
        client,
        "/notifications/follow",
        {"target": target, "follow": "1", "next": path},
        token_from=path,
    )
    assert response.status_code == 302 and response.headers["Location"] == path
    assert feed.is_following(user, thing)
    assert "Stop following" in client.get(path).get_data(as_text=True)


def test_drafts_cannot_be_followed_by_residents(client):
    _signed_in(client)
    proposal = _first(make_proposal(ProposalState.DRAFT))
    db.session.flush()
    response = post_form(
        client,
        "/notifications/follow",
        {"target": feed.target_of(proposal), "follow": "1"},
        token_from="/",
    )
    assert response.status_code == 404
