"""Documents attached to contracts, stored by their SHA-256.

The bytes live once per distinct content in `document_blob`, keyed by the hex SHA-256
digest, in the database itself: one transaction writes the bytes, the document row and the
audit entry, on SQLite and PostgreSQL alike, so there is never a file without its record
or a record without its file. The digest goes into the audit log, so anyone holding a
downloaded copy can check it is the one that was published.

A published document is never changed: a replacement is a new row (and a new audit entry),
and the old one stays listed, and downloadable, marked as replaced.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from civic.accounts.models import User
from civic.clock import utcnow
from civic.contracts.models import Contract
from civic.database import string_enum
from civic.extensions import db


class DocumentBlob(db.Model):
    """One file's bytes, once however many documents (or contracts) share them."""

    __tablename__ = "document_blob"
    __table_args__ = (
        CheckConstraint("length(sha256) = 64", name="sha256_hex"),
        CheckConstraint("size > 0", name="not_empty"),
    )

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)  # lower-case hex
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    # deferred: listing documents never loads their bytes
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DocumentState(enum.StrEnum):
    """Current: the version in force. Replaced: an earlier version, still downloadable.
    Withdrawn: taken down (a wrong or unsafe file), with the reason shown; only moderators
    can still download it, and its digest stays in the log."""

    CURRENT = "current"
    REPLACED = "replaced"
    WITHDRAWN = "withdrawn"


class ContractDocument(db.Model):
    __tablename__ = "contract_document"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    filename: Mapped[str] = mapped_column(String(160), nullable=False)  # sanitised
    media_type: Mapped[str] = mapped_column(String(100), nullable=False)  # sniffed
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(
        ForeignKey("document_blob.sha256"), nullable=False, index=True
    )
    state: Mapped[DocumentState] = mapped_column(
        string_enum(DocumentState, "document_state"),
        nullable=False,
        default=DocumentState.CURRENT,
    )
    # the version that replaced this one
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("contract_document.id"))
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")  # of a withdrawal
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # the audit entry that recorded the upload, linked from the page
    audit_seq: Mapped[int | None] = mapped_column(BigInteger)

    contract: Mapped[Contract] = relationship()
    blob: Mapped[DocumentBlob] = relationship()
    uploaded_by: Mapped[User | None] = relationship()
    replaced_by: Mapped[ContractDocument | None] = relationship(remote_side=[id])

    @property
    def is_current(self) -> bool:
        return self.state is DocumentState.CURRENT
