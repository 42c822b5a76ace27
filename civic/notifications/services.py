"""What an administrator can do to the outbox: look at what is stuck, and retry it."""

from __future__ import annotations

from sqlalchemy import func, select

from civic import audit
from civic.accounts.models import User
from civic.clock import aware, utcnow
from civic.database import lock_row
from civic.errors import Conflict, NotFound
from civic.extensions import db
from civic.i18n import _
from civic.i18n import lazy_gettext as _l
from civic.notifications import outbox
from civic.notifications.models import MailState, OutboxMessage
from civic.permissions import require_admin

WAITING = (MailState.FAILED, MailState.QUEUED, MailState.SENDING)
# a message's state as the outbox page shows it
STATE_LABELS = {
    MailState.QUEUED: _l("Queued"),
    MailState.SENDING: _l("Sending"),
    MailState.SENT: _l("Sent"),
    MailState.FAILED: _l("Failed"),
}


def waiting_messages(actor: User | None, limit: int = 200) -> list[OutboxMessage]:
    """Failed messages first (they need a person), then those still queued or sending."""
    require_admin(actor)
    order = {MailState.FAILED: 0, MailState.SENDING: 1, MailState.QUEUED: 2}
    rows = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.state.in_(WAITING))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    ).all()
    return sorted(rows, key=lambda row: order[row.state])


def counts(actor: User | None) -> dict[MailState, int]:
    require_admin(actor)
    found = db.session.execute(
        select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
    ).all()
    return {state: 0 for state in MailState} | {state: n for state, n in found}


def retry_now(actor: User | None, message_id: int) -> OutboxMessage:
    """Make a failed or waiting message due now; it is sent once this request commits.

    A failed message gets one more attempt (it stays failed if that fails too). The audit
    entry names the message by its outbox id only: no address, no subject, no body.
    """
    admin = require_admin(actor)
    row = lock_row(OutboxMessage, message_id)
    if row is None:
        raise NotFound(_("There is no such message in the outbox."))
    if row.state is MailState.SENT:
        raise Conflict(_("This message has been sent already; there is nothing to retry."))
    if row.state is MailState.SENDING and aware(row.next_attempt_at) > utcnow():
        raise Conflict(_("This message is being sent right now; look again in a minute."))
    was = row.state
    row.state = MailState.QUEUED
    row.next_attempt_at = utcnow()
    db.session.flush()
    audit.record(admin, "mail:retry", row, {"was": was.value, "attempts": row.attempts})
    outbox.remember(row.message_key)
    return row
