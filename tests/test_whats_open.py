"""What's open now, recent decisions and "Your areas": the home page, area pages and /me.

Everything is built through the services (as residents and moderators would), then read
back through the pages, which is where a wrong state test, a leaked participation or a
query per row would show.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from civic import whats_open
from civic.accounts.models import (
    Eligibility,
    EligibilityMethod,
    GroupMembership,
    GroupRole,
    utcnow,
)
from civic.budgets import services as budgets
from civic.budgets.models import Phase, RoundResult
from civic.clock import aware
from civic.consultations import services as consultations
from civic.consultations.models import Audience
from civic.extensions import db
from civic.votes import services as votes
from civic.votes.models import ProposalState
from tests.budgets.rounds_helpers import make_round, resident_of
from tests.conftest import login
from tests.consultations.helpers import make_consultation
from tests.factories import GroupFactory, UserFactory
from tests.queries import statements
from tests.votes.helpers import make_proposal

REASON = "Closed early for the test, as agreed"


def _eligible(user, *areas) -> None:
    for area in areas:
        db.session.add(
            Eligibility(user_id=user.id, area_id=area.id, method=EligibilityMethod.MODERATOR)
        )
    db.session.flush()
    db.session.expire(user, ["eligibilities"])


def _answers(questions) -> dict:
    """The least a response needs: the required single-choice question answered."""
    return {questions["single"].id: "0"}


def _section(page: str, heading_id: str) -> str:
    """The HTML of the <section> labelled by `heading_id`."""
    match = re.search(
        rf'<section[^>]*aria-labelledby="{heading_id}">(.*?)</section>', page, flags=re.S
    )
    assert match, f"no section {heading_id}"
    return match.group(1)


def _item(section: str, title: str) -> str:
    """One item's HTML (its <li>) in a list section."""
    for li in re.findall(r'<li class="civic-item">(.*?)</li>', section, flags=re.S):
        if f">{title}</a>" in li:
            return li
    raise AssertionError(f"{title!r} not listed")


@pytest.fixture
def world():
    """One open thing of each kind, each in its own area, and things that are not open."""
    vote, moderator, vote_area = make_proposal(ProposalState.VOTING)
    vote.title = "Outsource the Riverside pool"
    round_, _, projects = make_round(phase=Phase.VOTING)
    round_.title = "Millbrook 2027"
    consultation, _, questions = make_consultation()
    consultation.title = "Bins in Northgate"
    # not open: a draft proposal, a consultation not yet opened, a vote past its closing
    # time that `civic tick` has not closed yet, and a consultation closed early
    draft, _, _ = make_proposal(ProposalState.DRAFT)
    draft.title = "A draft nobody may see"
    overdue, _, _ = make_proposal(ProposalState.VOTING)
    overdue.title = "A vote past its closing time"
    overdue.voting_until = utcnow() - timedelta(minutes=5)
    unopened, _, _ = make_consultation(open_=False)
    unopened.title = "A consultation still being written"
    closed, closer, _ = make_consultation()
    closed.title = "A consultation closed early"
    consultations.close_consultation(closer, closed, reason=REASON)
    db.session.flush()
    return {
        "vote": vote,
        "round": round_,
        "projects": projects,
        "consultation": consultation,
        "questions": questions,
        "moderator": moderator,
        "areas": {
            "vote": vote_area,
            "round": round_.area,
            "consultation": consultation.area,
        },
    }


def test_open_things_are_listed_and_others_are_not(client, world) -> None:
    page = client.get("/").get_data(as_text=True)
    open_now = _section(page, "open-now")
    for title in ("Outsource the Riverside pool", "Millbrook 2027", "Bins in Northgate"):
        assert f">{title}</a>" in open_now
    for title in (
        "A draft nobody may see",
        "A vote past its closing time",
        "A consultation still being written",
        "A consultation closed early",
    ):
        assert title not in page
    vote = _item(open_now, "Outsource the Riverside pool")
    assert "Public vote on outsourcing a service" in vote
    assert world["areas"]["vote"].name in vote
    # it closes in 7 days, less the moments the test took: whole days, rounded down
    assert "(in 6 days)" in vote
    assert f'datetime="{aware(world["vote"].voting_until).isoformat()}"' in vote
    # signed out: nothing about participation, anyone's
    assert "You have" not in open_now


