"""Residents who take part on paper without an account of their own (issue 17).

A letter code is posted to every eligible resident, computer or not. When an officer
first enters a paper form with a code nobody has used, `open_for_code` makes a
*paper-only* account for it in the same transaction: its address is a reserved
`.invalid` one that nothing mails (RFC 2606 keeps the top-level domain unused), its
password verifies against nothing, and the code grants it eligibility exactly as online
redemption would. Every rule about who may take part, one cast per person (voter keys,
unique constraints, row locks) then applies to it unchanged; the same code typed at a
desk later finds the same account.

When the resident later registers online with that code (`take_over`), their address,
name and password replace the placeholders on that account, so what was entered on
paper is theirs to see and contest, and they cannot take part twice. Someone who
already has an account cannot redeem the code a second time: two accounts are never
joined here (`redeem_code` tells them to contact the council), so the database never
holds two casts for one person in one subject through this route.
"""

from __future__ import annotations

import secrets

from flask import has_request_context
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from civic import audit
from civic.accounts import codes as code_format
from civic.accounts.models import EligibilityCode, User, utcnow
from civic.accounts.passwords import hash_password
from civic.accounts.services import checked_person, find_user_by_email, grant_by_code
from civic.clock import aware
from civic.errors import ValidationFailed
from civic.extensions import db
from civic.i18n import _, current_language, format_day
from civic.permissions import require_moderator

PAPER_DOMAIN = "paper.invalid"
PAPER_NAME = "Paper resident"  # stored, never shown to the public: they cannot sign in
UNUSABLE_PASSWORD = "!paper-only"  # noqa: S105 (not an Argon2 hash: nothing verifies against it)


def is_paper_address(address: str) -> bool:
    """True for the placeholder address of a paper-only account: never mailed."""
    return (address or "").strip().lower().endswith("@" + PAPER_DOMAIN)


def find_code(typed: str, field: str = "code") -> EligibilityCode:
    """The letter code typed (at a desk or on the registration form), or why it is not one."""
    plain = code_format.normalise(typed or "")
    if not code_format.is_well_formed(plain):
        raise ValidationFailed(
            {field: _("Letter codes have 12 letters and numbers, like 7K2M-Q9XD-4HPA")}
        )
    row = db.session.scalar(
        select(EligibilityCode).where(EligibilityCode.code_hash == code_format.digest(plain))
    )
    if row is None:
        raise ValidationFailed({field: _("We do not recognise this letter code")})
    return row


def usable_at_desk(row: EligibilityCode) -> None:
    """An unused code may open a paper-only account only while its letter is valid."""
    if aware(row.batch.expires_at) < utcnow():
        raise ValidationFailed(
            {
                "code": _(
                    "This letter code expired on %(day)s and was never used: the resident "
                    "needs a new letter",
                    day=format_day(row.batch.expires_at),
                )
            }
        )


def open_for_code(actor: User | None, row: EligibilityCode) -> User:
    """The account an officer's paper entry is recorded under, for an unused letter code:
    a new paper-only account holding the code's eligibility, or, when another desk used
    the code a moment ago, the account that desk made.

    The code's row is locked first, so two desks entering the same new code at once make
    one account: the second waits, then finds the code used and takes the first's account.
    Logged as an online registration and redemption are (the account registers itself
    under its public pseudonym; the grant is a private act, released in a shuffled batch),
    so the log never says which code, nor the area. Its registration is appended beside
    the officer's `paper:enter`, so a reader can tell the account began at a desk; that
    names neither the resident nor anything they chose."""
    require_moderator(actor)
    locked = db.session.scalar(
        select(EligibilityCode)
        .where(EligibilityCode.id == row.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if locked.redeemed_by_id is not None:
        holder = db.session.get(User, locked.redeemed_by_id)
        return holder
    usable_at_desk(locked)
    user = User(
        email=f"paper-{secrets.token_hex(12)}@{PAPER_DOMAIN}",
        display_name=PAPER_NAME,
        password_hash=UNUSABLE_PASSWORD,
        paper_only=True,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(user, "account:register", user, {"role": user.role.value})
    grant_by_code(user, locked)
    return user


def take_over(email: str, display_name: str, password: str, code: str) -> User | None:
    """A resident registers with the letter code a desk used for them: the paper-only
    account becomes theirs (address, name, password), with everything entered for it.

    As `register` does, None when the address belongs to another account (its owner is
    told, the visitor sees the same answer), and the paper-only account stays as it was.
    The address must be confirmed by the link sent, as for any new account."""
    from civic.accounts import tokens

    errors: dict[str, str] = {}
    holder = None
    try:
        row = find_code(code)
    except ValidationFailed as failure:
        errors.update(failure.errors)
    else:
        holder = db.session.get(User, row.redeemed_by_id) if row.redeemed_by_id else None
        if holder is None or not holder.paper_only or not holder.active:
            errors["code"] = _(
                "No paper votes or forms were entered with this code. Leave it out here, "
                "and enter it on Your areas once you have confirmed your email address"
            )
    email, display_name = checked_person(email, display_name, password, errors)
    now = utcnow()
    try:
        with db.session.begin_nested():
            # only while still paper-only: two registrations racing for one code take one
            taken = db.session.execute(
                update(User)
                .where(User.id == holder.id, User.paper_only.is_(True))
                .values(
                    email=email,
                    display_name=display_name,
                    password_hash=hash_password(password),
                    paper_only=False,
                    paper_claimed_at=now,
                    email_confirmed_at=None,
                    locale=current_language() if has_request_context() else None,
                    session_token=secrets.token_urlsafe(24),
                )
            )
    except IntegrityError:
        taken = None
    if taken is None:
        owner = find_user_by_email(email)
        if owner is not None and owner.active and not owner.paper_only:
            tokens.tell_owner_of_registration(owner)
        db.session.expire(holder)
        return None
    if taken.rowcount != 1:
        raise ValidationFailed({"code": _("This code was used to register a moment ago.")})
    db.session.expire(holder)
    # a private act about the account, like confirming an address: no address in the log
    audit.record(holder, "account:paper_claim", tokens._account_subject(holder))
    tokens.send_confirmation(holder)
    return holder
