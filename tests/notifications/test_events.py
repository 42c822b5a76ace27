"""The domains tell people (civic.notifications.events): each kind reaches the right people
and not the wrong ones, and taking part follows the thing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from civic.accounts import services as accounts
from civic.accounts.models import utcnow
from civic.budgets import services as budgets
from civic.budgets.models import Phase
from civic.consultations import services as consultations
from civic.contracts.recall import services as recall
from civic.discussions import services as discussions
from civic.extensions import db
from civic.notifications import feed
from civic.notifications.kinds import Kind
from civic.notifications.models import Notification
from civic.votes import services as votes
from civic.votes.models import ProposalState
from tests.budgets.rounds_helpers import enter_paper, make_round, resident_of
from tests.consultations.helpers import make_consultation
from tests.factories import (
    AreaFactory,
    ContractFactory,
    GroupFactory,
    ModeratorFactory,
    UserFactory,
)
from tests.votes.helpers import complete_case, make_proposal
from tests.world import _round


def told(event: str) -> set[int]:
    return set(db.session.scalars(select(Notification.user_id).where(Notification.event == event)))


def notice(event: str, user) -> Notification:
    found = db.session.scalar(
        select(Notification).where(Notification.event == event, Notification.user_id == user.id)
    )
    assert found is not None, f"{user.id} was not told of {event}"
    return found


def follows(user, thing) -> bool:
    return feed.is_following(user, thing)


# --- follows made by taking part ------------------------------------------------------


def test_becoming_eligible_by_a_moderators_check_follows_the_area():
    area, moderator, resident = AreaFactory(), ModeratorFactory(), UserFactory()
    accounts.confirm_eligibility(moderator, resident, area, "Saw a council tax bill")
    assert follows(resident, area)
    assert not follows(moderator, area)
    assert all(f.auto for f in feed.follows(resident))


def test_becoming_eligible_by_a_letter_code_follows_the_area():
    area, moderator, resident = AreaFactory(), ModeratorFactory(), UserFactory()
    _batch, codes = accounts.generate_codes(moderator, area, count=1, valid_days=30)
    accounts.redeem_code(resident, codes[0])
    assert follows(resident, area)


def test_voting_on_a_proposal_follows_it():
    proposal, _moderator, area = make_proposal(ProposalState.VOTING)
    voter = resident_of(area)
    votes.cast_vote(voter, proposal, "for")
    votes.cast_vote(voter, proposal, "against")  # a change: still one follow
    assert [f.target for f in feed.follows(voter)] == [f"proposal:{proposal.id}"]


def test_an_online_ballot_follows_the_round_and_a_paper_one_follows_nothing():
    round_, moderator, projects = make_round()
    online, paper = resident_of(round_.area), resident_of(round_.area)
    budgets.cast_ballot(online, round_, [(projects[0].id, 1)])
    enter_paper(moderator, round_, [(projects[1].id, 1)], paper)
    assert follows(online, round_)
    assert feed.follows(paper) == []
    assert not follows(moderator, round_)


def test_submitting_a_project_follows_the_project_and_its_round():
    round_, _moderator, _projects = make_round(phase=Phase.IDEAS)
    proposer = resident_of(round_.area)
    project = budgets.propose_project(
        proposer, round_, title="Benches", description="By the river", cost_units=100
    )
    assert follows(proposer, project) and follows(proposer, round_)


def test_responding_to_a_consultation_follows_it():
    consultation, _moderator, q = make_consultation()
    resident = resident_of(consultation.area)
    consultations.save_response(resident, consultation, {q["single"].id: "0"}, submit=True)
    assert follows(resident, consultation)


def test_commenting_follows_the_threads_subject():
    proposal, _moderator, area = make_proposal(ProposalState.CONSULTATION)
    resident = resident_of(area)
    discussions.post_comment(resident, "proposal", str(proposal.id), "What about the staff?")
    assert follows(resident, proposal)


def test_signing_a_recall_petition_follows_the_contract():
    area = AreaFactory()
    contract = ContractFactory(area=area)
    resident = resident_of(area)
    recall.sign(resident, contract)
    assert follows(resident, contract)


# --- opened and results ---------------------------------------------------------------


def test_a_proposal_opening_tells_followers_of_its_area_and_itself_not_others():
    proposal, moderator, area = make_proposal(ProposalState.DRAFT)
    area_follower, thing_follower, elsewhere, stranger = (UserFactory() for _ in range(4))
    feed.follow(area_follower, area)
    feed.follow(thing_follower, proposal)
    feed.follow(elsewhere, AreaFactory())
    complete_case(moderator, proposal)
    votes.set_vote_rules(moderator, proposal, quorum_percent=20, majority="simple", hide_tally=True)
    votes.open_consultation(moderator, proposal, 28)
    consulting = f"proposal-consultation:{proposal.id}"
    assert told(consulting) == {area_follower.id, thing_follower.id}
    assert notice(consulting, area_follower).title == (
        f"Consultation has opened: {proposal.title} in {area.name}"
    )
    proposal.consultation_from = utcnow() - timedelta(days=29)
    votes.open_voting(moderator, proposal, utcnow() + timedelta(days=7))
    opened = notice(f"proposal-voting:{proposal.id}", thing_follower)
    assert opened.kind is Kind.OPENED
    assert opened.title == f"Voting has opened: {proposal.title} in {area.name}"
    assert opened.url == f"/votes/{proposal.id}"
    assert stranger.id not in told(f"proposal-voting:{proposal.id}")


def test_closing_a_vote_and_recording_the_decision_tell_followers_not_the_voters_choice():
    proposal, moderator, area = make_proposal(ProposalState.VOTING)
    voter, follower = resident_of(area), UserFactory()
    feed.follow(follower, area)
    votes.cast_vote(voter, proposal, "for")
    votes.close_vote(moderator, proposal, reason="Enough for the test")
    result = notice(f"proposal-result:{proposal.id}", voter)  # voting followed it
    assert result.kind is Kind.RESULT
    assert follower.id in told(f"proposal-result:{proposal.id}")
    assert "for" not in result.title.split()
    votes.record_decision(moderator, proposal, "in_house", "The vote did not reach its quorum")
    decided = notice(f"proposal-decision:{proposal.id}", follower)
    assert decided.title.startswith("The council has decided: ")
    assert decided.text


def test_a_group_round_opening_voting_tells_area_round_and_group_followers():
    round_, moderator, projects = make_round(phase=Phase.REVIEW)
    proposer = projects[0].proposer_id  # proposing followed the round
    group = GroupFactory(area=round_.area)
    round_.group_id = group.id
    db.session.flush()
    db.session.expire(round_, ["group"])
    by_group, by_round, by_area, other = (UserFactory() for _ in range(4))
    feed.follow(by_group, group)
    feed.follow(by_round, round_)
    feed.follow(by_area, round_.area)
    feed.follow(other, GroupFactory())
    budgets.advance_phase(moderator, round_, Phase.VOTING, reason="Ready early")
    assert told(f"budget-voting:{round_.id}") == {by_group.id, by_round.id, by_area.id, proposer}
    budgets.advance_phase(moderator, round_, Phase.RESULTS, reason="Counting early")
    results = notice(f"budget-results:{round_.id}", by_group)
    assert results.kind is Kind.RESULT and results.url == f"/budgets/{round_.slug}/results"
    assert other.id not in told(f"budget-results:{round_.id}")


def test_a_new_round_tells_the_areas_followers_ideas_are_open():
    area = AreaFactory()
    follower = UserFactory()
    feed.follow(follower, area)
    round_, _ = _round(ModeratorFactory(), area, "ideas-round", Phase.IDEAS)
    assert notice(f"budget-ideas:{round_.id}", follower).title.startswith("Ideas are open: ")


def test_a_consultation_opening_and_closing_tell_its_followers():
    consultation, moderator, _q = make_consultation(open_=False)
    follower, stranger = UserFactory(), UserFactory()
    feed.follow(follower, consultation.area)
    consultations.open_consultation(moderator, consultation)
    assert told(f"consultation-open:{consultation.id}") == {follower.id}
    consultations.close_consultation(moderator, consultation, reason="Early for the test")
    closed = notice(f"consultation-results:{consultation.id}", follower)
    assert closed.kind is Kind.RESULT
    assert closed.url == f"/consultations/{consultation.id}/analysis"
    assert stranger.id not in told(f"consultation-results:{consultation.id}")


# --- you said, we did -----------------------------------------------------------------


def test_you_said_reaches_those_who_responded_and_nobody_else():
    consultation, moderator, q = make_consultation()
    answered, drafted, follower = (resident_of(consultation.area) for _ in range(3))
    feed.follow(follower, consultation)
    consultations.save_response(answered, consultation, {q["single"].id: "1"}, submit=True)
    consultations.save_response(drafted, consultation, {q["scale"].id: "3"}, submit=False)
    consultations.close_consultation(moderator, consultation, reason="Early for the test")
    consultations.publish_reply(moderator, consultation, "You asked for weekly bins; we agree.")
    event = f"you-said:{consultation.id}"
    assert told(event) == {answered.id}
    assert notice(event, answered).kind is Kind.YOU_SAID
    # publishing an amended reply tells nobody twice
    consultations.publish_reply(moderator, consultation, "Updated: weekly bins from May.")
    rows = db.session.scalars(select(Notification).where(Notification.event == event)).all()
    assert [row.user_id for row in rows] == [answered.id]


# --- replies --------------------------------------------------------------------------


def test_a_reply_tells_the_parents_author_not_the_replier_nor_the_root():
    area = AreaFactory()
    root_author, parent_author, replier = (resident_of(area) for _ in range(3))
    root = discussions.post_comment(root_author, "area", area.slug, "Bins are late")
    parent = discussions.post_comment(parent_author, "area", area.slug, "Ours too", root.id)
    reply = discussions.post_comment(replier, "area", area.slug, "Ask the council", parent.id)
    event = f"reply:{reply.id}"
    assert told(event) == {parent_author.id}
    shown = notice(event, parent_author)
    assert shown.title == f"{replier.display_name} replied to your comment on {area.name}"
    assert shown.url == f"/discussions/comments/{root.id}#comment-{reply.id}"
    # the root's author heard of the first reply only (it was to them)
    assert told(f"reply:{parent.id}") == {root_author.id}


def test_replying_to_yourself_tells_nobody():
    area = AreaFactory()
    author = resident_of(area)
    first = discussions.post_comment(author, "area", area.slug, "Bins are late")
    again = discussions.post_comment(author, "area", area.slug, "Still late", first.id)
    assert told(f"reply:{again.id}") == set()


# --- projects reviewed ----------------------------------------------------------------


@pytest.mark.parametrize("feasible", [True, False])
def test_a_review_tells_the_proposer_only_with_the_reason(feasible):
    round_, moderator, _projects = make_round(phase=Phase.IDEAS)
    proposer, follower = resident_of(round_.area), UserFactory()
    feed.follow(follower, round_)
    project = budgets.propose_project(
        proposer, round_, title="Benches", description="By the river", cost_units=100
    )
    budgets.review_project(
        moderator, project, feasible=feasible, reason="" if feasible else "Not council land"
    )
    event = f"project-review:{project.id}:{'feasible' if feasible else 'rejected'}"
    assert told(event) == {proposer.id}
    shown = notice(event, proposer)
    assert shown.kind is Kind.PROJECT_REVIEWED
    if feasible:
        assert shown.title == "Your project is feasible: Benches"
    else:
        assert shown.title == "Your project is not accepted: Benches"
        assert shown.text == "The reason given: Not council land"


# --- reports (moderators) -------------------------------------------------------------


def _reports(comment) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(Notification.event.like(f"reports:{comment.id}:%"))
        )
    )


def test_reports_tell_moderators_once_per_comment_until_handled():
    area = AreaFactory()
    moderator, reporting_moderator = ModeratorFactory(), ModeratorFactory()
    author, first, second = (resident_of(area) for _ in range(3))
    comment = discussions.post_comment(author, "area", area.slug, "Rude words")
    discussions.flag_comment(first, comment, "abuse")
    discussions.flag_comment(second, comment, "spam")
    assert {n.user_id for n in _reports(comment)} == {moderator.id, reporting_moderator.id}
    assert all(n.kind is Kind.REPORTS and "Rude" not in n.title for n in _reports(comment))
    discussions.restore_comment(moderator, comment, "Not abusive")
    # a new report after the decision is a new episode; the reporter is not told of it
    discussions.flag_comment(reporting_moderator, comment, "abuse")
    by_event: dict[str, set[int]] = {}
    for n in _reports(comment):
        by_event.setdefault(n.event, set()).add(n.user_id)
    assert len(by_event) == 2
    newest = max(by_event, key=lambda e: int(e.rsplit(":", 1)[1]))
    assert by_event[newest] == {moderator.id}
    assert not {author.id, first.id, second.id} & {n.user_id for n in _reports(comment)}


# --- the transaction ------------------------------------------------------------------


def test_a_change_rolled_back_tells_nobody():
    proposal, moderator, area = make_proposal(ProposalState.CONSULTATION)
    follower = UserFactory()
    feed.follow(follower, area)
    proposal.consultation_from = utcnow() - timedelta(days=29)
    db.session.flush()
    savepoint = db.session.begin_nested()
    votes.open_voting(moderator, proposal, utcnow() + timedelta(days=7))
    assert told(f"proposal-voting:{proposal.id}") == {follower.id}
    savepoint.rollback()
    assert told(f"proposal-voting:{proposal.id}") == set()


def test_long_names_are_clipped_so_the_change_still_happens():
    proposal, moderator, area = make_proposal(ProposalState.VOTING)
    area.name = "A" * 120
    proposal.title = "T" * 200
    follower = UserFactory()
    feed.follow(follower, area)
    votes.close_vote(moderator, proposal, reason="Early for the test")
    shown = notice(f"proposal-result:{proposal.id}", follower)
    assert len(shown.title) == 300 and shown.title.endswith("…")
    assert proposal.state is ProposalState.CLOSED
