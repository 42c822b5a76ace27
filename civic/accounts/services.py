"""Every change to people, areas, groups and eligibility: permission, validation, write, audit."""

from __future__ import annotations

import re
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import has_request_context
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from civic import audit
from civic.accounts import codes as code_format
from civic.accounts import constituencies
from civic.accounts.constituencies import Constituency, ConstituencyMembership
from civic.accounts.models import (
    Area,
    CodeBatch,
    Eligibility,
    EligibilityCode,
    EligibilityMethod,
    Group,
    GroupMembership,
    GroupRole,
    Role,
    User,
    utcnow,
)
from civic.accounts.passwords import burn_time, hash_password, password_problem, verify_password
from civic.clock import aware
from civic.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from civic.extensions import db
from civic.i18n import _, current_language, format_day
from civic.i18n import lazy_gettext as _l
from civic.notifications import events
from civic.permissions import require_admin, require_moderator, require_signed_in
from civic.slugs import is_slug
from civic.text import clean_text

DISTRICT_RE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")
MAX_CODES_PER_BATCH = 5000
ACCOUNT_EXISTS = _l("An account with this email address already exists: sign in instead")


# --- people -----------------------------------------------------------------------------


def normalise_email(raw: str) -> str:
    """Lower-cased, checked for shape only (no DNS lookup: a council intranet may have none)."""
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValidationFailed(
            {"email": _("Enter a valid email address (%(reason)s)", reason=exc)}
        ) from exc


def email_problem(raw: str) -> str | None:
    """Why `raw` is not a usable email address, or None (forms check with this too)."""
    try:
        normalise_email(raw)
    except ValidationFailed as failure:
        return failure.errors["email"]
    return None


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


class AddressTaken(ValidationFailed):
    """Another account already uses the address (the unique index said so)."""

    def __init__(self, email: str) -> None:
        super().__init__({"email": ACCOUNT_EXISTS})
        self.email = email


def email_confirm_problem(user: User) -> str | None:
    """Why `user` cannot become eligible yet (their address is not confirmed), or None."""
    if user.email_confirmed:
        return None
    return _(
        "Confirm your email address first: we sent a link to %(email)s. "
        "If you cannot find it, send it again from this page",
        email=user.email,
    )


def _insert_user(
    email: str, display_name: str, password: str, role: Role, *, confirmed: bool
) -> User:
    email, display_name = checked_person(email, display_name, password)
    user = User(
        email=email,
        display_name=display_name,
        password_hash=hash_password(password),
        role=role,
        email_confirmed_at=utcnow() if confirmed else None,
    )
    try:
        # The unique index decides, not a lookup first: two sign-ups racing get one account.
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError:
        raise AddressTaken(email) from None
    return user


def checked_person(
    email: str, display_name: str, password: str, errors: dict[str, str] | None = None
) -> tuple[str, str]:
    """The address and name as stored, once all three fields pass. Every field is checked
    before refusing, so the form reports all its problems at once (with any the caller
    found already, in `errors`)."""
    errors = dict(errors or {})
    try:
        email = normalise_email(email)
    except ValidationFailed as failure:
        errors.update(failure.errors)
        email = email.strip().lower()
    display_name = clean_text(display_name)
    if not display_name:
        errors["display_name"] = _("Enter the name other residents will see")
    elif len(display_name) > 80:
        errors["display_name"] = _("Name must be 80 characters or fewer")
    if problem := password_problem(password, email=email, name=display_name):
        errors["password"] = problem
    if errors:
        raise ValidationFailed(errors)
    return email, display_name


def register(
    email: str, display_name: str, password: str, *, code: str = "", confirmed: bool = False
) -> User | None:
    """A resident signs up: the new account, or None when the address is taken.

    The visitor is told the same thing either way ("check your email"), so the form cannot
    be used to find out who has an account: a new account gets a link confirming its
    address (it cannot become eligible before that), and the owner of an address already
    in use gets a note saying someone tried (the password is hashed either way, so both
    take about as long). `confirmed=True` is for the demo seeds only: their people have
    example.org addresses nobody reads, and a demo resident must be able to vote.

    With `code`, the letter code an officer used at a paper desk for this resident: the
    account made there becomes theirs (`paper_residents.take_over`).
    """
    from civic.accounts import paper_residents, tokens

    if (code or "").strip():
        return paper_residents.take_over(email, display_name, password, code)

    try:
        user = _insert_user(email, display_name, password, Role.RESIDENT, confirmed=confirmed)
    except AddressTaken as taken:
        owner = find_user_by_email(taken.email)
        if owner is not None and owner.active:
            tokens.tell_owner_of_registration(owner)
        return None
    if has_request_context():
        # the language the visitor signed up in: their mail (the link below first) uses it
        user.locale = current_language()
    audit.record(user, "account:register", user, {"role": user.role.value})
    if not confirmed:
        tokens.send_confirmation(user)
    return user


