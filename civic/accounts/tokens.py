"""Emailed account links: confirm an address, reset a forgotten password, change address.

Each link carries a random secret; only its SHA-256 is stored (`AccountToken`), so a
leaked database opens nothing. A link works once and for a limited time
(CIVIC_PASSWORD_RESET_MINUTES, CIVIC_EMAIL_CONFIRM_HOURS). Using one is a single
`UPDATE ... WHERE used_at IS NULL AND expires_at > now`, and its row count decides: two
clicks at once (or two servers) use it once, and the loser is told the link was used.
A link that is forged, expired or used raises `LinkProblem` (a 4xx page that says which,
and how to get a new one), and nothing changes.

Nothing here tells a visitor whether an address has an account: a password reset for an
unknown address does the same work and gives the same answer, and a registration with an
address already in use sends its owner a note instead of saying so on the page.

These are private acts of one person about their own account, so the audit log has them
under a pseudonym scoped to the account's security (never the person's public one) and in
the shuffled batches of private acts, with no address in the entry (DESIGN §4).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from civic import audit
from civic.accounts.models import AccountToken, TokenPurpose, User, utcnow
from civic.accounts.passwords import burn_time, hash_password, password_problem, verify_password
from civic.accounts.services import find_user_by_email, normalise_email
from civic.clock import aware
from civic.errors import Conflict, ServiceError, ValidationFailed
from civic.extensions import db
from civic.i18n import _, current_language, in_language
from civic.i18n import lazy_gettext as _l
from civic.notifications import outbox
from civic.permissions import require_signed_in
from civic.web import site_url
from civic.wording import spoken

SECRET_BYTES = 32
MAX_SECRET_LENGTH = 100  # token_urlsafe(32) is 43 characters; anything much longer is junk
SAME_ADDRESS = "This is already your email address"


class LinkProblem(ServiceError):
    """An emailed link that cannot be used: `kind` is forged, expired or used."""

    def __init__(self, kind: str, purpose: TokenPurpose, message: str, status: int) -> None:
        super().__init__(message)
        self.kind = kind
        self.purpose = purpose
        self.status = status


# after "This link to ...": translators write the form that follows their word for "to"
_WHAT = {
    TokenPurpose.CONFIRM_EMAIL: _l("confirm your email address"),
    TokenPurpose.RESET_PASSWORD: _l("reset your password"),
    TokenPurpose.CHANGE_EMAIL: _l("change your email address"),
}


def digest(secret: str) -> str:
    return hashlib.sha256(secret.strip().encode("utf-8")).hexdigest()


def lifetime(purpose: TokenPurpose) -> timedelta:
    config = current_app.config
    if purpose is TokenPurpose.RESET_PASSWORD:
        return timedelta(minutes=int(config.get("PASSWORD_RESET_MINUTES", 60)))
    return timedelta(hours=int(config.get("EMAIL_CONFIRM_HOURS", 72)))


def minutes(purpose: TokenPurpose) -> int:
    """A link's lifetime in whole minutes, as mail and pages state it."""
    return int(lifetime(purpose).total_seconds() // 60)


def _new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def _issue(
    user: User, purpose: TokenPurpose, secret: str, *, new_email: str | None = None
) -> AccountToken:
    now = utcnow()
    row = AccountToken(
        user_id=user.id,
        purpose=purpose,
        token_hash=digest(secret),
        new_email=new_email,
        created_at=now,
        expires_at=now + lifetime(purpose),
    )
    db.session.add(row)
    db.session.flush()
    return row


def _retire(user: User, *purposes: TokenPurpose, keep: AccountToken | None = None) -> None:
    """Make every outstanding link of these kinds for `user` useless (marked used)."""
    stmt = update(AccountToken).where(
        AccountToken.user_id == user.id,
        AccountToken.purpose.in_(purposes),
        AccountToken.used_at.is_(None),
    )
    if keep is not None:
        stmt = stmt.where(AccountToken.id != keep.id)
    db.session.execute(
        stmt.values(used_at=utcnow()), execution_options={"synchronize_session": False}
    )


def find(secret: str, purpose: TokenPurpose) -> AccountToken:
    """The usable token for this link, or LinkProblem saying why it cannot be used."""
    secret = (secret or "").strip()
    row = None
    if 0 < len(secret) <= MAX_SECRET_LENGTH:
        row = db.session.scalar(
            select(AccountToken).where(
                AccountToken.token_hash == digest(secret), AccountToken.purpose == purpose
            )
        )
    if row is None or not row.user.active:
        raise LinkProblem(
            "forged",
            purpose,
            _(
                "We do not recognise this link to %(what)s. Check you copied all of it "
                "from the email, or ask for a new one.",
                what=_WHAT[purpose],
            ),
            404,
        )
    if row.used_at is not None:
        raise _used(purpose)
    if aware(row.expires_at) <= utcnow():
        raise LinkProblem(
            "expired",
            purpose,
            _(
                "This link to %(what)s expired at %(when)s. Ask for a new one: nothing was "
                "changed.",
                what=_WHAT[purpose],
                when=spoken(row.expires_at),
            ),
            410,
        )
    return row


def _used(purpose: TokenPurpose) -> LinkProblem:
    return LinkProblem(
        "used",
        purpose,
        _(
            "This link to %(what)s has already been used, or a newer link replaced it. "
            "Each link works once: ask for a new one if you still need it.",
            what=_WHAT[purpose],
        ),
        410,
    )


def _use(row: AccountToken) -> None:
    """Spend the token: the database decides, so of two uses at once only one succeeds."""
    now = utcnow()
    spent = db.session.execute(
        update(AccountToken)
        .where(
            AccountToken.id == row.id,
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > now,
        )
        .values(used_at=now),
        execution_options={"synchronize_session": False},
    )
    if spent.rowcount != 1:
        raise _used(row.purpose)
    row.used_at = now


def _account_subject(user: User) -> audit.Subject:
    """The account in the log, by a pseudonym used for nothing else: the entries show that
    someone reset a password or confirmed an address, never whose named account it was."""
    return audit.Subject("account", audit.pseudonym(user.id, "account-security"))


def _link(endpoint: str, secret: str) -> str:
    """A link carrying `secret`, on CIVIC_SITE_URL: never on the Host header a request
    claims, or a forged one would mail the owner a reset link to the forger's site."""
    return site_url(endpoint, token=secret)


def _mail(
    user: User, template: str, subject: str, key: str, *, to: str = "", **context: object
) -> None:
    """Queue account mail to `user` (at `to`, if another address), greeting them by name,
    in their language (`subject` is a lazy string: it is made in that language too).
    Nothing for a paper-only account: its address is a placeholder."""
    if user.paper_only:
        return
    with in_language(user.locale or current_language()):
        outbox.queue_template(
            template,
            to=to or user.email,
            subject=str(subject),
            key=key,
            name=user.display_name,
            **context,
        )


# --- confirming an address ----------------------------------------------------------------


def send_confirmation(user: User) -> AccountToken:
    """Email `user` a link that confirms their address (a new account, or a resend).

    Earlier links stop working, so only the newest one in the inbox is live."""
    secret = _new_secret()
    row = _issue(user, TokenPurpose.CONFIRM_EMAIL, secret)
    _retire(user, TokenPurpose.CONFIRM_EMAIL, keep=row)
    _mail(
        user,
        "confirm_email",
        _l("Confirm your email address for Civic"),
        f"confirm-email:{row.id}",
        link=_link("accounts.confirm_email", secret),
        hours=minutes(TokenPurpose.CONFIRM_EMAIL) // 60,
    )
    return row


def resend_confirmation(user: User) -> bool:
    """A new confirmation link for a signed-in person who has not confirmed yet; False
    (and nothing sent) when the address is confirmed already."""
    require_signed_in(user)
    if user.email_confirmed:
        return False
    send_confirmation(user)
    return True


def confirm_email(secret: str) -> User:
    """Follow a confirmation link: the account's address is confirmed."""
    row = find(secret, TokenPurpose.CONFIRM_EMAIL)
    _use(row)
    user = row.user
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        audit.record(user, "account:email_confirm", _account_subject(user))
    _retire(user, TokenPurpose.CONFIRM_EMAIL)
    db.session.flush()
    return user


def tell_owner_of_registration(user: User) -> None:
    """Someone tried to register with `user`'s address: tell its owner, not the visitor.

    At most one such note a day per account, so repeated attempts cannot flood the inbox."""
    _mail(
        user,
        "registration_attempt",
        _l("Someone tried to create a Civic account with your email address"),
        f"registration-attempt:{user.id}:{utcnow():%Y-%m-%d}",
        sign_in=site_url("accounts.sign_in"),
        reset=site_url("accounts.forgot_password"),
    )


# --- forgotten passwords ------------------------------------------------------------------


def request_password_reset(email: str) -> None:
    """Email a reset link if an active account uses `email`; otherwise do the same work
    and send nothing. The caller shows the same answer either way."""
    address = normalise_email(email)
    user = find_user_by_email(address)
    secret = _new_secret()
    context = {
        "link": _link("accounts.reset_password", secret),
        "minutes": minutes(TokenPurpose.RESET_PASSWORD),
        "forgot": site_url("accounts.forgot_password"),
    }
    # in the account's language; for an unknown address, the page's (the same work either way)
    with in_language((user.locale if user is not None else None) or current_language()):
        subject = _("Reset your Civic password")
        text, html = outbox.render_pair("password_reset", subject=subject, to=address, **context)
    if user is None or not user.active or user.paper_only:
        digest(secret)
        return
    row = _issue(user, TokenPurpose.RESET_PASSWORD, secret)
    outbox.queue(to=user.email, subject=subject, text=text, html=html, key=f"reset:{row.id}")


def reset_password(secret: str, new_password: str) -> User:
    """Set a new password from a reset link. Every session of the account ends (including
    one an intruder may hold), and every other reset link of the account stops working.
    A change of address asked for but not yet confirmed is stopped too (it may be an
    intruder's). The link came to the account's address, so it also confirms it."""
    row = find(secret, TokenPurpose.RESET_PASSWORD)
    user = row.user
    if problem := password_problem(new_password or "", email=user.email, name=user.display_name):
        raise ValidationFailed({"password": problem})
    _use(row)
    user.password_hash = hash_password(new_password)
    user.end_sessions()
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    _retire(user, TokenPurpose.RESET_PASSWORD, TokenPurpose.CHANGE_EMAIL)
    audit.record(user, "account:password_reset", _account_subject(user))
    db.session.flush()
    return user


def retire_after_password_change(user: User) -> None:
    """A password changed while signed in: reset links sent before stop working, and so
    does a change of address not yet confirmed (it may be an intruder's)."""
    _retire(user, TokenPurpose.RESET_PASSWORD, TokenPurpose.CHANGE_EMAIL)


# --- changing address ---------------------------------------------------------------------


def request_email_change(user: User, current_password: str, new_email: str) -> AccountToken:
    """Send a link to `new_email` that moves the account there, and tell the old address.

    Nothing changes until the link is used. Whether another account already uses the new
    address is not said here (that would tell a signed-in stranger who has an account);
    the link says so to whoever can read mail at that address.
    """
    require_signed_in(user)
    errors: dict[str, str] = {}
    if not verify_password(user.password_hash, current_password or ""):
        errors["current_password"] = _("Your current password is not right")
    try:
        address = normalise_email(new_email or "")
    except ValidationFailed as failure:
        errors["email"] = failure.errors["email"]
    else:
        if address == user.email:
            errors["email"] = SAME_ADDRESS
    if errors:
        raise ValidationFailed(errors)
    secret = _new_secret()
    row = _issue(user, TokenPurpose.CHANGE_EMAIL, secret, new_email=address)
    _retire(user, TokenPurpose.CHANGE_EMAIL, keep=row)
    hours = minutes(TokenPurpose.CHANGE_EMAIL) // 60
    _mail(
        user,
        "change_email_confirm",
        _l("Confirm your new email address for Civic"),
        f"change-email:{row.id}",
        to=address,
        link=_link("accounts.change_email_confirm", secret),
        hours=hours,
    )
    _mail(
        user,
        "change_email_notice",
        _l("Your Civic email address is being changed"),
        f"change-email-notice:{row.id}",
        hours=hours,
        reset=site_url("accounts.forgot_password"),
        privacy=site_url("site_pages.privacy"),
    )
    return row


def change_email(secret: str) -> User:
    """Follow the link sent to a new address: the account moves there (confirmed), every
    session ends, and links sent to the old address stop working. If another account
    took the address meanwhile, the unique index refuses and nothing changes."""
    row = find(secret, TokenPurpose.CHANGE_EMAIL)
    user = row.user
    _use(row)
    try:
        with db.session.begin_nested():
            user.email = row.new_email or user.email
            user.email_confirmed_at = utcnow()
            db.session.flush()
    except IntegrityError:
        raise Conflict(
            _(
                "Another Civic account already uses this email address, so this account was not "
                "moved to it. Sign in to that account, or reset its password if you forgot it."
            )
        ) from None
    user.end_sessions()
    _retire(
        user,
        TokenPurpose.CONFIRM_EMAIL,
        TokenPurpose.RESET_PASSWORD,
        TokenPurpose.CHANGE_EMAIL,
    )
    audit.record(user, "account:email_change", _account_subject(user))
    db.session.flush()
    return user


def burn(password: str) -> None:
    """The registration of an address already in use hashes the password too, as a new
    account would, so the two take about as long."""
    burn_time(password or "x")
