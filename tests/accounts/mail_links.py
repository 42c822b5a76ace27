"""Read account links from the mail outbox, as a resident reads them from their inbox."""

from __future__ import annotations

import re

from sqlalchemy import select

from civic.extensions import db
from civic.notifications.models import OutboxMessage

LINK_RE = re.compile(r"https?://\S+/accounts/(confirm-email|reset-password|email/confirm)/(\S+)")


def messages_to(address: str) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.to_address == address)
            .order_by(OutboxMessage.id)
        )
    )


def latest_link(address: str, kind: str) -> str:
    """The path of the newest `kind` link ("confirm-email", "reset-password",
    "email/confirm") mailed to `address`."""
    for message in reversed(messages_to(address)):
        for found_kind, token in LINK_RE.findall(message.text_body):
            if found_kind == kind:
                return f"/accounts/{kind}/{token}"
    raise AssertionError(f"no {kind} link mailed to {address}")


def token_of(path: str) -> str:
    return path.rsplit("/", 1)[1]


def confirm(address: str) -> None:
    """Follow the confirmation link mailed to `address` (through the service)."""
    from civic.accounts import tokens

    tokens.confirm_email(token_of(latest_link(address, "confirm-email")))