def test_rounds_in_ideas_are_open_for_ideas(client) -> None:
    round_, _, _ = make_round(phase=Phase.IDEAS)
    round_.title = "Ideas for Holbeck"
    round_.review_from = utcnow() + timedelta(days=4, hours=1)
    # still in ideas by state, but its published ideas deadline has passed (the scheduled
    # tick moves it on): not offered as open
    late, _, _ = make_round(phase=Phase.IDEAS)
    late.title = "Ideas overdue for review"
    db.session.flush()
    page = client.get("/").get_data(as_text=True)
    item = _item(_section(page, "open-now"), "Ideas for Holbeck")
    assert "Community budget: ideas wanted" in item
    assert "(in 4 days)" in item
    assert "Ideas overdue for review" not in page


def test_a_signed_in_residents_areas_come_first(client, world) -> None:
    # the consultation closes last of the three, but it is in the resident's area
    resident = resident_of(world["areas"]["consultation"])
    login(client, resident)
    page = client.get("/").get_data(as_text=True)
    open_now = _section(page, "open-now")
    yours, elsewhere = open_now.split("Elsewhere</h3>")
    assert ">Bins in Northgate</a>" in yours
    assert "Outsource the Riverside pool" not in yours
    assert ">Outsource the Riverside pool</a>" in elsewhere
    assert ">Millbrook 2027</a>" in elsewhere
    # they may respond here; elsewhere they cannot vote, so they are not told they have not
    assert "You have not responded" in _item(yours, "Bins in Northgate")
    away = _item(elsewhere, "Outsource the Riverside pool")
    assert "You have not voted" not in away
    assert f"For residents of {world['areas']['vote'].name}" in away


def test_each_kind_of_participation_is_shown_to_the_person_only(client, world) -> None:
    vote_area = world["areas"]["vote"]
    resident = resident_of(vote_area)
    _eligible(resident, world["areas"]["round"], world["areas"]["consultation"])
    other = resident_of(vote_area)
    _eligible(other, world["areas"]["round"], world["areas"]["consultation"])
    votes.cast_vote(resident, world["vote"], "against")
    budgets.cast_ballot(resident, world["round"], [(world["projects"][0].id, 1)])
    consultations.save_response(
        resident, world["consultation"], _answers(world["questions"]), submit=True
    )
    db.session.flush()

    login(client, resident)
    mine = _section(client.get("/").get_data(as_text=True), "open-now")
    assert "You have voted" in _item(mine, "Outsource the Riverside pool")
    assert "You have cast a ballot" in _item(mine, "Millbrook 2027")
    assert "You have responded" in _item(mine, "Bins in Northgate")
    # the choice itself is never on the page
    assert "against" not in _item(mine, "Outsource the Riverside pool")

    client.post("/accounts/sign-out", data={})  # a fresh client is simpler than the form
    other_client = client.application.test_client()
    login(other_client, other)
    theirs = _section(other_client.get("/").get_data(as_text=True), "open-now")
    assert "You have not voted" in _item(theirs, "Outsource the Riverside pool")
    assert "You have not cast a ballot" in _item(theirs, "Millbrook 2027")
    assert "You have not responded" in _item(theirs, "Bins in Northgate")
    assert "You have voted" not in theirs


def test_a_draft_response_and_proposed_ideas(world) -> None:
    resident = resident_of(world["areas"]["consultation"])
    consultations.save_response(
        resident, world["consultation"], _answers(world["questions"]), submit=False
    )
    ideas, _, _ = make_round(phase=Phase.IDEAS)
    ideas.title = "Ideas for Holbeck"
    ideas.review_from = utcnow() + timedelta(days=3)
    _eligible(resident, ideas.area)
    for title in ("A bench", "A bin"):
        budgets.propose_project(
            resident, ideas, title=title, description="Somewhere to sit", cost_units=100
        )
    db.session.flush()
    items = {i.title: i for i in whats_open.open_now(whats_open.viewer_for(resident))}
    assert items["Bins in Northgate"].participation == "You saved a draft response, not yet sent"
    assert items[ideas.title].participation == "You proposed 2 ideas"
    # ideas do not count as a ballot once voting opens
    assert items["Millbrook 2027"].participation == ""
    assert items["Millbrook 2027"].not_yet == "You have not cast a ballot"


def test_a_secret_vote_is_found_only_with_the_voters_own_key(world) -> None:
    voter, onlooker = resident_of(world["areas"]["vote"]), resident_of(world["areas"]["vote"])
    votes.cast_vote(voter, world["vote"], "for")
    db.session.flush()
    seen_by = {
        person: {
            i.title: i.participation for i in whats_open.open_now(whats_open.viewer_for(person))
        }
        for person in (voter, onlooker)
    }
    assert seen_by[voter]["Outsource the Riverside pool"] == "You have voted"
    assert seen_by[onlooker]["Outsource the Riverside pool"] == ""
    anonymous = whats_open.open_now(whats_open.viewer_for(None))
    assert {i.participation for i in anonymous} == {None}


