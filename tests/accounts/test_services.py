"""Account, area, group and eligibility services: rules, permissions per role, audit entries."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from civic import audit
from civic.accounts import services
from civic.accounts.codes import display, normalise
from civic.accounts.models import (
    Eligibility,
    EligibilityCode,
    GroupMembership,
    GroupRole,
    Role,
    User,
    utcnow,
)
from civic.audit.models import AuditEntry
from civic.errors import Conflict, PermissionDenied, ValidationFailed
from civic.extensions import db
from tests.accounts.mail_links import messages_to
from tests.factories import (
    AdminFactory,
    AreaFactory,
    MembershipFactory,
    ModeratorFactory,
    UserFactory,
)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


# --- registration -----------------------------------------------------------------------


def test_register_hashes_password_and_audits():
    user = services.register(" Ada@Example.ORG ", "Ada", "velvet-tractor-harbour")
    assert user.email == "ada@example.org"
    assert user.role is Role.RESIDENT
    assert user.password_hash.startswith("$argon2id$")
    assert "velvet" not in user.password_hash
    assert _actions() == ["account:register"]


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1!", "at least 10 characters"),
        ("password123", "most common passwords"),
        ("qwertyuiop", "most common passwords"),
        ("aaaaaaaaaaaa", "too easy to guess"),
        ("x" * 129, "128 characters or fewer"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(password, message):
    with pytest.raises(ValidationFailed) as failure:
        services.register("weak@example.org", "Weak", password)
    assert message in failure.value.errors["password"]
    assert _count(User) == 0 and _actions() == []


def test_password_containing_the_email_is_weak():
    with pytest.raises(ValidationFailed) as failure:
        services.register("harbourmaster@example.org", "H", "harbourmaster1")
    assert "password" in failure.value.errors


def test_a_duplicate_email_makes_no_account_and_tells_its_owner():
    """The unique index refuses the second account; the visitor is not told (register
    returns None, the page is the same), the owner is emailed instead."""
    services.register("dup@example.org", "First", "velvet-tractor-harbour")
    assert services.register("DUP@example.org", "Second", "another-fine-passphrase") is None
    assert _count(User) == 1
    assert _actions() == ["account:register"]
    subjects = [m.subject for m in messages_to("dup@example.org")]
    assert subjects == [
        "Confirm your email address for Civic",
        "Someone tried to create a Civic account with your email address",
    ]


def test_admin_made_accounts_are_confirmed_and_registered_ones_are_not():
    made = services.create_user(
        None, "made@example.org", "Made", "velvet-tractor-harbour", Role.RESIDENT
    )
    signed_up = services.register("self@example.org", "Self", "velvet-tractor-harbour")
    assert made.email_confirmed and not signed_up.email_confirmed
    assert messages_to("made@example.org") == []  # nobody asked for a link


def test_invalid_email_is_refused():
    with pytest.raises(ValidationFailed) as failure:
        services.register("not-an-email", "X", "velvet-tractor-harbour")
    assert "valid email" in failure.value.errors["email"]


def test_authenticate():
    user = UserFactory()
    assert services.authenticate(user.email, "a-Strong-test-passw0rd") is user
    assert services.authenticate(user.email.upper(), "a-Strong-test-passw0rd") is user
    assert services.authenticate(user.email, "wrong password") is None
    assert services.authenticate("nobody@example.org", "a-Strong-test-passw0rd") is None
    user.active = False
    assert services.authenticate(user.email, "a-Strong-test-passw0rd") is None


# --- roles ------------------------------------------------------------------------------


def test_only_admins_change_roles():
    admin, moderator, resident = AdminFactory(), ModeratorFactory(), UserFactory()
    for actor in (moderator, resident):
        with pytest.raises(PermissionDenied):
            services.set_role(actor, resident, Role.ADMIN)
    services.set_role(admin, resident, Role.MODERATOR)
    assert resident.role is Role.MODERATOR
    assert _actions() == ["account:role"]


def test_admin_cannot_demote_or_deactivate_themselves():
    admin = AdminFactory()
    with pytest.raises(ValidationFailed) as failure:
        services.set_role(admin, admin, Role.RESIDENT)
    assert "own administrator role" in failure.value.errors["role"]
    with pytest.raises(Conflict):
        services.set_active(admin, admin, False)
    assert admin.role is Role.ADMIN and admin.active


def test_create_user_from_cli_has_no_actor_but_is_audited():
    user = services.create_user(
        None, "first@council.example", "First", "velvet-tractor-harbour", Role.ADMIN
    )
    assert user.is_admin
    entry = db.session.scalars(select(AuditEntry)).one()
    assert (entry.action, entry.actor) == ("account:create", None)


# --- areas and groups -------------------------------------------------------------------


def test_administrators_create_areas_moderators_and_residents_cannot():
    existing = AreaFactory(name="Northgate")
    for someone in (UserFactory(), ModeratorFactory()):
        with pytest.raises(PermissionDenied):
            services.create_area(
                someone, name="X", slug="x", kind="ward", postcode_districts="", description=""
            )
        with pytest.raises(PermissionDenied):
            services.update_area(
                someone, existing, name="Y", kind="ward", postcode_districts="", description=""
            )
    assert existing.name == "Northgate"
    area = services.create_area(
        AdminFactory(),
        name="Hyde Park",
        slug="hyde-park",
        kind="ward",
        postcode_districts="ls6, ls16  LS6",
        description="",
    )
    assert area.districts == ["LS16", "LS6"]
    assert _actions() == ["area:create"]


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("slug", {"slug": "Not A Slug"}),
        ("postcode_districts", {"postcode_districts": "LS6 NOTAPOSTCODE"}),
    ],
)
def test_area_validation(field, kwargs):
    values = {"name": "X", "slug": "x", "kind": "ward", "postcode_districts": "", "description": ""}
    with pytest.raises(ValidationFailed) as failure:
        services.create_area(AdminFactory(), **(values | kwargs))
    assert field in failure.value.errors
    assert _actions() == []


def test_duplicate_area_slug_is_refused():
    admin = AdminFactory()
    AreaFactory(slug="taken")
    with pytest.raises(ValidationFailed) as failure:
        services.create_area(
            admin, name="Y", slug="taken", kind="ward", postcode_districts="", description=""
        )
    assert "already uses" in failure.value.errors["slug"]


@pytest.mark.parametrize("typed", ["Riverside Ward", "  riverside WARD "])
def test_an_area_name_can_be_used_once(typed):
    admin = AdminFactory()
    existing = AreaFactory(name="Riverside Ward")
    with pytest.raises(ValidationFailed) as failure:
        services.create_area(
            admin,
            name=typed,
            slug="riverside-2",
            kind="ward",
            postcode_districts="",
            description="",
        )
    assert "already an area called" in failure.value.errors["name"]
    other = AreaFactory(name="Northgate")
    with pytest.raises(ValidationFailed) as failure:
        services.update_area(
            admin, other, name=typed, kind="ward", postcode_districts="", description=""
        )
    assert "already an area called" in failure.value.errors["name"]
    assert other.name == "Northgate"
    # an area keeps its own name when edited
    services.update_area(
        admin, existing, name=typed, kind="ward", postcode_districts="LS6", description=""
    )
    assert existing.name == typed.strip()
    assert _actions() == ["area:update"]


def test_area_problems_are_reported_together():
    admin = AdminFactory()
    AreaFactory(name="Riverside Ward", slug="riverside")
    with pytest.raises(ValidationFailed) as failure:
        services.create_area(
            admin,
            name="riverside ward",
            slug="Not A Slug",
            kind="ward",
            postcode_districts="LS6 NOTAPOSTCODE",
            description="",
        )
    assert set(failure.value.errors) == {"name", "slug", "postcode_districts"}
    with pytest.raises(ValidationFailed) as failure:
        services.create_area(
            admin,
            name="Elsewhere",
            slug="riverside",
            kind="ward",
            postcode_districts="NOTAPOSTCODE",
            description="",
        )
    assert set(failure.value.errors) == {"slug", "postcode_districts"}
    assert _actions() == []


def test_group_problems_are_reported_together():
    moderator = ModeratorFactory()
    area = AreaFactory()
    services.create_group(
        moderator, area=area, name="Park Friends", slug="park-friends", description=""
    )
    with pytest.raises(ValidationFailed) as failure:
        services.create_group(
            moderator,
            area=area,
            name="Park Pals",
            slug="park-friends",
            description="",
            organiser_email="nobody@example.org",
        )
    assert "already uses" in failure.value.errors["slug"]
    assert "No account" in failure.value.errors["organiser_email"]
    organiser = UserFactory()
    group = services.create_group(
        moderator,
        area=area,
        name="Park Pals",
        slug="park-pals",
        description="",
        organiser_email=organiser.email.upper(),
    )
    assert group.role_of(organiser) is GroupRole.ORGANISER


def test_confirming_an_eligible_resident_reports_every_problem():
    moderator, resident, area = ModeratorFactory(), UserFactory(), AreaFactory()
    services.confirm_eligibility(moderator, resident, area, "Council tax bill seen")
    with pytest.raises(ValidationFailed) as failure:
        services.confirm_eligibility(moderator, resident, area, " ")
    assert set(failure.value.errors) == {"email", "note"}
    assert _actions() == [] and audit.pending_count() == 1  # a grant waits for its batch
    audit.release_pending()
    assert _actions() == ["eligibility:grant"]


def test_group_membership_rules():
    moderator, organiser, member, outsider = (
        ModeratorFactory(),
        UserFactory(),
        UserFactory(),
        UserFactory(),
    )
    group = services.create_group(
        moderator,
        area=AreaFactory(),
        name="Millbrook TRA",
        slug="millbrook-tra",
        description="",
        organiser=organiser,
    )
    assert group.role_of(organiser) is GroupRole.ORGANISER
    # moderators add members directly; organisers invite instead (tests/accounts/
    # test_invitations.py), and outsiders can do neither
    with pytest.raises(PermissionDenied):
        services.add_member(organiser, group, member, GroupRole.MEMBER)
    with pytest.raises(PermissionDenied):
        services.add_member(organiser, group, outsider, GroupRole.ORGANISER)
    with pytest.raises(PermissionDenied):
        services.add_member(outsider, group, outsider, GroupRole.MEMBER)
    services.add_member(moderator, group, member, GroupRole.MEMBER)
    with pytest.raises(ValidationFailed):
        services.add_member(moderator, group, member, GroupRole.MEMBER)
    membership = db.session.scalars(
        select(GroupMembership).where(GroupMembership.user_id == member.id)
    ).one()
    with pytest.raises(PermissionDenied):
        services.set_member_role(organiser, membership, GroupRole.ORGANISER)
    services.set_member_role(moderator, membership, GroupRole.ORGANISER)
    services.remove_member(moderator, membership)
    assert group.role_of(member) is None
    assert _actions() == [
        "group:create",
        "group:member_add",
        "group:member_add",
        "group:member_role",
        "group:member_remove",
    ]


def test_organiser_cannot_remove_another_organiser():
    membership = MembershipFactory(role=GroupRole.ORGANISER)
    other = MembershipFactory(group=membership.group, role=GroupRole.ORGANISER)
    with pytest.raises(PermissionDenied):
        services.remove_member(membership.user, other)


# --- eligibility codes ------------------------------------------------------------------


def _batch(count: int = 3, valid_days: int = 30):
    moderator = ModeratorFactory()
    area = AreaFactory(name="Riverside")
    batch, codes = services.generate_codes(moderator, area, count=count, valid_days=valid_days)
    return batch, codes, area


def test_codes_are_stored_only_as_hashes():
    _, codes, _ = _batch(5)
    assert len(set(codes)) == 5 and all(len(c) == 12 for c in codes)
    stored = db.session.scalars(select(EligibilityCode.code_hash)).all()
    assert len(stored) == 5 and not set(codes) & set(stored)
    assert _actions() == ["eligibility:codes_generate"]


def test_only_moderators_generate_codes():
    with pytest.raises(PermissionDenied):
        services.generate_codes(UserFactory(), AreaFactory(), count=1, valid_days=1)


@pytest.mark.parametrize(("count", "days"), [(0, 30), (5001, 30), (3, 0), (3, 731)])
def test_code_batch_limits(count, days):
    with pytest.raises(ValidationFailed):
        services.generate_codes(ModeratorFactory(), AreaFactory(), count=count, valid_days=days)
    assert _count(EligibilityCode) == 0


def test_redeem_code_makes_eligible_once():
    _, codes, area = _batch()
    resident, neighbour = UserFactory(), UserFactory()
    typed = display(codes[0]).lower().replace("-", " ")  # case and spacing do not matter
    eligibility = services.redeem_code(resident, typed)
    assert eligibility.area is area and resident.is_eligible_in(area)
    with pytest.raises(ValidationFailed) as failure:
        services.redeem_code(neighbour, codes[0])
    assert "already used by someone else" in failure.value.errors["code"]
    with pytest.raises(ValidationFailed) as failure:
        services.redeem_code(resident, codes[0])
    assert "already used by you" in failure.value.errors["code"]
    assert not neighbour.is_eligible_in(area)
    assert audit.pending_count() == 1
    audit.release_pending()
    assert _actions()[-1] == "eligibility:grant"


def test_second_code_for_the_same_area_is_refused_and_stays_unused():
    _, codes, _ = _batch()
    resident = UserFactory()
    services.redeem_code(resident, codes[0])
    with pytest.raises(ValidationFailed) as failure:
        services.redeem_code(resident, codes[1])
    assert "already take part" in failure.value.errors["code"]
    unused = db.session.scalar(
        select(func.count())
        .select_from(EligibilityCode)
        .where(EligibilityCode.redeemed_at.is_(None))
    )
    assert unused == 2


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "Enter the code"),
        ("ABC", "12 letters and numbers"),
        ("UUUU-UUUU-UUUU", "12 letters and numbers"),
        ("7K2M-Q9XD-4HPA", "do not recognise"),
    ],
)
def test_bad_codes_say_why(typed, reason):
    _batch()
    with pytest.raises(ValidationFailed) as failure:
        services.redeem_code(UserFactory(), typed)
    assert reason in failure.value.errors["code"]
    assert _count(Eligibility) == 0


def test_expired_code_is_refused():
    batch, codes, _ = _batch()
    batch.expires_at = utcnow() - timedelta(days=1)
    with pytest.raises(ValidationFailed) as failure:
        services.redeem_code(UserFactory(), codes[0])
    assert "expired" in failure.value.errors["code"]


def test_normalise_maps_confusable_letters():
    assert normalise("o1l-i ") == "0111"


def test_moderator_confirms_and_revokes_eligibility():
    moderator, resident, area = ModeratorFactory(), UserFactory(), AreaFactory()
    with pytest.raises(PermissionDenied):
        services.confirm_eligibility(UserFactory(), resident, area, "seen")
    with pytest.raises(ValidationFailed):
        services.confirm_eligibility(moderator, resident, area, "  ")
    eligibility = services.confirm_eligibility(moderator, resident, area, "Council tax bill seen")
    assert resident.is_eligible_in(area)
    with pytest.raises(ValidationFailed) as failure:
        services.confirm_eligibility(moderator, resident, area, "again")
    assert "can already take part" in failure.value.errors["email"]
    audit.release_pending()
    services.revoke_eligibility(moderator, eligibility, "Moved away")
    assert not resident.is_eligible_in(area)
    assert _actions() == ["eligibility:grant", "eligibility:revoke"]


def test_the_log_never_ties_a_residents_eligibility_to_their_public_pseudonym():
    # A resident's comments carry their one public pseudonym next to their name; a grant
    # under that pseudonym would publish which area (roughly where) a named person lives.
    _, codes, area = _batch()
    resident, moderator = UserFactory(), ModeratorFactory()
    public = audit.pseudonym(resident.id)
    services.redeem_code(resident, codes[0])
    eligibility = services.confirm_eligibility(
        moderator, resident, AreaFactory(), "Council tax bill seen"
    )
    audit.release_pending()  # grants reach the log in a shuffled batch
    services.revoke_eligibility(moderator, eligibility, "Moved away")
    entries = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action.in_(["eligibility:grant", "eligibility:revoke"]))
        .order_by(AuditEntry.seq)
    ).all()
    assert [e.action for e in entries] == [
        "eligibility:grant",
        "eligibility:grant",
        "eligibility:revoke",
    ]
    assert all(public not in e.body.decode() for e in entries)
    assert all(e.subject_type == "eligibility" for e in entries)
    by_code, by_moderator = sorted(entries[:2], key=lambda e: json.loads(e.body)["data"]["method"])
    revoked = entries[2]
    assert by_code.actor != public and by_code.subject_id != by_moderator.subject_id
    # a moderator's grant is batched and scoped too, or its time would date the resident's
    # proof of address; the revocation, an official act with a reason, is signed in public
    assert by_moderator.actor == audit.pseudonym(moderator.id, f"eligibility:{revoked.subject_id}")
    assert revoked.actor == audit.pseudonym(moderator.id)
    assert revoked.subject_id == by_moderator.subject_id  # one trail per person and area
    assert json.loads(by_code.body)["data"] == {"area": area.slug, "method": "code"}
