"""One generic table of translations of what moderators write (issue 17).

A row is the text of one field of one subject in one language that is not the subject's
own: (subject_kind, subject_id, field, language) is unique, so a field has at most one
version per language. `source_sha256` is the SHA-256 of the original the translator saw,
so the moderators' page can say when the original has changed since.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from civic.accounts.models import utcnow
from civic.extensions import db


class ContentTranslation(db.Model):
    __tablename__ = "content_translation"
    __table_args__ = (UniqueConstraint("subject_kind", "subject_id", "field", "language"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "proposal", "consultation", "consultation_question", "budget_round"
    subject_kind: Mapped[str] = mapped_column(String(40), nullable=False)
    subject_id: Mapped[int] = mapped_column(Integer, nullable=False)
    # a column name ("title", "easy_read"), or "option.<n>" for a question's n-th option
    field: Mapped[str] = mapped_column(String(60), nullable=False)
    language: Mapped[str] = mapped_column(String(8), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    source_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
