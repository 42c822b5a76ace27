"""The pages and JSON: the group page's sections, proposing and voting through forms,
clear refusals that keep what was typed, and the published rules as JSON."""

from __future__ import annotations

from sqlalchemy import func, select

from civic.accounts.services import membership_of
from civic.extensions import db
from civic.groups import motions
from civic.groups.models import JoinRequest, Motion, MotionVote
from tests.conftest import login, post_form
from tests.factories import UserFactory
from tests.groups.helpers import finish, make_group, voting_motion


def test_group_page_shows_rules_and_motions_and_the_join_button(client):
    group, _organiser, people = make_group(members=1, join_policy="open")
    voting_motion(group, people[0], "Fix the gate")
    db.session.commit()
    page = client.get(f"/accounts/groups/{group.slug}").get_data(as_text=True)
    assert "Open: anyone who has shown Civic they live in" in page
    assert "Fix the gate" in page
    assert "Sign in</a> to join" in page


def test_a_member_proposes_and_votes_through_the_forms(client):
    group, _organiser, people = make_group(members=2)
    db.session.commit()
    login(client, people[0])
    bad = post_form(client, f"/groups/{group.slug}/motions/new", {"title": "", "text": "Keep me"})
    assert bad.status_code == 422
    body = bad.get_data(as_text=True)
    # a translated (lazy) message is not escaped again: either spelling of the apostrophe
    assert "Enter the motion's title" in body or "Enter the motion&#39;s title" in body
    assert "Keep me" in body
    made = post_form(
        client,
        f"/groups/{group.slug}/motions/new",
        {"title": "Buy a defibrillator", "text": "For the hall."},
    )
    assert made.status_code == 302
    motion = db.session.scalar(select(Motion).where(Motion.group_id == group.id))
    page = f"/groups/{group.slug}/motions/{motion.id}"
    empty = post_form(client, f"{page}/vote", {}, token_from=page)
    assert empty.status_code == 422 and "Choose for, against or abstain" in empty.get_data(
        as_text=True
    )
    assert post_form(client, f"{page}/vote", {"choice": "for"}, token_from=page).status_code == 302
    assert "You have voted" in client.get(page).get_data(as_text=True)
    # the page no longer offers the form: the token comes from another page's form
    again = post_form(
        client, f"{page}/vote", {"choice": "against"}, token_from="/accounts/change-password"
    )
    assert again.status_code == 409
    assert "already voted" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(MotionVote)) == 1


def test_outsiders_are_refused_before_the_form(client):
    group, _organiser, people = make_group(members=1)
    motion = voting_motion(group, people[0])
    outsider = UserFactory()
    db.session.commit()
    login(client, outsider)
    page = f"/groups/{group.slug}/motions/{motion.id}"
    assert post_form(client, f"{page}/vote", {"choice": "for"}, token_from=page).status_code == 403
    assert client.get(f"/groups/{group.slug}/motions/new").status_code == 403
    assert client.get(f"/groups/{group.slug}/rules/edit").status_code == 403
    assert post_form(client, f"{page}/close", {}, token_from=page).status_code == 403


def test_rules_form_refuses_a_quorum_over_100_and_keeps_the_input(client):
    group, organiser, _ = make_group(members=1)
    db.session.commit()
    login(client, organiser)
    path = f"/groups/{group.slug}/rules/edit"
    data = {
        "join_policy": "request",
        "proposers": "members",
        "quorum_rule": "share",
        "quorum_value": "150",
        "majority_rule": "two_thirds",
        "discussion_days": "3",
        "voting_days": "5",
    }
    refused = post_form(client, path, data)
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert "A quorum share must be a whole percentage from 1 to 100" in body
    assert 'value="150"' in body
    assert client.get(f"/api/v1/groups/{group.slug}").get_json()["rules"]["join_policy"] == "closed"
    assert post_form(client, path, {**data, "quorum_value": "40"}).status_code == 302
    rules = client.get(f"/api/v1/groups/{group.slug}").get_json()["rules"]
    assert (rules["join_policy"], rules["quorum_value"], rules["majority_rule"]) == (
        "request",
        40,
        "two_thirds",
    )


def test_json_of_a_group_and_a_motion(client):
    group, organiser, people = make_group(members=2, quorum_rule="number", quorum_value=2)
    motion = voting_motion(group, people[0], "Adopt the hedgehog plan")
    motions.cast(people[0], motion, "for")
    db.session.commit()
    running = client.get(f"/api/v1/groups/{group.slug}/motions/{motion.id}").get_json()
    assert running["state"] == "voting" and "result" not in running
    assert running["rules"] == {
        "quorum_rule": "number",
        "quorum_value": 2,
        "majority_rule": "simple",
    }
    motions.cast(people[1], motion, "abstain")
    finish(motion)
    motions.close(organiser, motion)
    motions.record_minutes(organiser, motion, "Passed. Ana to order the signs.")
    db.session.commit()
    data = client.get(f"/api/v1/groups/{group.slug}").get_json()
    assert data["rules"]["words"]["quorum"].startswith("At least 2 members must vote")
    (listed,) = data["motions"]
    assert listed["result"]["outcome"] == "passed"
    assert listed["result"]["for"] == 1 and listed["result"]["abstain"] == 1
    assert listed["minutes"] == "Passed. Ana to order the signs."
    assert client.get(f"/api/v1/groups/{group.slug}/motions/999999").status_code == 404
    assert client.get("/api/v1/groups/no-such-group").status_code == 404


def test_asking_to_join_and_the_organiser_answering(client):
    group, organiser, _ = make_group(members=1, join_policy="request")
    asker = UserFactory(display_name="Rhiannon Asker")
    db.session.commit()
    login(client, asker)
    group_page = f"/accounts/groups/{group.slug}"
    body = client.get(group_page).get_data(as_text=True)
    assert "Ask to join" in body and "Message to the organisers (optional)" in body
    too_long = post_form(
        client, f"/groups/{group.slug}/join", {"message": "x" * 1001}, token_from=group_page
    )
    assert too_long.status_code == 422
    assert "The message must be 1,000 characters or fewer" in too_long.get_data(as_text=True)
    asked = post_form(
        client, f"/groups/{group.slug}/join", {"message": "I live at no. 4"}, token_from=group_page
    )
    assert asked.status_code == 302
    assert "The organisers have not answered yet" in client.get(group_page).get_data(as_text=True)
    assert client.get(f"/groups/{group.slug}/requests").status_code == 403

    client.post("/accounts/sign-out", data={"csrf_token": _token(client)})
    login(client, organiser)
    page = f"/groups/{group.slug}/requests"
    listing = client.get(page).get_data(as_text=True)
    assert "Rhiannon Asker" in listing and "I live at no. 4" in listing
    request_id = db.session.scalar(select(JoinRequest.id).where(JoinRequest.group_id == group.id))
    refused = post_form(
        client, f"{page}/{request_id}", {"decision": "refuse", "reason": "no"}, token_from=page
    )
    assert refused.status_code == 422
    assert "Give the reason for refusing" in refused.get_data(as_text=True)
    approved = post_form(client, f"{page}/{request_id}", {"decision": "approve"}, token_from=page)
    assert approved.status_code == 302
    db.session.expire_all()
    assert membership_of(asker, db.session.get(type(group), group.id)) is not None


def _token(client):
    from tests.conftest import csrf_token

    return csrf_token(client, "/accounts/change-password")
