"""Membership of a constituency is proved as residence is: letter codes (the same batches,
hashes and one-time redemption) and moderators' checks, one per person, logged only under
a pseudonym scoped to the constituency, in the shuffled batches of private acts."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from civic import audit
from civic.accounts import services as accounts
from civic.accounts.constituencies import (
    ConstituencyKind,
    ConstituencyMembership,
    confirm_member,
    is_member,
)
from civic.audit.models import AuditEntry
from civic.errors import PermissionDenied, ValidationFailed
from civic.extensions import db
from tests.constituencies.helpers import make_constituency
from tests.factories import AreaFactory, GroupFactory, ModeratorFactory, UserFactory


def _codes(constituency, n: int = 3) -> list[str]:
    _, plain = accounts.generate_codes(
        ModeratorFactory(), constituency.area, count=n, valid_days=30, constituency=constituency
    )
    return plain


def test_a_staff_code_makes_a_member_not_a_resident():
    staff = make_constituency(AreaFactory(), "Leisure staff")
    person = UserFactory()
    proof = accounts.redeem_code(person, _codes(staff)[0])
    assert isinstance(proof, ConstituencyMembership) and proof.method.value == "code"
    assert is_member(person, staff)
    assert not person.is_eligible_in(staff.area)


def test_a_used_code_and_a_second_code_are_refused():
    staff = make_constituency(AreaFactory(), "Leisure staff")
    codes = _codes(staff)
    first, second = UserFactory(), UserFactory()
    accounts.redeem_code(first, codes[0])
    with pytest.raises(ValidationFailed, match="already used by someone else"):
        accounts.redeem_code(second, codes[0])
    with pytest.raises(ValidationFailed, match="You already belong to Leisure staff"):
        accounts.redeem_code(first, codes[1])
    # the refused second code is still unused: someone else can use it
    accounts.redeem_code(second, codes[1])
    assert db.session.scalar(select(func.count()).select_from(ConstituencyMembership)) == 2


def test_a_code_for_another_constituency_is_refused_on_this_ones_page():
    area = AreaFactory()
    staff, users = (
        make_constituency(area, "Leisure staff"),
        make_constituency(area, "Leisure users"),
    )
    code = _codes(users)[0]
    person = UserFactory()
    with pytest.raises(ValidationFailed, match="This code is for Leisure users, not Leisure staff"):
        accounts.redeem_code(person, code, expected=staff)
    assert not is_member(person, staff) and not is_member(person, users)
    accounts.redeem_code(person, code, expected=users)  # unused, so it still works
    assert is_member(person, users)


def test_a_residence_code_is_not_a_staff_code():
    staff = make_constituency(AreaFactory(), "Leisure staff")
    _, plain = accounts.generate_codes(ModeratorFactory(), staff.area, count=1, valid_days=30)
    with pytest.raises(ValidationFailed, match="residents of"):
        accounts.redeem_code(UserFactory(), plain[0], expected=staff)


def test_group_and_resident_classes_need_no_letters():
    group = GroupFactory()
    members = make_constituency(
        group.area, "Allotment members", ConstituencyKind.GROUP_MEMBERS, group=group
    )
    with pytest.raises(ValidationFailed, match="need no letters"):
        _codes(members)
    with pytest.raises(ValidationFailed, match="not proved by code or check"):
        confirm_member(ModeratorFactory(), UserFactory(), members, "Saw a card")


def test_a_moderator_check_needs_a_note_and_a_moderator():
    staff = make_constituency(AreaFactory(), "Leisure staff")
    person, moderator = UserFactory(), ModeratorFactory()
    with pytest.raises(ValidationFailed) as failure:
        confirm_member(moderator, person, staff, "  ")
    assert "note" in failure.value.errors
    with pytest.raises(PermissionDenied):
        confirm_member(UserFactory(), person, staff, "Staff pass seen")
    proof = confirm_member(moderator, person, staff, "Staff pass seen")
    assert (proof.confirmed_by_id, proof.note) == (moderator.id, "Staff pass seen")
    with pytest.raises(ValidationFailed, match="already belongs"):
        confirm_member(moderator, person, staff, "Again")


def test_grants_are_logged_under_a_pseudonym_for_that_constituency_in_batches():
    staff = make_constituency(AreaFactory(), "Leisure staff")
    users = make_constituency(staff.area, "Leisure users")
    person, moderator = UserFactory(), ModeratorFactory()
    public = audit.pseudonym(person.id)
    accounts.redeem_code(person, _codes(staff)[0])
    confirm_member(moderator, person, users, "Membership card seen")
    grants = select(AuditEntry).where(AuditEntry.action == "constituency:grant")
    assert db.session.scalars(grants).all() == []  # private: waiting for the batch
    assert audit.pending_count() == 2
    audit.release_pending()
    entries = db.session.scalars(grants).all()
    assert len(entries) == 2
    assert all(public not in e.body.decode() for e in entries)
    assert all(e.subject_type == "constituency_member" for e in entries)
    # one pseudonym per person and constituency: the two grants cannot be joined
    assert entries[0].subject_id != entries[1].subject_id
    data = sorted(json.loads(e.body)["data"]["method"] for e in entries)
    assert data == ["code", "moderator"]
    assert all("Membership card" not in e.body.decode() for e in entries)  # the note stays out