def test_recent_decisions_newest_first(client, world) -> None:
    moderator = world["moderator"]
    vote = world["vote"]
    votes.close_vote(moderator, vote, reason=REASON)
    votes.record_decision(moderator, vote, "in_house", "Residents voted against")
    counted, _, _ = make_round(phase=Phase.RESULTS)
    counted.title = "Northgate grants 2026"
    consultation = world["consultation"]
    consultations.close_consultation(moderator, consultation, reason=REASON)
    consultations.publish_reply(moderator, consultation, "You said weekly; we will keep it.")
    db.session.flush()
    # the order they were decided in, made unambiguous
    now = utcnow()
    vote.decided_at = now - timedelta(days=3)
    counted_result = db.session.get(RoundResult, counted.id)
    counted_result.computed_at = now - timedelta(days=2)
    consultation.replied_at = now - timedelta(days=1)
    db.session.flush()

    page = client.get("/").get_data(as_text=True)
    decided = _section(page, "recent-decisions")
    titles = re.findall(r'<h3 class="govuk-heading-s[^"]*"><a [^>]*>([^<]+)</a>', decided)
    assert titles[:3] == [
        "Bins in Northgate",
        "Northgate grants 2026",
        "Outsource the Riverside pool",
    ]
    assert "the service stays in-house" in _item(decided, "Outsource the Riverside pool")
    assert "Published what we heard" in _item(decided, "Bins in Northgate")
    assert "chosen by" in _item(decided, "Northgate grants 2026")
    assert f"/budgets/{counted.slug}/results" in _item(decided, "Northgate grants 2026")
    # a consultation closed without its reply yet is not a decision
    assert "A consultation closed early" not in decided
    # the audit log is a link, not a dump of entries
    assert "/audit" in page and "Latest in the audit log" not in page


def test_the_area_page_lists_only_its_own(client, world) -> None:
    area = world["areas"]["vote"]
    page = client.get(f"/accounts/areas/{area.slug}").get_data(as_text=True)
    open_here = _section(page, "open-now")
    assert ">Outsource the Riverside pool</a>" in open_here
    assert "Millbrook 2027" not in page
    assert "Bins in Northgate" not in page
    assert "Nothing has been decided" in _section(page, "recent-decisions")
    # the page leads with them: before the area's facts
    assert page.index('id="open-now"') < page.index("Postcode districts")


def test_dashboard_for_someone_not_yet_eligible(client) -> None:
    person = UserFactory()
    login(client, person)
    page = client.get("/me").get_data(as_text=True)
    assert "You cannot vote in any area yet" in page
    assert 'href="/accounts/eligibility"' in page


def test_dashboard_per_area_with_past_participation_and_groups(client, world) -> None:
    moderator = world["moderator"]
    area = world["areas"]["vote"]
    resident = resident_of(area)
    group = GroupFactory(area=area, name="Riverside Tenants")
    db.session.add(GroupMembership(group_id=group.id, user_id=resident.id, role=GroupRole.MEMBER))
    # a group elsewhere: that area is theirs too, though they cannot vote there
    away = GroupFactory(area=world["areas"]["round"], name="Millbrook TRA")
    db.session.add(GroupMembership(group_id=away.id, user_id=resident.id, role=GroupRole.ORGANISER))
    votes.cast_vote(resident, world["vote"], "for")
    second, _, _ = make_proposal(ProposalState.VOTING)
    second.area = area
    second.title = "Sell the Riverside depot"
    db.session.flush()
    votes.close_vote(moderator, world["vote"], reason=REASON)
    db.session.flush()

    login(client, resident)
    page = client.get("/me").get_data(as_text=True)
    panel = _section(page, f"area-{area.slug}")
    open_here, took_part = panel.split("You took part</h3>")
    assert ">Sell the Riverside depot</a>" in open_here
    assert "You have not voted" in open_here
    assert ">Outsource the Riverside pool</a>" in took_part
    assert "You have voted" in took_part
    assert "the council&#39;s decision is to follow" in took_part
    assert "Riverside Tenants" in panel and "(member)" in panel
    other = _section(page, f"area-{world['areas']['round'].slug}")
    assert "Millbrook TRA" in other and "(organiser)" in other
    assert "cannot vote in" in other
    assert ">Millbrook 2027</a>" in other
    assert "You have not cast a ballot" not in other
    # areas the person has nothing to do with are not on their dashboard
    assert f"area-{world['areas']['consultation'].slug}" not in page


