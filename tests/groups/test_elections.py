"""Organiser elections: calling, standing, voting, counting, ties, and every refusal."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from civic import audit
from civic.accounts.models import GroupMembership, GroupRole
from civic.audit.models import AuditEntry, AuditPending
from civic.clock import aware, utcnow
from civic.errors import Conflict, PermissionDenied, ValidationFailed
from civic.extensions import db
from civic.groups import election_count, elections
from civic.groups.election_models import ElectionBallot, ElectionState, GroupElection
from tests.factories import ModeratorFactory, UserFactory
from tests.groups.election_helpers import call, end_voting, make_group, open_voting
from tests.races import log_of


def _role(group, user):
    return db.session.scalar(
        select(GroupMembership.role).where(
            GroupMembership.group_id == group.id, GroupMembership.user_id == user.id
        )
    )


def _count_rows(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_organisers_and_moderators_call_elections_and_members_may_not():
    group, _organiser, people = make_group()
    with pytest.raises(PermissionDenied):
        call(people[0], group)
    with pytest.raises(PermissionDenied):
        call(UserFactory(), group)
    election = call(ModeratorFactory(), group)
    assert election.state is ElectionState.NOMINATIONS
    entry = log_of("group", group.slug)[-1]
    assert entry[1] == "group_election:call" and entry[2]["election"] == election.id


@pytest.mark.parametrize(
    ("seats", "months", "opens_days", "closes_days", "field"),
    [
        (0, 12, 7, 14, "seats"),
        (None, 12, 7, 14, "seats"),
        (21, 12, 7, 14, "seats"),
        (1, 0, 7, 14, "term_months"),
        (1, 12, -2, 14, "opens"),
        (1, 12, -3, -1, "closes"),
        (1, 12, 7, 5, "closes"),
    ],
)
def test_bad_elections_are_refused_and_nothing_is_written(
    seats, months, opens_days, closes_days, field
):
    group, organiser, _ = make_group()
    before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    now = utcnow()
    with pytest.raises(ValidationFailed) as refused:
        elections.call_election(
            organiser,
            group,
            seats=seats,
            term_months=months,
            opens_at=now + timedelta(days=opens_days),
            closes_at=now + timedelta(days=closes_days),
        )
    assert field in refused.value.errors
    assert _count_rows(GroupElection) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == before


def test_standing_when_not_a_member_is_refused_with_a_clear_message():
    group, organiser, _ = make_group()
    election = call(organiser, group)
    outsider = UserFactory()
    with pytest.raises(PermissionDenied) as refused:
        elections.stand(outsider, election, "I would like to organise")
    assert f"Only members of {group.name} can stand for election" in refused.value.message
    assert election.candidates == []


def test_standing_twice_is_refused_and_withdrawing_works_before_voting():
    group, organiser, people = make_group()
    election = call(organiser, group)
    candidate = elections.stand(people[0], election, "I will run the fun day")
    with pytest.raises(Conflict, match="already standing"):
        elections.stand(people[0], election, "Again")
    with pytest.raises(ValidationFailed):
        elections.stand(people[1], election, "   ")
    actions = [a for _, a, _ in log_of("group", group.slug)]
    assert actions.count("group_election:stand") == 1
    # standing is public and named: the candidate's public pseudonym signs it
    stand_entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "group_election:stand")
    )
    assert stand_entry.actor == audit.pseudonym(people[0].id)
    elections.withdraw(people[0], election)
    db.session.expire(election, ["candidates"])
    assert election.candidates == []
    assert db.session.get(type(candidate), candidate.id) is None
    open_voting(election)
    with pytest.raises(Conflict, match="until voting opens"):
        elections.stand(people[1], election, "Too late")


def _run(seats=1, members=4, months=12):
    group, organiser, people = make_group(members)
    election = call(organiser, group, seats=seats, months=months)
    return group, organiser, people, election


def test_a_single_seat_election_from_call_to_count():
    group, organiser, people, election = _run()
    alice = elections.stand(people[0], election, "Alice for organiser")
    bob = elections.stand(people[1], election, "Bob for organiser")
    open_voting(election)
    for voter, choice in zip([organiser, *people], [alice, alice, bob, alice, bob], strict=True):
        code = elections.cast(voter, election, [str(choice.id)])
        assert len(code) == 19
    # the ballots are secret: no account in the ballot table, participation queued
    assert audit.pending_count(election) == 5
    end_voting(election)
    assert elections.close(organiser, election) == "elected"
    assert election.state is ElectionState.CLOSED
    assert (alice.votes, bob.votes) == (3, 2)
    assert alice.elected and not bob.elected
    assert aware(alice.term_ends_at) == elections.add_months(aware(election.closed_at), 12)
    assert _role(group, people[0]) is GroupRole.ORGANISER
    assert _role(group, organiser) is GroupRole.MEMBER  # the old organiser's seat was up
    # every ballot is in the log, under the election's own pseudonyms, before the count
    entries = log_of("group_election", election.id)
    assert [a for _, a, _ in entries] == ["group_election:cast"] * 5
    actors = db.session.scalars(
        select(AuditEntry.actor).where(AuditEntry.action == "group_election:cast")
    ).all()
    assert audit.pseudonym(people[0].id) not in actors
    close = [e for e in log_of("group", group.slug) if e[1] == "group_election:close"]
    assert len(close) == 1
    seq, _, data = close[0]
    assert all(s < seq for s, _, _ in entries)
    assert (
        data["ballots"] == 5 == db.session.scalar(select(func.count()).select_from(ElectionBallot))
    )
    assert data["votes"] == {str(alice.id): 3, str(bob.id): 2}
    assert data["elected"] == [alice.id]


def test_several_seats_replace_the_organisers_with_the_winners():
    group, organiser, people, election = _run(seats=2, members=5)
    a, b, c = (elections.stand(p, election, f"Statement {n}") for n, p in enumerate(people[:3]))
    open_voting(election)
    ballots = [[a, b], [a, c], [a, b], [b], [c], [a]]
    for voter, ballot in zip([organiser, *people], ballots, strict=True):
        elections.cast(voter, election, [str(x.id) for x in ballot])
    end_voting(election)
    elections.close(None, election, by_date=True)
    assert (a.votes, b.votes, c.votes) == (4, 3, 2)
    assert {x.user_id for x in election.candidates if x.elected} == {people[0].id, people[1].id}
    assert _role(group, people[2]) is GroupRole.MEMBER
    assert _role(group, organiser) is GroupRole.MEMBER


def test_a_tie_is_broken_by_lot_from_the_logs_root_and_anyone_can_redo_it():
    group, organiser, people, election = _run(members=3)
    a = elections.stand(people[0], election, "A")
    b = elections.stand(people[1], election, "B")
    open_voting(election)
    elections.cast(people[0], election, [str(a.id)])
    elections.cast(people[1], election, [str(b.id)])
    end_voting(election)
    elections.close(organiser, election)
    _, _, data = next(e for e in log_of("group", group.slug) if e[1] == "group_election:close")
    # the seed is the root of the log just before the count's entry: verifiable
    before = db.session.scalar(
        select(AuditEntry).where(AuditEntry.seq == data["tie_seed_size"] - 1)
    )
    assert bytes(before.root_after).hex() == data["tie_seed"] == election.tie_seed
    assert sorted(data["by_lot"]) == sorted([a.id, b.id])
    redo = election_count.count([a.id, b.id], [[a.id], [b.id]], 1, data["tie_seed"])
    assert data["elected"] == redo.elected
    winner = a if redo.elected == [a.id] else b
    assert winner.elected and winner.lot < (b if winner is a else a).lot


def test_votes_refused_for_outsiders_leavers_latecomers_doubles_and_bad_ballots():
    group, _organiser, people, election = _run(seats=1, members=4)
    a = elections.stand(people[0], election, "A")
    b = elections.stand(people[1], election, "B")
    open_voting(election)
    with pytest.raises(PermissionDenied):
        elections.cast(UserFactory(), election, [str(a.id)])
    leaver = people[3]
    db.session.execute(
        GroupMembership.__table__.delete().where(GroupMembership.user_id == leaver.id)
    )
    with pytest.raises(PermissionDenied, match="not a member"):
        elections.cast(leaver, election, [str(a.id)])
    newcomer = UserFactory()
    db.session.add(GroupMembership(group_id=group.id, user_id=newcomer.id, role=GroupRole.MEMBER))
    db.session.flush()
    with pytest.raises(PermissionDenied, match="after voting opened"):
        elections.cast(newcomer, election, [str(a.id)])
    with pytest.raises(ValidationFailed, match="at most 1"):
        elections.cast(people[2], election, [str(a.id), str(b.id)])
    with pytest.raises(ValidationFailed):
        elections.cast(people[2], election, ["999999"])
    with pytest.raises(ValidationFailed):
        elections.cast(people[2], election, [])
    elections.cast(people[2], election, [str(a.id)])
    with pytest.raises(Conflict, match="already voted"):
        elections.cast(people[2], election, [str(b.id)])
    assert _count_rows(ElectionBallot) == 1
    assert audit.pending_count(election) == 1
    end_voting(election)
    with pytest.raises(Conflict, match="closed"):
        elections.cast(people[1], election, [str(a.id)])


def test_counting_before_voting_ends_is_refused_and_only_managers_count():
    group, organiser, people, election = _run()
    open_voting(election)
    with pytest.raises(Conflict, match="never before"):
        elections.close(organiser, election)
    end_voting(election)
    with pytest.raises(PermissionDenied):
        elections.close(people[0], election)
    elections.close(ModeratorFactory(), election)
    with pytest.raises(Conflict, match="already been counted"):
        elections.close(organiser, election)
    assert election.outcome == "no_one_elected"
    assert _role(group, organiser) is GroupRole.ORGANISER  # nobody elected: unchanged


def test_small_electorates_get_the_outcome_without_the_counts(app):
    group, organiser, people, election = _run()
    a = elections.stand(people[0], election, "A")
    open_voting(election)
    elections.cast(people[1], election, [str(a.id)])
    end_voting(election)
    app.config["MIN_ELECTORATE"] = 5
    try:
        elections.close(organiser, election)
        body = elections.result(election)
    finally:
        app.config["MIN_ELECTORATE"] = 0
    assert body["outcome"] == "elected" and body["candidates"][0]["elected"] is True
    assert body["candidates"][0]["votes"] is None
    assert body["ballots_by_receipt"] == []
    assert "fewer than the 5" in body["counts_withheld"]
    _, _, data = next(e for e in log_of("group", group.slug) if e[1] == "group_election:close")
    assert "votes" not in data


def test_the_tick_opens_and_counts_due_elections():
    _group, _organiser, people, election = _run()
    a = elections.stand(people[0], election, "A")
    open_voting(election)
    assert elections.advance_due() == [f"group election {election.id}: voting"]
    assert election.state is ElectionState.VOTING and election.electorate == 5
    elections.cast(people[1], election, [str(a.id)])
    end_voting(election)
    assert elections.advance_due() == [f"group election {election.id}: elected"]
    assert db.session.scalar(select(func.count()).select_from(AuditPending)) == 0
    assert elections.result(election)["ballots_by_receipt"][0]["choices"] == [a.id]


def test_recall_passes_and_the_organiser_returns_to_member():
    group, organiser, people = make_group(members=4)
    now = utcnow()
    recall = elections.start_recall(
        people[0],
        group,
        organiser_id=organiser.id,
        reason="The accounts were not shown at the AGM",
        opens_at=now + timedelta(days=3),
        closes_at=now + timedelta(days=6),
    )
    assert recall.support_needed == 2  # a fifth of 5, at least two
    with pytest.raises(Conflict, match="already support"):
        elections.support(people[0], recall)
    elections.support(people[1], recall)
    open_voting(recall)
    for voter, choice in zip(people, ["yes", "yes", "yes", "no"], strict=True):
        elections.cast(voter, recall, [choice])
    with pytest.raises(ValidationFailed):
        elections.cast(organiser, recall, ["maybe"])
    end_voting(recall)
    assert elections.close(None, recall, by_date=True) == "passed"
    assert (recall.yes_votes, recall.no_votes) == (3, 1)
    assert _role(group, organiser) is GroupRole.MEMBER
    # with no organiser left, any member may call the by-election
    assert elections.can_call(people[2], group)


def test_recall_fails_without_a_majority_and_lapses_without_support():
    group, organiser, people = make_group(members=4)
    now = utcnow()
    recall = elections.start_recall(
        people[0],
        group,
        organiser_id=organiser.id,
        reason="Meetings are never announced",
        opens_at=now + timedelta(days=3),
        closes_at=now + timedelta(days=6),
    )
    elections.support(people[1], recall)
    open_voting(recall)
    for voter, choice in zip([organiser, *people[:3]], ["no", "no", "yes", "no"], strict=True):
        elections.cast(voter, recall, [choice])
    end_voting(recall)
    assert elections.close(organiser, recall) == "failed"
    assert _role(group, organiser) is GroupRole.ORGANISER

    lonely = elections.start_recall(
        people[0],
        group,
        organiser_id=organiser.id,
        reason="Meetings are never announced",
        opens_at=now + timedelta(days=3),
        closes_at=now + timedelta(days=6),
    )
    open_voting(lonely)
    with pytest.raises(Conflict, match="enough support"):
        elections.cast(people[1], lonely, ["yes"])
    assert elections.phase(lonely) == elections.LAPSED
    elections.advance_due()
    assert lonely.state is ElectionState.LAPSED
    assert [a for _, a, _ in log_of("group", group.slug)][-1] == "group_recall:lapse"


def test_recall_refusals():
    group, organiser, people = make_group(members=2)
    now = utcnow()
    window = {"opens_at": now + timedelta(days=3), "closes_at": now + timedelta(days=6)}
    with pytest.raises(PermissionDenied):
        elections.start_recall(
            UserFactory(), group, organiser_id=organiser.id, reason="Long enough reason", **window
        )
    with pytest.raises(ValidationFailed) as refused:
        elections.start_recall(
            people[0], group, organiser_id=people[1].id, reason="short", **window
        )
    assert set(refused.value.errors) == {"organiser", "reason"}
    assert _count_rows(GroupElection) == 0


def test_the_json_result_names_candidates_and_hides_counts_until_the_count():
    _group, _organiser, people, election = _run()
    a = elections.stand(people[0], election, "A statement")
    open_voting(election)
    elections.cast(people[1], election, [str(a.id)])
    body = elections.result(election)
    assert body["phase"] == "voting"
    assert body["candidates"] == [
        {
            "id": a.id,
            "name": people[0].display_name,
            "statement": "A statement",
            "votes": None,
            "elected": None,
            "term_ends": None,
            "lot": None,
        }
    ]
    assert body["ballots_by_receipt"] == [] and body["ballots"] is None
    json.dumps(body)


def test_a_members_data_export_lists_their_candidacy_and_their_receipt_not_their_choice():
    from civic.accounts import data_rights

    _group, _organiser, people, election = _run()
    a = elections.stand(people[0], election, "A")
    open_voting(election)
    code = elections.cast(people[0], election, [str(a.id)])
    data = data_rights.export(people[0]).as_json()
    assert data["group_candidacies"][0]["statement"] == "A"
    assert data["group_election_ballots"] == [{"election_id": election.id, "receipt": code}]
    assert data_rights.export(people[1]).as_json()["group_election_ballots"] == []
