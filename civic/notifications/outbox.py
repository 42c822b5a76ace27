"""The transactional mail outbox (DESIGN §8).

`queue(...)` writes a message row in the caller's transaction, so the message exists
exactly when the change that caused it was committed: a rolled-back change sends nothing,
and a crash after the commit loses nothing. `send_due()` sends what is due, after the
request that queued it commits (the teardown hook below, best-effort) and on every
`civic tick` (which catches whatever the hook could not send).

Never twice: a sender first *claims* due rows in a short transaction of its own, with
`FOR UPDATE SKIP LOCKED` on PostgreSQL (a second sender skips rows the first holds and,
after the first commits, no longer finds them due) or under SQLite's write lock, marking
them `sending` with a lease. It then talks to the mail server with no lock held and records
each outcome. A sender that dies mid-way leaves rows `sending`; when the lease runs out they
are due again, so a crash can at worst repeat a message, never lose one.
Failures (refused, timed out, unreachable) wait CIVIC_MAIL_RETRY_SECONDS, doubling each
time; after CIVIC_MAIL_MAX_ATTEMPTS the row is `failed` and an administrator sees it on
/notifications/outbox.
"""

from __future__ import annotations

import contextlib
import hashlib
import smtplib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import parseaddr
from typing import Any

from flask import current_app, g, has_request_context, render_template
from flask_mailman import EmailMultiAlternatives, Mail
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from civic.clock import utcnow
from civic.errors import ValidationFailed
from civic.extensions import db
from civic.i18n import in_language
from civic.notifications.models import MailState, OutboxMessage

mail = Mail()
_NOW = object()  # queue_template's default language: the one in force now

_QUEUED_HERE = "_civic_mail_keys"
MAX_BACKOFF = timedelta(hours=12)
BATCH = 100
# failures worth another attempt; anything else (a bug) is recorded the same way, but logged
TRANSIENT = (smtplib.SMTPException, OSError)


def init_app(app: Any) -> None:
    mail.init_app(app)
    app.teardown_request(_send_after_commit)


# --- queueing -----------------------------------------------------------------------------


