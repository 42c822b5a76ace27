"""Join policies, requests to join, and leaving, through the services and the log."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from civic.accounts.models import GroupMembership, GroupRole
from civic.accounts.services import member_pseudonym, membership_of
from civic.errors import Conflict, PermissionDenied, ValidationFailed
from civic.extensions import db
from civic.groups import membership
from civic.groups.models import JoinRequest, RequestState
from tests.factories import UserFactory
from tests.groups.helpers import make_group, resident
from tests.races import log_of


def _members(group) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(GroupMembership)
        .where(GroupMembership.group_id == group.id)
    )


def test_open_group_residents_join_at_once_others_are_refused():
    group, _organiser, _ = make_group(members=1, join_policy="open")
    neighbour = resident(group.area)
    made = membership.join(neighbour, group)
    assert isinstance(made, GroupMembership) and made.role is GroupRole.MEMBER
    assert not made.show_name  # not named publicly until they choose it
    with pytest.raises(Conflict, match="already a member"):
        membership.join(neighbour, group)
    stranger = UserFactory()  # not shown to live in the area
    with pytest.raises(PermissionDenied, match="live in"):
        membership.join(stranger, group)
    assert _members(group) == 3
    joins = [(a, d) for _, a, d in log_of("group", group.slug) if a == "group:join"]
    assert joins == [("group:join", {"member": member_pseudonym(neighbour.id, group)})]


def test_joining_is_logged_under_a_scoped_pseudonym_not_the_public_one():
    from civic.audit import pseudonym
    from civic.audit.models import AuditEntry

    group, _, _ = make_group(members=1, join_policy="open")
    neighbour = resident(group.area)
    membership.join(neighbour, group)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "group:join"))
    assert pseudonym(neighbour.id).encode() not in bytes(entry.body)


def test_closed_group_is_invitation_only():
    group, _, _ = make_group(members=1, join_policy="closed")
    with pytest.raises(Conflict, match="closed"):
        membership.join(resident(group.area), group)
    assert _members(group) == 2


def test_by_request_approved():
    group, organiser, people = make_group(members=1, join_policy="request")
    asker = UserFactory()  # residence is not needed to ask
    request = membership.join(asker, group, "I run the allotment next door.")
    assert isinstance(request, JoinRequest) and request.state is RequestState.PENDING
    assert membership_of(asker, group) is None
    with pytest.raises(Conflict, match="already asked"):
        membership.join(asker, group)
    with pytest.raises(PermissionDenied):
        membership.decide_request(people[0], group, request.id, approve=True)
    membership.decide_request(organiser, group, request.id, approve=True)
    db.session.expire(group, ["memberships"])
    assert membership_of(asker, group) is not None
    with pytest.raises(Conflict, match="already answered"):
        membership.decide_request(
            organiser, group, request.id, approve=False, reason="Changed my mind"
        )
    actions = [a for _, a, _ in log_of("group", group.slug)]
    assert actions[-2:] == ["group:join_request", "group:join_approve"]


def test_by_request_refused_with_a_reason_the_person_sees():
    group, organiser, _ = make_group(members=1, join_policy="request")
    asker = UserFactory()
    request = membership.join(asker, group)
    with pytest.raises(ValidationFailed) as failure:
        membership.decide_request(organiser, group, request.id, approve=False, reason="no")
    assert "reason" in failure.value.errors
    assert request.state is RequestState.PENDING
    membership.decide_request(
        organiser, group, request.id, approve=False, reason="We only take members from Elm Court."
    )
    assert membership.last_answer(asker, group).reason == "We only take members from Elm Court."
    assert membership_of(asker, group) is None
    refuse = next(d for _, a, d in log_of("group", group.slug) if a == "group:join_refuse")
    assert "Elm Court" not in str(refuse)  # the reason is told to the person, not logged
    # they may ask again
    assert membership.join(asker, group).state is RequestState.PENDING


def test_requests_of_another_group_are_not_found():
    group, organiser, _ = make_group(members=1, join_policy="request")
    other, _other_organiser, _ = make_group(members=1, join_policy="request")
    request = membership.join(UserFactory(), other)
    from civic.errors import NotFound

    with pytest.raises(NotFound):
        membership.decide_request(organiser, group, request.id, approve=True)


def test_leaving_and_the_last_organiser_leaving():
    group, organiser, people = make_group(members=2)
    assert membership.leave(people[0], group) is False
    with pytest.raises(PermissionDenied):
        membership.leave(people[0], group)
    assert membership.leave(organiser, group) is True  # no organiser left
    assert _members(group) == 1
    leaves = [d for _, a, d in log_of("group", group.slug) if a == "group:leave"]
    assert leaves[1] == {"member": member_pseudonym(organiser.id, group), "was_organiser": True}
