"""The audit log's tables: append-only entries and the single head row that orders them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from civic.extensions import db

HEAD_ID = 1


class AuditHead(db.Model):
    """Size, root and frontier of the tree: one row, locked by every append.

    Locking this row (SELECT ... FOR UPDATE) is what gives concurrent appends gap-free
    sequence numbers; the frontier lets an append compute the new root in O(log n).
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    root: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    frontier: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class AuditEntry(db.Model):
    """One leaf of the Merkle tree. `body` holds the exact canonical JSON bytes hashed.

    The other columns repeat parts of the body so the public log can be filtered with an
    index; verification trusts only `body`.
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

    @property
    def body_text(self) -> str:
        return self.body.decode("utf-8")