def create_user(
    actor: User | None, email: str, display_name: str, password: str, role: Role
) -> User:
    """Accounts made by an administrator, or by `flask civic create-user` (actor None).

    Their address counts as confirmed: whoever made the account vouches for it (staff
    create accounts for residents at a drop-in, or for themselves on the server), and no
    link is sent, since the person may not have been told about the account yet."""
    if actor is not None:
        require_admin(actor)
    user = _insert_user(email, display_name, password, role, confirmed=True)
    audit.record(actor, "account:create", user, {"role": role.value})
    return user


def sign_out(user: User) -> None:
    """End every session of `user`, on every browser, not just the one signing out.

    Not in the audit log: a public entry per sign-out would publish when each named
    person uses the site, and decides nothing.
    """
    require_signed_in(user)
    user.end_sessions()
    db.session.flush()


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Replace `user`'s password after checking the current one; every session of the
    account ends (the view signs this browser in again).

    Not in the audit log, for the reason sign_out gives: it is a private act of one
    person about their own account, and the log is public.
    """
    require_signed_in(user)
    errors: dict[str, str] = {}
    if not verify_password(user.password_hash, current_password or ""):
        errors["current_password"] = _("Your current password is not right")
    if problem := password_problem(new_password or "", email=user.email, name=user.display_name):
        errors["password"] = problem
    elif new_password == current_password:
        errors["password"] = _("Choose a password different from your current one")
    if errors:
        raise ValidationFailed(errors)
    user.password_hash = hash_password(new_password)
    user.end_sessions()
    from civic.accounts import tokens

    tokens.retire_after_password_change(user)
    db.session.flush()


def authenticate(email: str, password: str) -> User | None:
    """The account for these credentials, or None; the same work is done either way."""
    user = find_user_by_email(email)
    if user is None:
        burn_time(password)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    return user


def set_role(actor: User, user: User, role: Role) -> None:
    require_admin(actor)
    if user.id == actor.id and role is not Role.ADMIN:
        raise ValidationFailed(
            {"role": _("You cannot remove your own administrator role; ask another administrator")}
        )
    if user.role is role:
        return
    previous = user.role
    user.role = role
    audit.record(actor, "account:role", user, {"from": previous.value, "to": role.value})
    db.session.flush()


def set_active(actor: User, user: User, active: bool) -> None:
    require_admin(actor)
    if user.id == actor.id:
        raise Conflict(_("You cannot deactivate your own account."))
    if user.active is active:
        return
    user.active = active
    user.end_sessions()  # a deactivated account's cookies stay dead if it is reactivated
    audit.record(actor, "account:activate" if active else "account:deactivate", user)
    db.session.flush()


# --- areas ------------------------------------------------------------------------------


def _clean_districts(raw: str, errors: dict[str, str]) -> str:
    """The districts, upper-cased, sorted and space-separated; a bad one goes in `errors`."""
    districts = sorted({d.strip().upper() for d in re.split(r"[\s,;]+", raw) if d.strip()})
    bad = [d for d in districts if not DISTRICT_RE.match(d)]
    if bad:
        errors["postcode_districts"] = _(
            "Not a postcode district: %(bad)s (e.g. LS6, E1W)", bad=", ".join(bad)
        )
    return " ".join(districts)


def _check_slug(slug: str, errors: dict[str, str]) -> str:
    slug = slug.strip().lower()
    if not is_slug(slug):
        errors["slug"] = _("Use lower-case letters, numbers and single hyphens, e.g. north-ward")
    return slug


def _slug_taken(model: type[Area] | type[Group], slug: str) -> bool:
    return db.session.scalar(select(model.id).where(model.slug == slug)) is not None


def _check_area_name(name: str, errors: dict[str, str], *, area: Area | None = None) -> str:
    """Trimmed; refused if blank, or if another area has it in any letter case (two areas
    with one name would be told apart nowhere: the home page and every area list)."""
    name = clean_text(name)
    if not name:
        errors["name"] = _("Enter a name")
        return name
    query = select(Area.id).where(func.lower(func.trim(Area.name)) == name.lower())
    if area is not None and area.id is not None:
        query = query.where(Area.id != area.id)
    if db.session.scalar(query.limit(1)) is not None:
        errors["name"] = _(
            "There is already an area called %(name)s: choose another name", name=name
        )
    return name


def create_area(
    actor: User | None,
    *,
    name: str,
    slug: str,
    kind: str,
    postcode_districts: str,
    description: str,
) -> Area:
    """Administrators make areas; actor None is the operator at the command line."""
    if actor is not None:
        require_admin(actor)
    errors: dict[str, str] = {}
    name = _check_area_name(name, errors)
    slug = _check_slug(slug, errors)
    if "slug" not in errors and _slug_taken(Area, slug):
        errors["slug"] = _("Another area already uses this short name")
    districts = _clean_districts(postcode_districts, errors)
    if errors:
        raise ValidationFailed(errors)
    area = Area(
        name=name,
        slug=slug,
        kind=kind,
        postcode_districts=districts,
        description=description.strip(),
    )
    try:
        # The look-up above gives a clear message; the unique index still decides a race.
        with db.session.begin_nested():
            db.session.add(area)
    except IntegrityError:
        raise ValidationFailed({"slug": _("Another area already uses this short name")}) from None
    audit.record(actor, "area:create", area, _area_data(area))
    return area


def update_area(
    actor: User, area: Area, *, name: str, kind: str, postcode_districts: str, description: str
) -> None:
    """Administrators edit areas (moderators run what happens in them)."""
    require_admin(actor)
    errors: dict[str, str] = {}
    name = _check_area_name(name, errors, area=area)
    districts = _clean_districts(postcode_districts, errors)
    if errors:
        raise ValidationFailed(errors)
    area.name = name
    area.kind = kind
    area.postcode_districts = districts
    area.description = description.strip()
    audit.record(actor, "area:update", area, _area_data(area))
    db.session.flush()


def _area_data(area: Area) -> dict[str, object]:
    return {"name": area.name, "kind": area.kind, "postcode_districts": area.districts}


# --- neighbourhood groups ---------------------------------------------------------------


def can_manage_group(actor: User | None, group: Group) -> bool:
    """Organisers and staff manage a group: invite, cancel invitations, remove members.
    The group page asks this too, so nobody is shown a control that would refuse them."""
    if actor is None or not actor.is_authenticated:
        return False
    return actor.is_moderator or group.role_of(actor) is GroupRole.ORGANISER


def can_appoint_organisers(actor: User | None, group: Group) -> bool:
    """Only moderators make or stand down organisers (an organiser holds a public role)."""
    return can_manage_group(actor, group) and bool(actor and actor.is_moderator)


def can_remove_member(actor: User | None, membership: GroupMembership) -> bool:
    """Managers remove members; removing an organiser is an appointment matter, for staff."""
    if membership.role is GroupRole.ORGANISER:
        return can_appoint_organisers(actor, membership.group)
    return can_manage_group(actor, membership.group)


def member_pseudonym(user_id: int, group: Group) -> str:
    """How the log names a member in a group's entries: scoped to the group, so the public
    cannot join someone's membership to the comments they sign (the page hides the names
    of members who did not choose to be listed)."""
    return audit.pseudonym(user_id, f"group:{group.slug}")


def members_shown_to(viewer: User | None, group: Group) -> list[GroupMembership]:
    """The memberships whose names `viewer` may see on the group page, organisers first.

    Managers see everyone, to manage them; anyone else sees the organisers (a public
    role), the members who chose to be listed, and themselves.
    """
    ordered = sorted(group.memberships, key=lambda m: (m.role is not GroupRole.ORGANISER, m.id))
    if can_manage_group(viewer, group):
        return ordered
    viewer_id = viewer.id if viewer is not None and viewer.is_authenticated else None
    return [m for m in ordered if m.named_publicly or m.user_id == viewer_id]


def membership_of(user: User | None, group: Group) -> GroupMembership | None:
    if user is None or not user.is_authenticated:
        return None
    return next((m for m in group.memberships if m.user_id == user.id), None)


def require_group_manager(actor: User | None, group: Group) -> User:
    user = require_signed_in(actor)
    if not can_manage_group(user, group):
        raise PermissionDenied(_("Only the group's organisers and moderators can do this."))
    return user


def create_group(
    actor: User,
    *,
    area: Area,
    name: str,
    slug: str,
    description: str,
    organiser: User | None = None,
    organiser_email: str = "",
) -> Group:
    """`organiser` is the first organiser, or give `organiser_email` (typed in a form) to have
    it looked up here, so a wrong address is reported together with any other problem."""
    require_moderator(actor)
    errors: dict[str, str] = {}
    name = clean_text(name)
    if not name:
        errors["name"] = _("Enter a name")
    slug = _check_slug(slug, errors)
    if "slug" not in errors and _slug_taken(Group, slug):
        errors["slug"] = _("Another group already uses this short name")
    if organiser is None and organiser_email.strip():
        organiser = find_user_by_email(organiser_email)
        if organiser is None:
            errors["organiser_email"] = _("No account uses this email address")
    if errors:
        raise ValidationFailed(errors)
    group = Group(area_id=area.id, name=name, slug=slug, description=description)
    try:
        with db.session.begin_nested():
            db.session.add(group)
    except IntegrityError:
        raise ValidationFailed({"slug": _("Another group already uses this short name")}) from None
    db.session.expire(area, ["groups"])
    audit.record(actor, "group:create", group, {"name": group.name, "area": area.slug})
    if organiser is not None:
        add_member(actor, group, organiser, GroupRole.ORGANISER)
    return group


def update_group(actor: User, group: Group, *, name: str, description: str) -> None:
    require_group_manager(actor, group)
    group.name = clean_text(name)
    group.description = description.strip()
    audit.record(actor, "group:update", group, {"name": group.name})
    db.session.flush()


def add_member(actor: User, group: Group, user: User, role: GroupRole) -> GroupMembership:
    """Make `user` a member at once, without asking them: for moderators only (setting a
    group up with its first organiser, or with members they have met). Organisers invite
    instead (civic.accounts.invitations), and the person joins only by accepting."""
    require_group_manager(actor, group)
    if not can_appoint_organisers(actor, group):
        raise PermissionDenied(
            _(
                "Organisers invite people to join (they join by accepting); only moderators "
                "add members directly."
            )
        )
    membership = GroupMembership(group_id=group.id, user_id=user.id, role=role)
    try:
        with db.session.begin_nested():
            db.session.add(membership)
    except IntegrityError:
        raise ValidationFailed(
            {"email": _("%(name)s is already a member", name=user.display_name)}
        ) from None
    db.session.expire(group, ["memberships"])
    audit.record(
        actor,
        "group:member_add",
        group,
        {"member": member_pseudonym(user.id, group), "role": role.value},
    )
    return membership


def set_member_role(actor: User, membership: GroupMembership, role: GroupRole) -> None:
    group = membership.group
    require_group_manager(actor, group)
    if not can_appoint_organisers(actor, group):
        raise PermissionDenied(_("Only moderators can appoint or stand down organisers."))
    if membership.role is role:
        return
    membership.role = role
    audit.record(
        actor,
        "group:member_role",
        group,
        {"member": member_pseudonym(membership.user_id, group), "role": role.value},
    )
    db.session.flush()


def remove_member(actor: User, membership: GroupMembership) -> None:
    group = membership.group
    require_group_manager(actor, group)
    if not can_remove_member(actor, membership):
        raise PermissionDenied(_("Only moderators can remove an organiser."))
    member = member_pseudonym(membership.user_id, group)
    group.memberships.remove(membership)
    audit.record(actor, "group:member_remove", group, {"member": member})
    db.session.flush()


# --- eligibility ------------------------------------------------------------------------


def generate_codes(
    actor: User,
    area: Area,
    *,
    count: int,
    valid_days: int,
    note: str = "",
    constituency: Constituency | None = None,
) -> tuple[CodeBatch, list[str]]:
    """Make a batch of letters' codes. The plain codes are returned once and never stored.

    With `constituency`, the letters prove membership of it (staff, users, tenants) instead
    of residence of `area`: the same codes, hashes and redemption, another grant."""
    require_moderator(actor)
    if constituency is not None and not constituency.kind.proved:
        raise ValidationFailed(
            {
                "count": _(
                    "Members of %(group)s need no letters: they are read live",
                    group=constituency.name,
                )
            }
        )
    errors = {}
    if not 1 <= count <= MAX_CODES_PER_BATCH:
        errors["count"] = _(
            "Number of codes must be between 1 and %(most)s", most=MAX_CODES_PER_BATCH
        )
    if not 1 <= valid_days <= 730:
        errors["valid_days"] = _("Codes must be valid for between 1 and 730 days")
    if errors:
        raise ValidationFailed(errors)
    batch = CodeBatch(
        area=area,
        constituency=constituency,
        size=count,
        note=note.strip(),
        created_by=actor,
        expires_at=utcnow() + timedelta(days=valid_days),
    )
    db.session.add(batch)
    db.session.flush()
    plain = [code_format.new_code() for _n in range(count)]
    db.session.execute(
        EligibilityCode.__table__.insert(),
        [{"batch_id": batch.id, "code_hash": code_format.digest(code)} for code in plain],
    )
    audit.record(
        actor,
        "eligibility:codes_generate",
        batch,
        {
            "area": area.slug,
            "count": count,
            "expires": batch.expires_at.date().isoformat(),
            **({"constituency": constituency.slug} if constituency is not None else {}),
        },
    )
    return batch, plain


def redeem_code(
    user: User, typed: str, *, expected: Constituency | None = None
) -> Eligibility | ConstituencyMembership:
    """Make `user` eligible in the code's area, or a member of the code's constituency.
    Each code works once, whoever races for it. With `expected` (a constituency's own
    page), a code for anything else is refused and stays unused."""
    require_signed_in(user)
    if problem := email_confirm_problem(user):
        raise ValidationFailed({"code": problem})
    code = code_format.normalise(typed)
    if not code:
        raise ValidationFailed({"code": _("Enter the code from your letter")})
    if not code_format.is_well_formed(code):
        raise ValidationFailed(
            {"code": _("Codes have 12 letters and numbers, like 7K2M-Q9XD-4HPA: check your letter")}
        )
    row = db.session.scalar(
        select(EligibilityCode).where(EligibilityCode.code_hash == code_format.digest(code))
    )
    if row is None:
        raise ValidationFailed(
            {"code": _("We do not recognise this code: check it against your letter")}
        )
    if row.redeemed_at is not None:
        on = format_day(row.redeemed_at)
        holder = db.session.get(User, row.redeemed_by_id) if row.redeemed_by_id else None
        if holder is not None and holder.paper_only:
            # paper forms were entered with it at a desk; their votes are the resident's,
            # and this account cannot take part a second time in the same place
            raise ValidationFailed(
                {
                    "code": _(
                        "This code was used at a council desk on %(day)s to enter paper "
                        "votes or forms. Contact the council to have them joined to this "
                        "account; the code cannot be used here as well",
                        day=on,
                    )
                }
            )
        if row.redeemed_by_id == user.id:
            said = _("This code was already used by you on %(day)s", day=on)
        else:
            said = _("This code was already used by someone else on %(day)s", day=on)
        raise ValidationFailed({"code": said})
    batch = row.batch
    if expected is not None and batch.constituency_id != expected.id:
        if batch.constituency:
            said = _(
                "This code is for %(meant)s, not %(expected)s: it was not used",
                meant=batch.constituency.name,
                expected=expected.name,
            )
        else:
            said = _(
                "This code is for residents of %(area)s, not %(expected)s: it was not used",
                area=batch.area.name,
                expected=expected.name,
            )
        raise ValidationFailed({"code": said})
    if aware(batch.expires_at) < utcnow():
        raise ValidationFailed(
            {
                "code": _(
                    "This code expired on %(day)s: ask for a new letter",
                    day=format_day(batch.expires_at),
                )
            }
        )
    if batch.constituency is not None:
        if constituencies.is_member(user, batch.constituency):
            raise ValidationFailed(
                {
                    "code": _(
                        "You already belong to %(group)s; keep this code unused",
                        group=batch.constituency.name,
                    )
                }
            )
    elif user.is_eligible_in(batch.area):
        raise ValidationFailed(
            {
                "code": _(
                    "You can already take part in %(area)s; keep this code unused",
                    area=batch.area.name,
                )
            }
        )
    return grant_by_code(user, row)


def grant_by_code(user: User, row: EligibilityCode) -> Eligibility | ConstituencyMembership:
    """The last step of using a letter code, online (`redeem_code`) or at the paper desk
    (`civic.accounts.paper_residents`): claim the code for `user` if it is still unused,
    and grant what it proves. Both logs are the same whichever way it came."""
    batch = row.batch
    claimed = db.session.execute(
        update(EligibilityCode)
        .where(EligibilityCode.id == row.id, EligibilityCode.redeemed_at.is_(None))
        .values(redeemed_by_id=user.id, redeemed_at=utcnow())
    )
    if claimed.rowcount != 1:
        raise Conflict(_("This code was used a moment ago by someone else."))
    if batch.constituency is not None:
        return constituencies.grant_by_code(user, batch.constituency, row.id)
    eligibility = _grant(user, batch.area, EligibilityMethod.CODE, code_id=row.id)
    audit.record(
        user,
        "eligibility:grant",
        _eligibility_subject(user, batch.area),
        {"area": batch.area.slug, "method": "code"},
    )
    events.became_eligible(user, batch.area)
    return eligibility


def _eligibility_subject(user: User, area: Area) -> audit.Subject:
    """Who became able to take part in an area, by a pseudonym for that area alone: the
    public log shows that someone did, and each grant's trail, but where a named person
    lives (which their comments' pseudonym would give away) is personal data."""
    return audit.Subject("eligibility", audit.pseudonym(user.id, f"area:{area.slug}"))


def _grant(user: User, area: Area, method: EligibilityMethod, **extra: object) -> Eligibility:
    eligibility = Eligibility(user_id=user.id, area_id=area.id, method=method, **extra)
    try:
        with db.session.begin_nested():
            db.session.add(eligibility)
    except IntegrityError:
        raise Conflict(
            _("%(name)s can already take part in %(area)s.", name=user.display_name, area=area.name)
        ) from None
    db.session.expire(user, ["eligibilities"])
    return eligibility


def confirm_eligibility(actor: User, user: User, area: Area, note: str) -> Eligibility:
    """A moderator vouches for a resident (e.g. after seeing a council tax bill)."""
    require_moderator(actor)
    errors: dict[str, str] = {}
    if user.is_eligible_in(area):
        errors["email"] = _(
            "%(name)s can already take part in %(area)s", name=user.display_name, area=area.name
        )
    elif not user.email_confirmed:
        errors["email"] = _(
            "%(name)s has not confirmed their email address yet: ask them to "
            "follow the link we sent them (they can send it again from Your areas), then "
            "confirm them",
            name=user.display_name,
        )
    if not note.strip():
        errors["note"] = _("Say how residence was checked (kept in the record)")
    if errors:
        raise ValidationFailed(errors)
    eligibility = _grant(
        user, area, EligibilityMethod.MODERATOR, confirmed_by_id=actor.id, note=note.strip()
    )
    audit.record(
        actor,
        "eligibility:grant",
        _eligibility_subject(user, area),
        {"area": area.slug, "method": "moderator"},
    )
    events.became_eligible(user, area)
    return eligibility


def revoke_eligibility(actor: User, eligibility: Eligibility, reason: str) -> None:
    require_moderator(actor)
    if not reason.strip():
        raise ValidationFailed({"reason": _("Give the reason (it is published in the audit log)")})
    user, area = eligibility.user, eligibility.area
    user.eligibilities.remove(eligibility)
    db.session.delete(eligibility)
    audit.record(
        actor,
        "eligibility:revoke",
        _eligibility_subject(user, area),
        {"area": area.slug, "reason": audit.logged_text(reason.strip())},
    )
    db.session.flush()


# --- look-ups used by views -------------------------------------------------------------


def get_or_404(model: type, **criteria: object):
    obj = db.session.scalar(select(model).filter_by(**criteria))
    if obj is None:
        raise NotFound(_("Nothing matches that address."))
    return obj


def code_batch_stats(batch: CodeBatch) -> tuple[int, int]:
    redeemed = db.session.scalar(
        select(func.count())
        .select_from(EligibilityCode)
        .where(EligibilityCode.batch_id == batch.id, EligibilityCode.redeemed_at.is_not(None))
    )
    return batch.size, int(redeemed or 0)
