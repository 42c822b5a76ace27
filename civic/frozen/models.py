"""Downloads built once, when what they show can no longer change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from civic.accounts.models import utcnow
from civic.extensions import db


class FrozenDownload(db.Model):
    """The exact bytes of one download of a frozen subject (a round whose results are
    computed, ...), stored the first time they are built and served as they are ever after:
    a recount of tens of thousands of ballots costs seconds, a stored row costs a read.

    `subject` names what the download is of (`budget_round:<id>`: the id, since a slug can
    be renamed), `name` which download (`results.json`); `sha256` is the strong ETag.
    `body_br` and `body_gzip` are the same bytes compressed once, so a client accepting
    compression is not served megabytes recompressed per request (NULL for a body not
    worth compressing: small, or a type such as a hash tile that does not compress)."""

    __tablename__ = "frozen_download"
    __table_args__ = (UniqueConstraint("subject", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(String(80), nullable=False)
    name: Mapped[str] = mapped_column(String(40), nullable=False)
    content_type: Mapped[str] = mapped_column(String(80), nullable=False)
    # loaded only when sent: a 304 needs just the digest, not megabytes of ballots
    body: Mapped[bytes] = mapped_column(LargeBinary, nullable=False, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
    body_br: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    body_gzip: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
