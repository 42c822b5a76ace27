"""The group paper desk, the printable papers, the member's page, the counts apart on the
motion and election pages and their JSON, and the member's contest decided in the one
moderators' queue (/contests), where the old group queue's addresses lead."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from civic.extensions import db
from civic.groups import elections, motions
from civic.groups import paper as group_paper
from civic.groups.models import MotionVote
from civic.groups.paper_models import GroupPaperContest
from tests.conftest import csrf_token, login
from tests.factories import ModeratorFactory, UserFactory
from tests.groups import election_helpers
from tests.groups.helpers import finish, make_group, voting_motion


def _desk(motion) -> str:
    return f"/paper/groups/{motion.group.slug}/motion/{motion.id}/enter"


@pytest.fixture
def desk():
    group, organiser, people = make_group(members=4, quorum_rule="none", quorum_value=0)
    motion = voting_motion(group, people[0])
    return motion, organiser, people


@pytest.mark.parametrize("who", ["visitor", "resident", "member", "organiser", "moderator"])
def test_only_the_groups_organisers_and_moderators_use_the_desk(client, desk, who):
    motion, organiser, people = desk
    group_paper.issue(organiser, motion, 3)
    people_by_role = {
        "resident": UserFactory(),
        "member": people[1],
        "organiser": organiser,
        "moderator": ModeratorFactory(),
    }
    if who != "visitor":
        login(client, people_by_role[who])
    url = _desk(motion)
    papers = url.replace("enter", "papers") + "?first=1&last=3"
    got, printed = client.get(url), client.get(papers)
    if who == "visitor":
        assert got.status_code == 302 and "sign-in" in got.headers["Location"]
    elif who in ("resident", "member"):
        assert got.status_code == printed.status_code == 403
        token = csrf_token(client, f"/groups/{motion.group.slug}")
        form = {"csrf_token": token, "paper_number": "1", "email": people[2].email, "check": "x"}
        assert client.post(url, data={**form, "choice": "for"}).status_code == 403
        assert db.session.scalar(select(func.count()).select_from(MotionVote)) == 0
    else:
        assert got.status_code == printed.status_code == 200
        assert f"M{motion.id}-0003" in printed.get_data(as_text=True)


def test_the_motion_page_links_officers_to_the_desk(client, desk):
    motion, organiser, people = desk
    page = f"/groups/{motion.group.slug}/motions/{motion.id}"
    login(client, people[1])
    assert _desk(motion) not in client.get(page).get_data(as_text=True)
    login(client, organiser)
    assert _desk(motion) in client.get(page).get_data(as_text=True)


def test_printing_and_entering_with_errors_by_the_field(client, desk):
    motion, organiser, people = desk
    login(client, organiser)
    url = _desk(motion)
    printing = url.replace("enter", "print")
    refused = client.post(printing, data={"csrf_token": csrf_token(client, url), "count": "0"})
    assert refused.status_code == 422 and "from 1 to 500" in refused.get_data(as_text=True)
    answer = client.post(printing, data={"csrf_token": csrf_token(client, url), "count": "2"})
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert page.count('class="civic-paper"') == 2 and "Abstain" in page
    form = {"paper_number": "2", "email": people[0].email, "check": "at the AGM", "choice": "for"}
    done = client.post(url, data={"csrf_token": csrf_token(client, url), **form})
    assert done.status_code == 302
    assert f"M{motion.id}-0002 entered" in client.get(url).get_data(as_text=True)
    again = {**form, "email": people[1].email, "choice": "abstain"}
    duplicate = client.post(url, data={"csrf_token": csrf_token(client, url), **again})
    assert duplicate.status_code == 409
    text = duplicate.get_data(as_text=True)
    assert 'href="#paper_number"' in text and "cannot be entered twice" in text
    assert people[1].email in text and 'value="abstain" checked' in text  # input kept
    own = {**form, "paper_number": "1", "email": organiser.email}
    refused = client.post(url, data={"csrf_token": csrf_token(client, url), **own})
    assert refused.status_code == 422 and "own vote" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(MotionVote)) == 1


def test_online_after_paper_is_a_409_on_the_motion_page(client, desk):
    motion, organiser, people = desk
    group_paper.issue(organiser, motion, 2)
    group_paper.enter(
        organiser, motion, choices=["for"], paper_number="1", email=people[0].email, check="x"
    )
    login(client, people[0])
    page = f"/groups/{motion.group.slug}/motions/{motion.id}"
    assert 'id="my-paper"' in client.get(page).get_data(as_text=True)
    vote = client.post(
        f"{page}/vote", data={"csrf_token": csrf_token(client, page), "choice": "against"}
    )
    assert vote.status_code == 409
    assert db.session.scalar(select(MotionVote.choice)) == "for"


def test_counts_apart_on_the_page_and_in_json_only_after_the_close(app, client, desk):
    motion, organiser, people = desk
    group_paper.issue(organiser, motion, 5)
    for n, member in enumerate(people[:2], start=1):
        group_paper.enter(
            organiser, motion, choices=["for"], paper_number=n, email=member.email, check="x"
        )
    motions.cast(people[2], motion, "against")
    page = f"/groups/{motion.group.slug}/motions/{motion.id}"
    api = f"/api/v1/groups/{motion.group.slug}/motions/{motion.id}"
    assert 'id="paper-split"' not in client.get(page).get_data(as_text=True)
    assert client.get(api).get_json()["paper_and_online"] is None
    finish(motion)
    motions.close(organiser, motion)
    shown = client.get(page).get_data(as_text=True)
    assert 'id="paper-split"' in shown and "2 came on paper" in shown
    assert client.get(api).get_json()["paper_and_online"] == {"paper": 2, "online": 1}
    app.config["MIN_ELECTORATE"] = 2
    try:  # one online vote would single its voter out
        assert 'id="paper-split"' not in client.get(page).get_data(as_text=True)
        assert client.get(api).get_json()["paper_and_online"] is None
    finally:
        app.config["MIN_ELECTORATE"] = 0


def test_an_election_desk_and_its_json(client):
    group, organiser, people = election_helpers.make_group(members=4)
    election = election_helpers.call(organiser, group, seats=2)
    a = elections.stand(people[0], election, "A")
    election_helpers.open_voting(election)
    group_paper.issue(organiser, election, 3)
    login(client, organiser)
    url = f"/paper/groups/{group.slug}/election/{election.id}/enter"
    assert "Paper votes: print papers and enter them" in client.get(
        f"/groups/{group.slug}/elections/{election.id}"
    ).get_data(as_text=True)
    printed = client.get(url.replace("enter", "papers") + "?first=1&last=3")
    assert people[0].display_name in printed.get_data(as_text=True)
    form = {"paper_number": f"E{election.id}-0001", "email": people[1].email, "check": "x"}
    empty = client.post(url, data={"csrf_token": csrf_token(client, url), **form})
    assert empty.status_code == 422 and 'id="candidates-error"' in empty.get_data(as_text=True)
    done = client.post(
        url, data={"csrf_token": csrf_token(client, url), **form, "candidates": str(a.id)}
    )
    assert done.status_code == 302
    election_helpers.end_voting(election)
    elections.close(organiser, election)
    body = client.get(f"/groups/{group.slug}/elections/{election.id}.json").get_json()
    assert body["paper_and_online"] == {"paper": 1, "online": 0}


def test_the_member_contests_and_a_moderator_removes_it_in_the_one_queue(client, desk):
    motion, organiser, people = desk
    group_paper.issue(organiser, motion, 2)
    group_paper.enter(
        organiser, motion, choices=["against"], paper_number="1", email=people[0].email, check="x"
    )
    login(client, people[0])
    mine = f"/paper/groups/{motion.group.slug}/motion/{motion.id}/mine"
    page = client.get(mine).get_data(as_text=True)
    assert f"M{motion.id}-0001" in page and "Against" in page and organiser.display_name in page
    empty = client.post(mine, data={"csrf_token": csrf_token(client, mine), "reason": ""})
    assert empty.status_code == 422 and 'id="reason-error"' in empty.get_data(as_text=True)
    sent = client.post(mine, data={"csrf_token": csrf_token(client, mine), "reason": "I voted for"})
    assert sent.status_code == 302
    assert "Waiting for a moderator" in client.get(mine).get_data(as_text=True)
    login(client, ModeratorFactory())
    queue = client.get("/contests")
    text = queue.get_data(as_text=True)
    assert queue.status_code == 200 and "I voted for" in text
    assert f"{motion.group.name}: {motion.title}: paper M{motion.id}-0001" in text
    (row,) = db.session.scalars(select(GroupPaperContest))
    decided = client.post(
        f"/contests/group_paper/{row.id}",
        data={
            "csrf_token": csrf_token(client, "/contests"),
            "outcome": "remove",
            "response": "Removed; vote again",
        },
    )
    assert decided.status_code == 302 and decided.headers["Location"].endswith("/contests")
    assert db.session.scalar(select(func.count()).select_from(MotionVote)) == 0
    login(client, people[0])
    page = client.get(mine).get_data(as_text=True)
    assert "Removed: the paper entry was taken out" in page and "Removed; vote again" in page


def test_the_old_group_queue_addresses_lead_to_the_one_queue(client, desk):
    _motion, _organiser, people = desk
    login(client, people[0])  # a member is no moderator: refused, as before
    assert client.get("/paper/groups/contests").status_code == 403
    login(client, ModeratorFactory())
    moved = client.get("/paper/groups/contests")
    assert moved.status_code == 301 and moved.headers["Location"].endswith("/contests")
    token = csrf_token(client, "/contests")
    form = client.post("/paper/groups/contests/7", data={"csrf_token": token})
    assert form.status_code == 308
    assert form.headers["Location"].endswith("/contests/group_paper/7")


def test_the_desk_links_moderators_to_the_one_queue(client, desk):
    motion, organiser, _people = desk
    login(client, organiser)
    assert 'href="/contests"' not in client.get(_desk(motion)).get_data(as_text=True)
    login(client, ModeratorFactory())
    assert 'href="/contests"' in client.get(_desk(motion)).get_data(as_text=True)