def queue(
    *,
    to: str,
    subject: str,
    text: str,
    html: str,
    key: str,
    headers: Mapping[str, str] | None = None,
) -> OutboxMessage | None:
    """Put one message in the outbox, in the caller's transaction (flushed, not committed).

    `key` names the logical message ("email-confirm:<token id>"): queueing the same key
    again returns the row already queued, so a retried request or a second run of a job
    never sends it twice. Headers such as List-Unsubscribe go in `headers`.

    None, and nothing queued, for an address in the reserved `.invalid` domain (RFC 2606):
    paper-only accounts have one (civic.accounts.paper_residents), and no mail server
    could deliver it; this is the last guard behind the senders' own checks.
    """
    problems: dict[str, str] = {}
    _, address = parseaddr(to)
    if is_undeliverable(address):
        return None
    if not address or "@" not in address or any(c in to for c in "\r\n"):
        problems["to"] = "Give one email address to send to"
    if not subject.strip() or any(c in subject for c in "\r\n"):
        problems["subject"] = "Give a subject on one line"
    if not key.strip() or len(key) > 200:
        problems["key"] = "Give a message key of 1 to 200 characters"
    if not text.strip() or not html.strip():
        problems["body"] = "Every message needs a plain-text part and an HTML part"
    extra = dict(headers or {})
    if any(c in f"{name}{value}" for name, value in extra.items() for c in "\r\n"):
        problems["headers"] = "Header names and values must each be on one line"
    if problems:
        raise ValidationFailed(problems)
    existing = _by_key(key)
    if existing is not None:
        return existing
    row = OutboxMessage(
        message_key=key,
        to_address=to,
        subject=subject,
        text_body=text,
        html_body=html,
        headers=extra,
        state=MailState.QUEUED,
        attempts=0,
        next_attempt_at=utcnow(),
        last_error="",
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        # another transaction queued the same key first (and has committed): that one counts
        return _by_key(key)  # type: ignore[return-value]
    remember(key)
    return row


def queue_template(
    template: str,
    *,
    to: str,
    subject: object,
    key: str,
    headers: Mapping[str, str] | None = None,
    language: str | object | None = _NOW,
    **context: Any,
) -> OutboxMessage | None:
    """Queue a message rendered from `mail/<template>.txt` and `mail/<template>.html`
    (the HTML one extends mail/base.html: language, title, semantic structure); both see
    `subject`, `to` and the given context.

    Mail is written in its recipient's language: pass `language` (their User.locale; None
    is English) with a lazy `subject`, or call this inside `civic.i18n.in_language(...)`.
    Without `language`, the language in force now is used."""
    chosen = language is not _NOW
    with in_language(language) if chosen else contextlib.nullcontext():  # type: ignore[arg-type]
        subject = str(subject)
        text, html = render_pair(template, subject=subject, to=to, **context)
    return queue(to=to, subject=subject, text=text, html=html, key=key, headers=headers)


def is_undeliverable(address: str) -> bool:
    """An address in the reserved `.invalid` top-level domain: never sent to."""
    return address.strip().rstrip(".").lower().endswith(".invalid")


def render_pair(template: str, **context: Any) -> tuple[str, str]:
    """The plain-text and HTML parts of one message, from a template pair."""
    return (
        render_template(f"mail/{template}.txt", **context),
        render_template(f"mail/{template}.html", **context),
    )


def remember(key: str) -> None:
    """Ask for `key` to be sent as soon as this request has committed."""
    if has_request_context():
        keys = g.setdefault(_QUEUED_HERE, [])
        if key not in keys:
            keys.append(key)


def send_after_response(response: Any) -> Any:
    """Send what this request queued only once its response has gone out, not at teardown
    (which runs before the body is written).

    For pages whose answer must not depend on whether a message was queued (forgot
    password, registration): sent at teardown, the mail server's round trip would show in
    the response time and tell an observer that the address has an account. Whatever
    fails here is retried by `civic tick`, as with the teardown hook.
    """
    keys = g.pop(_QUEUED_HERE, None)
    if keys:
        app = current_app._get_current_object()

        def _send() -> None:
            with app.app_context():
                try:
                    send_due(keys=keys)
                except Exception:
                    db.session.rollback()
                    app.logger.exception("sending mail after the response failed; tick retries")

        response.call_on_close(_send)
    return response


def _by_key(key: str) -> OutboxMessage | None:
    return db.session.scalar(select(OutboxMessage).where(OutboxMessage.message_key == key))


def _send_after_commit(exc: BaseException | None) -> None:
    """Teardown: the request has committed (or rolled back, and its rows are gone); send
    what it queued. Best-effort: whatever fails here is retried by `civic tick`."""
    keys = g.pop(_QUEUED_HERE, None)
    if exc is not None or not keys:
        return
    try:
        send_due(keys=keys)
    except Exception:
        db.session.rollback()
        current_app.logger.exception("sending mail after the request failed; tick retries")


# --- sending ------------------------------------------------------------------------------


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"Sent {self.sent} {'message' if self.sent == 1 else 'messages'}"]
        if self.retrying:
            parts.append(f"{self.retrying} to retry later")
        if self.failed:
            parts.append(f"{self.failed} given up (see /notifications/outbox)")
        return "; ".join(parts) + "."


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: the retry setting, doubling."""
    base = timedelta(seconds=int(current_app.config.get("MAIL_RETRY_SECONDS", 60)))
    return min(base * 2 ** max(0, attempts - 1), MAX_BACKOFF)


def _lease() -> timedelta:
    """How long a claim lasts: well beyond one SMTP exchange with its timeout."""
    timeout = float(current_app.config.get("MAIL_TIMEOUT") or 10)
    return timedelta(seconds=max(600.0, timeout * 6))


def claim(*, keys: Iterable[str] | None = None, limit: int = BATCH) -> list[OutboxMessage]:
    """Mark up to `limit` due messages `sending` and commit, so no other sender takes them.

    Commits: call it (through `send_due`) with no unfinished work in the session."""
    now = utcnow()
    stmt = (
        select(OutboxMessage)
        .where(
            OutboxMessage.state.in_([MailState.QUEUED, MailState.SENDING]),
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .execution_options(populate_existing=True)
    )
    if keys is not None:
        stmt = stmt.where(OutboxMessage.message_key.in_(list(keys)))
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    rows = list(db.session.scalars(stmt))
    lease_ends = now + _lease()
    for row in rows:
        row.state = MailState.SENDING
        row.attempts += 1
        row.next_attempt_at = lease_ends
    db.session.commit()
    return rows


def send_due(*, keys: Iterable[str] | None = None, limit: int = BATCH) -> SendReport:
    """Send what is due (or, given `keys`, those of them that are due) and record each
    outcome in its own transaction. Commits; returns what happened."""
    report = SendReport()
    rows = claim(keys=keys, limit=limit)
    if not rows:
        return report
    messages = [(row.id, row.attempts, build(row)) for row in rows]
    connection = connect()
    for message_id, attempts, message in messages:
        try:
            connection.send_messages([message])
        except Exception as exc:
            if not isinstance(exc, TRANSIENT):
                current_app.logger.exception("mail %s could not be sent", message_id)
            _safely_close(connection)
            gave_up = _record_failure(message_id, attempts, exc)
            report.failed += gave_up
            report.retrying += not gave_up
            report.errors.append(describe(exc))
        else:
            _record_sent(message_id)
            report.sent += 1
    _safely_close(connection)
    return report


def connect() -> Any:
    """A Flask-Mailman connection from the current settings (read at send time, so a
    changed setting or a test's server applies without restarting)."""
    config = current_app.config
    backend = config.get("MAIL_BACKEND") or "locmem"
    options: dict[str, Any] = {}
    if backend == "smtp":
        options = {
            "host": config.get("MAIL_SERVER"),
            "port": config.get("MAIL_PORT"),
            "username": config.get("MAIL_USERNAME"),
            "password": config.get("MAIL_PASSWORD"),
            "use_tls": bool(config.get("MAIL_USE_TLS")),
            "use_ssl": bool(config.get("MAIL_USE_SSL")),
            "timeout": config.get("MAIL_TIMEOUT"),
        }
    elif backend.startswith("civic."):
        options = {"file_path": config.get("MAIL_FILE_PATH")}
    return mail.get_connection(backend=backend, **options)


def build(row: OutboxMessage) -> EmailMultiAlternatives:
    """The message as it goes out: both parts, the row's headers, and a Message-ID fixed by
    the row, so a receiving server can tell a repeat (after a crash) from a new message."""
    sender = current_app.config.get("MAIL_DEFAULT_SENDER") or "civic@localhost"
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    digest = hashlib.sha256(row.message_key.encode()).hexdigest()[:16]
    headers = {"Message-ID": f"<civic.{row.id}.{digest}@{domain}>", **(row.headers or {})}
    message = EmailMultiAlternatives(
        subject=row.subject,
        body=row.text_body,
        from_email=sender,
        to=[row.to_address],
        headers=headers,
    )
    message.attach_alternative(row.html_body, "text/html")
    return message


def describe(exc: BaseException) -> str:
    """A short, readable reason for the outbox page (the class and the server's words)."""
    text = str(exc).strip() or "no details"
    return f"{type(exc).__name__}: {text}"[:500]


def _record_sent(message_id: int) -> None:
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.state == MailState.SENDING)
        .values(state=MailState.SENT, sent_at=utcnow(), last_error="")
    )
    db.session.commit()


def _record_failure(message_id: int, attempts: int, exc: BaseException) -> bool:
    """Queue the message again after the backoff, or give up: True when it gave up."""
    give_up = attempts >= int(current_app.config.get("MAIL_MAX_ATTEMPTS", 6))
    values: dict[str, Any] = {"last_error": describe(exc)}
    if give_up:
        values["state"] = MailState.FAILED
    else:
        values |= {"state": MailState.QUEUED, "next_attempt_at": utcnow() + backoff(attempts)}
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.state == MailState.SENDING)
        .values(**values)
    )
    db.session.commit()
    return give_up


def _safely_close(connection: Any) -> None:
    # a connection already broken has nothing left to close
    with contextlib.suppress(Exception):
        connection.close()
