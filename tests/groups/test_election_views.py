"""The election pages: calling with bad input kept, standing and its refusals on the page,
voting with and without JavaScript, counting, the group page's section and the JSON."""

from __future__ import annotations

from datetime import timedelta

from civic.clock import utcnow
from civic.groups import elections
from tests.conftest import login, post_form
from tests.factories import UserFactory
from tests.groups.election_helpers import call, end_voting, make_group, open_voting


def _date(days: int) -> list[str]:
    day = (utcnow() + timedelta(days=days)).date()
    return [str(day.day), str(day.month), str(day.year)]


def _url(election, action: str = "") -> str:
    base = f"/groups/{election.group.slug}/elections/{election.id}"
    return f"{base}/{action}" if action else base


def test_an_organiser_calls_an_election_and_bad_input_is_kept(client):
    group, organiser, _ = make_group()
    login(client, organiser)
    page = f"/groups/{group.slug}/elections/new"
    bad = post_form(
        client,
        page,
        {"seats": "0", "term_months": "12", "opens": _date(-2), "closes": _date(5)},
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "The number of seats must be from 1 to 20" in html
    assert "The date voting opens must be in the future" in html
    assert 'value="12"' in html  # the input is kept
    assert "govuk-error-summary" in html and html.count("<h1") == 1
    good = post_form(
        client, page, {"seats": "2", "term_months": "12", "opens": _date(3), "closes": _date(10)}
    )
    assert good.status_code == 302
    election = elections.elections_for(group)[0]
    assert election.seats == 2
    assert election.voting_opens_at.hour == 0 and election.voting_closes_at.hour == 23


def test_a_non_member_is_refused_standing_with_a_clear_page(client):
    group, organiser, _ = make_group()
    election = call(organiser, group)
    login(client, UserFactory())
    refused = post_form(
        client, _url(election, "stand"), {"statement": "Me!"}, token_from=_url(election)
    )
    assert refused.status_code == 403
    assert f"Only members of {group.name} can stand for election" in refused.get_data(as_text=True)
    page = client.get(_url(election)).get_data(as_text=True)
    assert f"Only members of {group.name} can stand" in page


def test_a_member_stands_twice_and_is_told_on_the_page(client):
    group, organiser, people = make_group()
    election = call(organiser, group)
    login(client, people[0])
    first = post_form(
        client, _url(election, "stand"), {"statement": "Fun day"}, token_from=_url(election)
    )
    assert first.status_code == 302
    page = client.get(_url(election)).get_data(as_text=True)
    assert "Fun day" in page and "You are standing" in page
    again = post_form(
        client, _url(election, "stand"), {"statement": "Again"}, token_from=_url(election)
    )
    assert again.status_code == 409
    assert "You are already standing in this election." in again.get_data(as_text=True)


def test_a_member_votes_once_and_gets_a_receipt_and_the_count_is_published(client):
    group, organiser, people = make_group()
    election = call(organiser, group)
    a = elections.stand(people[0], election, "A")
    b = elections.stand(people[1], election, "B")
    open_voting(election)
    login(client, people[2])
    page = client.get(_url(election)).get_data(as_text=True)
    assert "Your secret ballot" in page and 'type="checkbox"' in page
    too_many = post_form(
        client,
        _url(election, "vote"),
        {"candidates": [str(a.id), str(b.id)]},
        token_from=_url(election),
    )
    assert too_many.status_code == 422
    assert "Choose at most 1 candidate" in too_many.get_data(as_text=True)
    cast = post_form(
        client, _url(election, "vote"), {"candidates": [str(a.id)]}, token_from=_url(election)
    )
    assert cast.status_code == 302
    page = client.get(_url(election)).get_data(as_text=True)
    receipt = elections.my_receipt(election, people[2])
    assert receipt and receipt in page and f'action="{_url(election, "vote")}"' not in page
    twice = client.post(
        _url(election, "vote"),
        data={"csrf_token": _token(client, election), "candidates": [str(b.id)]},
    )
    assert twice.status_code == 409
    end_voting(election)
    client.get("/accounts/sign-out")
    other = client.application.test_client()
    login(other, organiser)
    counted = post_form(other, _url(election, "count"), {}, token_from=_url(election))
    assert counted.status_code == 302
    html = other.get(_url(election)).get_data(as_text=True)
    assert f"Elected: {people[0].display_name}" in html
    assert "Votes per candidate" in html
    data = other.get(_url(election) + ".json").get_json()
    assert data["outcome"] == "elected" and data["ballots"] == 1
    assert data["ballots_by_receipt"] == [{"receipt": receipt, "choices": [a.id]}]
    group_page = other.get(f"/accounts/groups/{group.slug}").get_data(as_text=True)
    assert f"elected {people[0].display_name}" in group_page
    assert "Elections of organisers" in group_page


def _token(client, election) -> str:
    from tests.conftest import csrf_token

    return csrf_token(client, _url(election))


def test_a_member_who_left_sees_why_they_cannot_vote(client):
    group, organiser, people = make_group()
    election = call(organiser, group)
    elections.stand(people[0], election, "A")
    open_voting(election)
    newcomer = UserFactory()
    from civic.accounts.models import GroupMembership, GroupRole
    from civic.extensions import db

    db.session.add(GroupMembership(group_id=group.id, user_id=newcomer.id, role=GroupRole.MEMBER))
    db.session.flush()
    login(client, newcomer)
    page = client.get(_url(election)).get_data(as_text=True)
    assert "You joined" in page and "after voting opened" in page
    refused = client.post(_url(election, "vote"), data={"csrf_token": _token(client, election)})
    assert refused.status_code == 403


def test_a_recall_is_proposed_supported_and_shown(client):
    group, organiser, people = make_group()
    login(client, people[0])
    page = f"/groups/{group.slug}/recall/new"
    assert organiser.display_name in client.get(page).get_data(as_text=True)
    bad = post_form(
        client, page, {"organiser": "0", "reason": "x", "opens": _date(2), "closes": _date(4)}
    )
    assert bad.status_code == 422
    assert "Choose one of the group&#39;s organisers" in bad.get_data(as_text=True)
    made = post_form(
        client,
        page,
        {
            "organiser": str(organiser.id),
            "reason": "Never holds meetings",
            "opens": _date(2),
            "closes": _date(4),
        },
    )
    assert made.status_code == 302
    recall = elections.elections_for(group)[0]
    html = client.get(_url(recall)).get_data(as_text=True)
    assert f"Recall vote: {organiser.display_name}" in html
    assert "Never holds meetings" in html and "1 of the 2 members needed" in html
