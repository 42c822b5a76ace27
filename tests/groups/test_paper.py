"""Paper votes on group motions and paper ballots in group elections (civic.groups.paper)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from civic import audit
from civic.accounts.models import GroupMembership, GroupRole, utcnow
from civic.audit.models import AuditEntry
from civic.contests import flow
from civic.contests.states import ContestState
from civic.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from civic.extensions import db
from civic.groups import elections, motions
from civic.groups import paper as group_paper
from civic.groups import paper_contests as group_contests
from civic.groups.election_models import ElectionBallot
from civic.groups.models import MotionVote
from civic.groups.paper_models import GroupPaperContest
from civic.notifications.kinds import Kind
from civic.notifications.models import Notification
from tests.factories import ModeratorFactory, UserFactory
from tests.groups import election_helpers
from tests.groups.helpers import finish, make_group, voting_motion
from tests.races import log_of

CHECK = "known to me at the meeting"


def _named(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


@pytest.fixture
def motion_desk():
    group, organiser, people = make_group(members=4, quorum_rule="none", quorum_value=0)
    motion = voting_motion(group, people[0])
    group_paper.issue(organiser, motion, 10)
    return motion, organiser, people


def _enter(officer, subject, member, number, choices=("for",)):
    return group_paper.enter(
        officer,
        subject,
        choices=list(choices),
        paper_number=str(number),
        email=member.email,
        check=CHECK,
    )


def _rows(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- printing -------------------------------------------------------------------------------


def test_printing_reserves_fresh_numbers_logged_under_the_group(motion_desk):
    motion, organiser, people = motion_desk
    assert group_paper.issue(organiser, motion, 5) == (11, 15)
    assert motion.papers_issued == 15
    printed = [e for e in log_of("group", motion.group.slug) if e[1] == "paper:print"]
    assert [data for _actor, _action, data in printed] == [
        {"motion": motion.id, "first": 1, "last": 10},
        {"motion": motion.id, "first": 11, "last": 15},
    ]
    with pytest.raises(ValidationFailed):
        group_paper.issue(organiser, motion, 0)
    with pytest.raises(PermissionDenied):  # a member is not an officer
        group_paper.issue(people[0], motion, 5)
    assert group_paper.issue(ModeratorFactory(), motion, 1) == (16, 16)


def test_election_papers_are_printed_only_once_the_candidates_are_fixed():
    group, organiser, _people = election_helpers.make_group()
    election = election_helpers.call(organiser, group)
    with pytest.raises(Conflict, match="once voting opens"):
        group_paper.issue(organiser, election, 5)
    election_helpers.open_voting(election)
    assert group_paper.issue(organiser, election, 5) == (1, 5)


# --- entering a motion vote -----------------------------------------------------------------


def test_an_organiser_enters_a_members_paper_vote(motion_desk):
    motion, organiser, people = motion_desk
    vote = _enter(organiser, motion, people[1], f"M{motion.id}-0003", ["against"])
    assert (vote.paper, vote.paper_number, vote.entered_by_id) == (True, 3, organiser.id)
    assert vote.choice == "against" and vote.paper_check == CHECK
    # the same voter key as online: the member's own receipt shows on the motion's page
    assert motions.my_receipt(motion, people[1]) == vote.receipt
    # the officer's act is named, under the group, with the paper number and not the choice
    (entered,) = _named("paper:enter")
    assert entered.actor == audit.pseudonym(organiser.id)
    assert entered.subject_type == "group"
    assert b"against" not in bytes(entered.body) and f"M{motion.id}-0003".encode() in bytes(
        entered.body
    )
    # the vote itself is the private act it is online
    audit.release_pending()
    (cast,) = _named("motion:vote_cast")
    assert cast.actor == audit.pseudonym(people[1].id, f"group_motion:{motion.id}")
    # the member is told, with a link to their paper's page
    (note,) = db.session.scalars(
        select(Notification).where(
            Notification.user_id == people[1].id, Notification.kind == Kind.PAPER
        )
    )
    assert note.url == f"/paper/groups/{motion.group.slug}/motion/{motion.id}/mine"
    # and the close counts it
    finish(motion)
    motions.close(organiser, motion)
    assert (motion.votes_for, motion.votes_against) == (0, 1)


def test_the_member_is_told_in_their_language(motion_desk):
    motion, organiser, people = motion_desk
    people[2].locale = "cy"
    db.session.flush()
    _enter(organiser, motion, people[2], 1)
    (note,) = db.session.scalars(
        select(Notification).where(
            Notification.user_id == people[2].id, Notification.kind == Kind.PAPER
        )
    )
    assert note.title.startswith("Cofnodwyd pleidlais ar bapur ar eich rhan")


def test_every_field_is_checked_at_once_and_nothing_is_written(motion_desk):
    motion, organiser, _people = motion_desk
    with pytest.raises(ValidationFailed) as failure:
        group_paper.enter(organiser, motion, choices=["maybe"], paper_number="99", email="")
    assert set(failure.value.errors) == {"email", "check", "paper_number", "choice"}
    assert _rows(MotionVote) == 0


def test_a_number_never_printed_or_of_another_subject_is_refused(motion_desk):
    motion, organiser, people = motion_desk
    with pytest.raises(ValidationFailed) as failure:
        _enter(organiser, motion, people[0], 11)
    assert "papers 1 to 10 were printed" in failure.value.errors["paper_number"]
    with pytest.raises(ValidationFailed) as failure:
        _enter(organiser, motion, people[0], f"V{motion.id}-0002")
    assert "paper_number" in failure.value.errors
    assert _rows(MotionVote) == 0


def test_the_same_paper_number_twice_is_refused(motion_desk):
    motion, organiser, people = motion_desk
    _enter(organiser, motion, people[0], 4)
    with pytest.raises(group_paper.DuplicatePaper, match=f"M{motion.id}-0004"):
        _enter(organiser, motion, people[1], 4)
    assert _rows(MotionVote) == 1


def test_the_database_refuses_a_paper_number_twice(motion_desk):
    """The constraint, not the check in Python, keeps one paper entered once."""
    motion, organiser, people = motion_desk
    _enter(organiser, motion, people[0], 4)
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(
            MotionVote(
                motion_id=motion.id,
                voter_key="x" * 64,
                choice="for",
                receipt="ABCD-EFGH-JKLM-NPQR",
                cast_at=utcnow(),
                paper=True,
                paper_number=4,
            )
        )
        db.session.flush()


def test_paper_after_online_and_online_after_paper_are_refused(motion_desk):
    motion, organiser, people = motion_desk
    motions.cast(people[0], motion, "for")
    with pytest.raises(Conflict, match="already voted online"):
        _enter(organiser, motion, people[0], 1)
    _enter(organiser, motion, people[1], 2)
    with pytest.raises(Conflict, match="already voted"):
        motions.cast(people[1], motion, "against")
    with pytest.raises(Conflict, match="already entered"):
        _enter(organiser, motion, people[1], 3)
    assert _rows(MotionVote) == 2


def test_after_the_close_nothing_is_entered(motion_desk):
    motion, organiser, people = motion_desk
    finish(motion)
    motions.close(organiser, motion)
    with pytest.raises(Conflict, match="closed"):
        _enter(organiser, motion, people[0], 1)
    assert _rows(MotionVote) == 0


def test_who_enters_and_for_whom(motion_desk):
    motion, organiser, people = motion_desk
    # a member, a resident outside the group, a visitor: not officers
    for actor in (people[0], UserFactory(), None):
        with pytest.raises(PermissionDenied):
            _enter(actor, motion, people[1], 1)
    # an officer does not enter their own vote
    with pytest.raises(ValidationFailed) as failure:
        _enter(organiser, motion, organiser, 1)
    assert "own vote" in failure.value.errors["email"]
    # nor one for someone who was not a member when voting opened, or has left
    outsider = UserFactory()
    with pytest.raises(ValidationFailed, match="cannot vote here"):
        _enter(organiser, motion, outsider, 1)
    db.session.execute(
        GroupMembership.__table__.delete().where(GroupMembership.user_id == people[3].id)
    )
    with pytest.raises(ValidationFailed, match="cannot vote here"):
        _enter(organiser, motion, people[3], 1)
    # a moderator may enter the organiser's vote
    assert _enter(ModeratorFactory(), motion, organiser, 1).paper


# --- elections and recalls ------------------------------------------------------------------


def test_a_paper_ballot_in_an_election_and_its_refusals():
    group, organiser, people = election_helpers.make_group(members=5)
    election = election_helpers.call(organiser, group, seats=2)
    a = elections.stand(people[0], election, "A")
    b = elections.stand(people[1], election, "B")
    election_helpers.open_voting(election)
    group_paper.issue(organiser, election, 5)
    ballot = _enter(organiser, election, people[2], f"E{election.id}-0001", [str(a.id), str(b.id)])
    assert json.loads(ballot.choices) == sorted([a.id, b.id]) and ballot.paper
    assert elections.my_receipt(election, people[2]) == ballot.receipt
    with pytest.raises(ValidationFailed) as failure:  # the seats limit, by the field
        _enter(organiser, election, people[3], 2, [str(a.id), str(b.id), "999"])
    assert "candidates" in failure.value.errors
    with pytest.raises(Conflict, match="already voted"):
        elections.cast(people[2], election, [str(a.id)])
    elections.cast(people[3], election, [str(a.id)])
    with pytest.raises(Conflict, match="already voted online"):
        _enter(organiser, election, people[3], 3, [str(b.id)])
    # a member who joined after voting opened does not vote
    late = UserFactory()
    db.session.add(
        GroupMembership(
            group_id=group.id, user_id=late.id, role=GroupRole.MEMBER, joined_at=utcnow()
        )
    )
    db.session.flush()
    with pytest.raises(ValidationFailed, match="cannot vote here"):
        _enter(organiser, election, late, 3, [str(b.id)])
    election_helpers.end_voting(election)
    with pytest.raises(Conflict, match="closed"):
        _enter(organiser, election, people[4], 4, [str(b.id)])
    elections.close(organiser, election)
    assert (a.votes, b.votes) == (2, 1)
    assert _rows(ElectionBallot) == 2


def test_a_paper_ballot_in_a_recall():
    group, organiser, people = election_helpers.make_group(members=5)
    recall = elections.start_recall(
        people[0],
        group,
        organiser_id=organiser.id,
        reason="Has not called a meeting all year",
        opens_at=utcnow() + timedelta(days=7),
        closes_at=utcnow() + timedelta(days=14),
    )
    elections.support(people[1], recall)
    election_helpers.open_voting(recall)
    moderator = ModeratorFactory()
    group_paper.issue(moderator, recall, 3)
    ballot = _enter(moderator, recall, people[2], f"R{recall.id}-0002", ["yes"])
    assert json.loads(ballot.choices) == ["yes"]
    with pytest.raises(ValidationFailed) as failure:
        _enter(moderator, recall, people[3], 3, ["perhaps"])
    assert "choice" in failure.value.errors


# --- counts ---------------------------------------------------------------------------------


def test_paper_and_online_counts_apart_only_after_the_close_and_when_publishable(app):
    group, organiser, people = make_group(members=6, quorum_rule="none", quorum_value=0)
    motion = voting_motion(group, people[0])
    group_paper.issue(organiser, motion, 10)
    for n, member in enumerate(people[:3], start=1):
        _enter(organiser, motion, member, n)
    for member in people[3:]:
        motions.cast(member, motion, "against")
    assert group_paper.split_counts(motion) is None  # not before the close
    finish(motion)
    motions.close(organiser, motion)
    assert group_paper.split_counts(motion) == {"paper": 3, "online": 3}
    app.config["MIN_ELECTORATE"] = 4
    try:
        assert group_paper.split_counts(motion) is None  # 3 could single people out
    finally:
        app.config["MIN_ELECTORATE"] = 0


def test_election_counts_apart_after_the_count():
    group, organiser, people = election_helpers.make_group(members=4)
    election = election_helpers.call(organiser, group)
    a = elections.stand(people[0], election, "A")
    election_helpers.open_voting(election)
    group_paper.issue(organiser, election, 2)
    _enter(organiser, election, people[1], 1, [str(a.id)])
    elections.cast(people[2], election, [str(a.id)])
    assert group_paper.split_counts(election) is None
    election_helpers.end_voting(election)
    elections.close(organiser, election)
    assert group_paper.split_counts(election) == {"paper": 1, "online": 1}


# --- contests -------------------------------------------------------------------------------


def test_a_removed_paper_lets_the_member_vote_again(motion_desk):
    motion, organiser, people = motion_desk
    vote = _enter(organiser, motion, people[0], 1, ["against"])
    assert group_paper.what_it_says(motion, vote) == "Against"
    with pytest.raises(NotFound):
        group_contests.contest(people[1], motion, "Not mine")  # nothing entered for them
    with pytest.raises(ValidationFailed):
        group_contests.contest(people[0], motion, "  ")
    row = group_contests.contest(people[0], motion, "I marked for, not against")
    assert row.voter_key == vote.voter_key and row.cast_id == vote.id
    with pytest.raises(Conflict, match="already contested"):
        group_contests.contest(people[0], motion, "Again")
    with pytest.raises(PermissionDenied):  # the officer is no moderator
        flow.resolve(organiser, row, "remove", "Sorry")
    moderator = ModeratorFactory()
    assert flow.resolve(moderator, row, "remove", "Removed: please vote again") is (
        ContestState.REMOVED
    )
    assert row.state is ContestState.REMOVED and row.cast_id is None
    assert group_paper.paper_entry(motion, people[0]) is None
    motions.cast(people[0], motion, "for")
    resolved = [e for e in log_of("group", motion.group.slug) if e[1] == "paper:contest_resolve"]
    assert resolved[0][2]["outcome"] == "removed" and "choice" not in resolved[0][2]


def test_a_kept_paper_stands_and_the_enterer_cannot_decide(motion_desk):
    motion, _organiser, people = motion_desk
    moderator = ModeratorFactory()
    _enter(moderator, motion, people[0], 1)
    row = group_contests.contest(people[0], motion, "Not what I meant")
    with pytest.raises(PermissionDenied, match="another moderator"):
        flow.resolve(moderator, row, "keep", "It stands")
    with pytest.raises(ValidationFailed) as failure:
        flow.resolve(ModeratorFactory(), row, "", "")
    assert set(failure.value.errors) == {"outcome", "response"}
    flow.resolve(ModeratorFactory(), row, "keep", "The paper shows a cross for")
    assert row.state is ContestState.KEPT
    assert group_paper.paper_entry(motion, people[0]) is not None
    with pytest.raises(Conflict, match="stands"):
        group_contests.contest(people[0], motion, "Still wrong")
    assert _rows(GroupPaperContest) == 1


def test_a_paper_is_not_removed_once_voting_has_closed(motion_desk):
    """The removal takes the motion's lock and checks after it that voting is open: a
    contest still waiting at the close leaves the counted paper where it is."""
    motion, organiser, people = motion_desk
    _enter(organiser, motion, people[0], 1, ["against"])
    row = group_contests.contest(people[0], motion, "Not mine")
    finish(motion)
    motions.close(organiser, motion)
    with pytest.raises(Conflict, match="stays counted"):
        flow.resolve(ModeratorFactory(), row, "remove", "Too late")
    assert row.state is ContestState.OPEN
    assert group_paper.paper_entry(motion, people[0]) is not None
    with pytest.raises(Conflict, match="count is final"):
        group_contests.contest(people[0], motion, "Again")


def test_the_database_keeps_one_open_contest_per_paper(motion_desk):
    motion, organiser, people = motion_desk
    _enter(organiser, motion, people[0], 1)
    first = group_contests.contest(people[0], motion, "Not mine")
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(
            GroupPaperContest(
                group_id=first.group_id,
                kind=first.kind,
                subject_id=first.subject_id,
                cast_id=first.cast_id,
                paper_number=first.paper_number,
                voter_key=first.voter_key,
                reason="Sent twice at once",
                state=ContestState.OPEN,
                response="",
            )
        )
    assert _rows(GroupPaperContest) == 1


def test_an_unused_letter_code_names_no_member_and_opens_no_account(motion_desk):
    """A desk may open a paper-only account for a public vote, never for a group's: every
    member registered, so a code nobody used cannot be one of theirs."""
    from civic.accounts import services as accounts
    from civic.accounts.models import User
    from tests.factories import AreaFactory

    motion, _organiser, _people = motion_desk
    _batch, (code,) = accounts.generate_codes(
        ModeratorFactory(), AreaFactory(), count=1, valid_days=30
    )
    officer = ModeratorFactory()
    before = _rows(User)
    with pytest.raises(ValidationFailed) as failure:
        group_paper.enter(officer, motion, choices=["for"], paper_number="2", code=code, check="")
    assert "Nobody has registered with this letter code" in failure.value.errors["code"]
    assert (_rows(User), _rows(MotionVote)) == (before, 0)


def test_an_election_paper_is_contested_and_removed_the_same_way():
    group, organiser, people = election_helpers.make_group(members=3)
    election = election_helpers.call(organiser, group)
    a = elections.stand(people[0], election, "A")
    election_helpers.open_voting(election)
    group_paper.issue(organiser, election, 2)
    ballot = _enter(organiser, election, people[1], 1, [str(a.id)])
    row = group_contests.contest(people[1], election, "I did not vote on paper")
    assert (row.kind.value, row.cast_id) == ("election", ballot.id)
    moderator = ModeratorFactory()
    (listed,) = flow.queue(moderator)
    assert listed == (group_contests.GROUP_PAPERS, row)
    heading = group_contests.GROUP_PAPERS.heading(row)
    assert (
        heading
        == f"{group.name}: Election of organisers of {group.name}: paper E{election.id}-0001"
    )
    flow.resolve(moderator, row, "remove", "Removed")
    assert group_paper.paper_entry(election, people[1]) is None
    elections.cast(people[1], election, [str(a.id)])  # the member may vote again, online
    assert _rows(ElectionBallot) == 1
