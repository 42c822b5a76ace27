"""Motions through the services: each quorum and majority rule end to end, one vote each,
members who left or joined late, closing, minutes, the tick, and the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from civic.accounts import services as accounts
from civic.accounts.models import GroupRole, utcnow
from civic.audit.log import head as audit_head
from civic.audit.models import AuditPending
from civic.errors import Conflict, PermissionDenied, ValidationFailed
from civic.extensions import db
from civic.groups import membership, motions
from civic.groups import rules as group_rules
from civic.groups.models import GroupRules, Motion, MotionState, MotionVote
from tests.factories import ModeratorFactory, UserFactory
from tests.groups.helpers import finish, make_group, resident, voting_motion
from tests.races import log_of


def _vote(motion, people, choices):
    for person, choice in zip(people, choices, strict=False):
        motions.cast(person, motion, choice)


@pytest.mark.parametrize(
    ("rules", "choices", "outcome"),
    [
        # 5 members + organiser = 6 electors
        ({"quorum_rule": "none", "quorum_value": 0}, ["for"], "passed"),
        ({"quorum_rule": "share", "quorum_value": 50}, ["for", "for", "against"], "passed"),
        ({"quorum_rule": "share", "quorum_value": 50}, ["for", "for"], "no_quorum"),
        (
            {"quorum_rule": "number", "quorum_value": 4},
            ["for", "abstain", "abstain", "against"],
            "tied",
        ),
        ({"quorum_rule": "number", "quorum_value": 4}, ["for", "for", "for"], "no_quorum"),
        (
            {"quorum_rule": "none", "quorum_value": 0, "majority_rule": "two_thirds"},
            ["for", "for", "against"],
            "passed",
        ),
        (
            {"quorum_rule": "none", "quorum_value": 0, "majority_rule": "two_thirds"},
            ["for", "for", "against", "against", "for"],
            "rejected",
        ),
        (
            {"quorum_rule": "none", "quorum_value": 0, "majority_rule": "all_members"},
            ["for", "for", "for"],
            "rejected",
        ),  # 3 of 6 is not more than half
        (
            {"quorum_rule": "none", "quorum_value": 0, "majority_rule": "all_members"},
            ["for", "for", "for", "for"],
            "passed",
        ),
        ({"quorum_rule": "share", "quorum_value": 25}, ["against", "against", "for"], "rejected"),
    ],
)
def test_each_rule_decides_a_motion(rules, choices, outcome):
    group, organiser, people = make_group(members=5, **rules)
    motion = voting_motion(group, people[0])
    assert motion.electorate == 6
    _vote(motion, [organiser, *people], choices)
    finish(motion)
    result = motions.close(organiser, motion)
    assert result.outcome == outcome
    assert motion.state is MotionState.CLOSED and motion.outcome.value == outcome
    assert (motion.votes_for, motion.votes_against, motion.abstentions) == (
        choices.count("for"),
        choices.count("against"),
        choices.count("abstain"),
    )
    trail = log_of("group", group.slug)
    close = [data for _, action, data in trail if action == "motion:close"]
    assert close[0]["outcome"] == outcome and close[0]["motion"] == motion.id
    assert close[0]["for"] == choices.count("for")
    assert close[0]["quorum_rule"] == rules["quorum_rule"]
    # every vote reached the log (released at the close) under the motion, never the choice
    casts = log_of("group_motion", str(motion.id))
    assert [action for _, action, _ in casts] == ["motion:vote_cast"] * len(choices)
    assert all(data == {} for _, _, data in casts)


def test_the_rules_that_opened_the_vote_decide_it():
    group, organiser, people = make_group(members=3, quorum_rule="none", quorum_value=0)
    motion = voting_motion(group, people[0])
    group_rules.set_rules(
        organiser,
        group,
        **{
            **group_rules.DEFAULTS,
            "join_policy": "closed",
            "quorum_rule": "number",
            "quorum_value": 4,
        },
    )
    motions.cast(people[1], motion, "for")
    finish(motion)
    assert motions.close(organiser, motion).outcome == "passed"


def test_one_vote_each():
    group, _organiser, people = make_group(members=2)
    motion = voting_motion(group, people[0])
    first = motions.cast(people[0], motion, "for")
    with pytest.raises(Conflict, match="already voted"):
        motions.cast(people[0], motion, "against")
    rows = db.session.scalars(select(MotionVote).where(MotionVote.motion_id == motion.id)).all()
    assert [(r.choice, r.receipt) for r in rows] == [("for", first)]
    assert motions.my_receipt(motion, people[0]) == first


def test_a_member_who_left_cannot_vote():
    group, _organiser, people = make_group(members=3)
    motion = voting_motion(group, people[0])
    membership.leave(people[1], group)
    with pytest.raises(PermissionDenied, match="not a member"):
        motions.cast(people[1], motion, "for")
    assert db.session.scalar(select(func.count()).select_from(MotionVote)) == 0
    # the quorum's base stays the members when voting opened
    assert motion.electorate == 4


def test_a_member_who_joined_after_voting_opened_does_not_vote():
    group, _organiser, people = make_group(members=2, join_policy="open")
    motion = voting_motion(group, people[0])
    newcomer = resident(group.area)
    membership.join(newcomer, group)
    with pytest.raises(PermissionDenied, match="joined after voting"):
        motions.cast(newcomer, motion, "for")
    assert not motions.can_vote(newcomer, motion)


def test_non_members_cannot_propose_or_vote():
    group, _organiser, people = make_group(members=2)
    outsider = resident(group.area)
    with pytest.raises(PermissionDenied, match="Only members"):
        motions.propose(outsider, group, "Title", "Text")
    with pytest.raises(PermissionDenied):
        motions.propose(ModeratorFactory(), group, "Title", "Text")
    motion = voting_motion(group, people[0])
    with pytest.raises(PermissionDenied):
        motions.cast(outsider, motion, "for")
    assert db.session.scalar(select(func.count()).select_from(Motion)) == 1


def test_organisers_only_may_propose_when_the_rules_say_so():
    group, organiser, people = make_group(members=2, proposers="organisers")
    with pytest.raises(PermissionDenied, match="only its organisers"):
        motions.propose(people[0], group, "Title", "Text")
    assert motions.propose(organiser, group, "Title", "Text").state is MotionState.VOTING


def test_bad_motion_and_bad_choice_are_refused():
    group, _organiser, people = make_group(members=2)
    with pytest.raises(ValidationFailed) as failure:
        motions.propose(people[0], group, "  ", "x" * 10_001)
    assert set(failure.value.errors) == {"title", "text"}
    motion = voting_motion(group, people[0])
    with pytest.raises(ValidationFailed):
        motions.cast(people[0], motion, "maybe")
    assert db.session.scalar(select(func.count()).select_from(MotionVote)) == 0


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"quorum_rule": "share", "quorum_value": 0}, "quorum_value"),
        ({"quorum_rule": "share", "quorum_value": 101}, "quorum_value"),
        ({"quorum_rule": "share", "quorum_value": None}, "quorum_value"),
        ({"quorum_rule": "number", "quorum_value": 0}, "quorum_value"),
        ({"quorum_rule": "most"}, "quorum_rule"),
        ({"majority_rule": "unanimous"}, "majority_rule"),
        ({"voting_days": 0}, "voting_days"),
        ({"discussion_days": 61}, "discussion_days"),
        ({"join_policy": "anyone"}, "join_policy"),
    ],
)
def test_bad_rules_are_refused_and_nothing_is_written(values, field):
    group, organiser, _ = make_group(members=1)
    before = group_rules.rules_of(group)
    size = audit_head().size
    with pytest.raises(ValidationFailed) as failure:
        group_rules.set_rules(
            organiser, group, **{**group_rules.DEFAULTS, "join_policy": "open", **values}
        )
    assert field in failure.value.errors
    assert group_rules.rules_of(group) == before
    assert audit_head().size == size


def test_members_cannot_change_the_rules_but_moderators_can():
    group, _organiser, people = make_group(members=1)
    with pytest.raises(PermissionDenied):
        group_rules.set_rules(people[0], group, **{**group_rules.DEFAULTS, "join_policy": "open"})
    moderator = ModeratorFactory()
    group_rules.set_rules(moderator, group, **{**group_rules.DEFAULTS, "join_policy": "open"})
    assert group.join_policy.value == "open"
    change = [d for _, a, d in log_of("group", group.slug) if a == "group:rules"][-1]
    assert change["before"]["join_policy"] == "closed" and change["after"]["join_policy"] == "open"
    assert db.session.get(GroupRules, group.id).updated_by_id == moderator.id


def test_discussion_then_the_tick_opens_and_closes():
    group, organiser, people = make_group(members=2, discussion_days=3, voting_days=2)
    motion = motions.propose(people[0], group, "Repaint the hall", "Blue, this time.")
    assert motion.state is MotionState.DISCUSSION
    with pytest.raises(Conflict, match="not opened"):
        motions.cast(people[0], motion, "for")
    assert motions.open_due(utcnow()) == []
    # a member joining during the discussion is in the electorate
    late = resident(group.area)
    accounts.add_member(ModeratorFactory(), group, late, GroupRole.MEMBER)
    assert motions.open_due(utcnow() + timedelta(days=3, seconds=1)) != []
    assert motion.state is MotionState.VOTING and motion.electorate == 4
    motions.cast(late, motion, "for")
    assert motions.close_due(utcnow()) == []
    done = motions.close_due(utcnow() + timedelta(days=10))
    assert done == [f"Motion {motion.id} of {group.name}: passed."]
    with pytest.raises(Conflict, match="already closed"):
        motions.close(organiser, motion)


def test_an_organiser_opens_or_closes_early_only_with_a_reason():
    group, organiser, people = make_group(members=2, discussion_days=5)
    motion = motions.propose(people[0], group, "Title", "Text")
    with pytest.raises(ValidationFailed) as failure:
        motions.open_voting(organiser, motion, "")
    assert "reason" in failure.value.errors
    with pytest.raises(PermissionDenied):
        motions.open_voting(people[1], motion, "Everyone has had their say already")
    motions.open_voting(organiser, motion, "Everyone has had their say already")
    assert motion.state is MotionState.VOTING
    with pytest.raises(ValidationFailed):
        motions.close(organiser, motion)
    with pytest.raises(PermissionDenied):
        motions.close(people[0], motion, reason="I would like it over with")
    motions.close(organiser, motion, reason="The council needs our answer by Friday")
    assert motion.close_reason == "The council needs our answer by Friday"
    with pytest.raises(Conflict, match="Voting closed"):
        motions.cast(people[0], motion, "for")


def test_minutes_are_sanitised_and_logged_under_the_group():
    group, organiser, people = make_group(members=2)
    motion = voting_motion(group, people[0])
    with pytest.raises(Conflict):
        motions.record_minutes(organiser, motion, "Too early")
    motions.cast(people[0], motion, "for")
    finish(motion)
    motions.close(None, motion, by_date=True)
    with pytest.raises(PermissionDenied):
        motions.record_minutes(people[0], motion, "Members' notes")
    motions.record_minutes(organiser, motion, "Agreed. <script>alert(1)</script> **Ana** to write.")
    assert "<script>" not in motion.minutes_html and "<strong>Ana</strong>" in motion.minutes_html
    actions = [a for _, a, _ in log_of("group", group.slug)]
    assert actions[-4:] == ["motion:propose", "motion:open", "motion:close", "motion:minutes"]


def test_counts_and_ballots_are_published_only_after_the_close(app):
    group, organiser, people = make_group(members=2)
    motion = voting_motion(group, people[0])
    code = motions.cast(people[0], motion, "against")
    data = motions.as_json(motion)
    assert "result" not in data and "ballots" not in data
    assert db.session.scalar(select(func.count()).select_from(AuditPending)) >= 1
    finish(motion)
    motions.close(organiser, motion)
    data = motions.as_json(motion)
    assert data["result"]["against"] == 1 and data["result"]["outcome"] == "rejected"
    app.config["MIN_ELECTORATE"] = 10
    try:
        assert motions.as_json(motion)["ballots"] is None
    finally:
        app.config["MIN_ELECTORATE"] = 0
    assert motions.as_json(motion)["ballots"] == [{"receipt": code, "choice": "against"}]


def test_members_hear_when_voting_opens_and_closes():
    from civic.notifications.models import Notification

    group, organiser, people = make_group(members=2)
    motion = voting_motion(group, people[0])
    told = set(
        db.session.scalars(
            select(Notification.user_id).where(Notification.event == f"motion-voting:{motion.id}")
        )
    )
    assert told == {organiser.id, *(p.id for p in people)}
    outsider = UserFactory()
    assert outsider.id not in told
