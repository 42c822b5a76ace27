"""The audit log's tables: append-only entries, and the queue of private acts not yet in it.

The app's database role needs only INSERT and SELECT on `audit_entry` (see README,
"Production database roles"): there is no head row to UPDATE. Each entry carries the
tree's frontier after it, so the head is simply the entry with the highest seq, and
appends are serialised by an advisory lock (PostgreSQL) or SQLite's write lock.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from civic.extensions import db


@dataclass(frozen=True)
class ShownEntry:
    """What the public pages show about an entry, read from the hashed body only.

    A column outside the hash is a column the operator can forge, so pages never read
    `recorded_at`, `actor`, `action` or `subject_*` from the row: those are indexes.
    """

    seq: int | None
    time: datetime | None
    action: str
    subject_type: str
    subject_id: str
    actor: str | None
    data: dict[str, Any] = field(default_factory=dict)
    readable: bool = True


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def shown_from_body(body: bytes) -> ShownEntry:
    """Parse an entry's body; an unreadable body is shown as such, never guessed."""
    try:
        parsed = json.loads(bytes(body))
    except (ValueError, TypeError):
        parsed = None
    if not isinstance(parsed, dict):
        return ShownEntry(None, None, "(unreadable)", "(unreadable)", "", None, {}, False)
    subject = parsed.get("subject") if isinstance(parsed.get("subject"), dict) else {}
    data = parsed.get("data") if isinstance(parsed.get("data"), dict) else {}
    actor = parsed.get("actor")
    seq = parsed.get("seq")
    return ShownEntry(
        seq=seq if isinstance(seq, int) else None,
        time=_parse_time(parsed.get("time")),
        action=str(parsed.get("action", "")),
        subject_type=str(subject.get("type", "")),
        subject_id=str(subject.get("id", "")),
        actor=actor if isinstance(actor, str) else None,
        data=data,
    )


class AuditEntry(db.Model):
    """One leaf of the Merkle tree. `body` holds the exact canonical JSON bytes hashed.

    The other columns repeat parts of the body so the public log can be filtered with an
    index; verification checks they agree with the body, and pages render `shown`, which
    is parsed from the body. `frontier` is the tree's frontier after this entry (packed
    hashes), so appending needs no mutable head row.
    """

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_subject", "subject_type", "subject_id", "seq"),
        Index("ix_audit_entry_action_seq", "action", "seq"),
    )

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    action: Mapped[str] = mapped_column(String(64), nullable=False)
    subject_type: Mapped[str] = mapped_column(String(40), nullable=False)
    subject_id: Mapped[str] = mapped_column(String(64), nullable=False)
    actor: Mapped[str | None] = mapped_column(String(32))
    body: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    root_after: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    frontier: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)

    @property
    def body_text(self) -> str:
        return bytes(self.body).decode("utf-8", errors="replace")

    @property
    def shown(self) -> ShownEntry:
        """The entry as the pages show it: from the hashed body, never from the columns."""
        return shown_from_body(self.body)


class AuditPending(db.Model):
    """A private act (vote, ballot, response, eligibility grant) waiting for its batch.

    Never shown publicly. `audit.release_pending` appends these in a shuffled order with an
    hour-coarse time and deletes them, in one transaction: the app role may INSERT, SELECT
    and DELETE here, since this is a queue, not the log.
    """

    __tablename__ = "audit_pending"
    __table_args__ = (Index("ix_audit_pending_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(64), nullable=False)
    subject_type: Mapped[str] = mapped_column(String(40), nullable=False)
    subject_id: Mapped[str] = mapped_column(String(64), nullable=False)
    actor: Mapped[str | None] = mapped_column(String(32))
    data: Mapped[str] = mapped_column(Text, nullable=False)  # canonical JSON
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class AuditTileNode(db.Model):
    """The root of one perfect subtree of 256**level entries (level >= 1), stored once.

    These are the hashes tlog-tiles serves at `tile/<level>/...`: the hash at `idx`
    covers entries [idx * 256**level, (idx + 1) * 256**level). Level-0 hashes are the
    entries' own leaf hashes. Storing them lets tiles and proofs be served by reading a
    few hundred rows at most, never the whole log. Written by the append that completes
    the subtree; like the log, the app may only INSERT and SELECT.
    """

    __tablename__ = "audit_tile_node"

    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