def test_dashboard_needs_sign_in(client) -> None:
    response = client.get("/me")
    assert response.status_code == 302
    assert "/accounts/sign-in" in response.headers["Location"]


def test_header_links_to_the_dashboard_when_signed_in(client) -> None:
    assert 'href="/me"' not in client.get("/").get_data(as_text=True)
    login(client, UserFactory())
    assert re.search(
        r'<a class="govuk-link govuk-body-s" href="/me"[^>]*>Your areas</a>',
        client.get("/").get_data(as_text=True),
    )


@pytest.mark.parametrize(
    ("left", "words"),
    [
        (timedelta(days=3, hours=5), "in 3 days"),
        (timedelta(days=1), "in 1 day"),
        (timedelta(hours=23, minutes=59), "in 23 hours"),
        (timedelta(hours=1), "in 1 hour"),
        (timedelta(minutes=59), "within the hour"),
        (timedelta(seconds=-1), "already"),
    ],
)
def test_closes_in_words(left: timedelta, words: str) -> None:
    now = utcnow()
    assert whats_open.closes_in(now + left, now) == words


# --- a bounded number of queries ---------------------------------------------------------


def _add_areas(resident, n: int) -> list:
    """`n` areas, each with an open vote, a round in voting, an open consultation and a
    closed vote, and `n` quiet areas with only a closed vote (nothing open there loads their
    area for the decisions); the resident is eligible in all and took part in everything."""
    areas = []
    for _ in range(n):
        vote, moderator, area = make_proposal(ProposalState.VOTING)
        closed, _, _ = make_proposal(ProposalState.VOTING)
        closed.area = area
        round_, _, projects = make_round(phase=Phase.VOTING)
        round_.area = area
        consultation, _, questions = make_consultation()
        consultation.area = area
        db.session.flush()
        _eligible(resident, area)
        votes.cast_vote(resident, vote, "for")
        votes.cast_vote(resident, closed, "for")
        votes.close_vote(moderator, closed, reason=REASON)
        budgets.cast_ballot(resident, round_, [(projects[0].id, 1)])
        consultations.save_response(resident, consultation, _answers(questions), submit=True)
        quiet, quiet_moderator, quiet_area = make_proposal(ProposalState.VOTING)
        _eligible(resident, quiet_area)
        votes.cast_vote(resident, quiet, "for")
        votes.close_vote(quiet_moderator, quiet, reason=REASON)
        areas.append(area)
    db.session.flush()
    return areas


def _queries(client, path: str) -> int:
    with statements() as seen:
        response = client.get(path)
    assert response.status_code == 200
    return len(seen)


def test_query_count_does_not_grow_with_areas(client) -> None:
    resident = UserFactory()
    areas = _add_areas(resident, 3)
    login(client, resident)
    anonymous = client.application.test_client()
    paths = ["/", "/me", f"/accounts/areas/{areas[0].slug}"]

    def count_all() -> dict[str, int]:
        counts = {path: _queries(client, path) for path in paths}
        return counts | {"/ signed out": _queries(anonymous, "/")}

    few = count_all()
    page = client.get("/me").get_data(as_text=True)
    assert page.count("You have voted") == 9  # per area: the open, the closed, the quiet

    _add_areas(resident, 9)
    many = count_all()
    page = client.get("/me").get_data(as_text=True)
    assert page.count("You have voted") == 36
    assert page.count("You have cast a ballot") == 12
    assert min(few.values()) > 5, f"the listener saw the statements: {few}"
    print(f"statements per page, 3 and 12 areas: {few}")
    assert many == few, f"3 areas: {few}, 12 areas: {many}"


def test_a_consultation_for_everyone_signed_in_asks_anyone() -> None:
    consultation, _, _ = make_consultation(audience=Audience.SIGNED_IN)
    for_residents, _, _ = make_consultation()
    newcomer = UserFactory()  # eligible nowhere
    items = {i.ident: i for i in whats_open.open_now(whats_open.viewer_for(newcomer))}
    everyone = items[consultation.id]
    assert everyone.what == "Consultation open to everyone with an account"
    assert everyone.can_take_part and everyone.participation == ""
    assert not items[for_residents.id].can_take_part
