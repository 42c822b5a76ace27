"""A consultation's questions, residents' responses and answers, themes, and the reply."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.accounts.models import Area, User, utcnow
from civic.audit import Subject
from civic.database import string_enum
from civic.extensions import db
from civic.i18n import lazy_gettext as _l


class ConsultationState(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    RESPONDED = "responded"

    @property
    def label(self) -> str:
        """The state as pages name it, in the reader's language."""
        return str(
            {
                "draft": _l("Draft"),
                "open": _l("Open"),
                "closed": _l("Closed"),
                "responded": _l("Response published"),
            }[self.value]
        )


class Audience(enum.StrEnum):
    RESIDENTS = "residents"  # eligible residents of the area
    SIGNED_IN = "signed_in"  # anyone with an account


class QuestionKind(enum.StrEnum):
    FREE_TEXT = "free_text"
    SINGLE = "single"
    MULTIPLE = "multiple"
    SCALE = "scale"
    RANKING = "ranking"

    @property
    def label(self) -> str:
        return {
            "free_text": _l("Free text"),
            "single": _l("Single choice"),
            "multiple": _l("Multiple choice"),
            "scale": _l("Scale from 1 to 5"),
            "ranking": _l("Ranking"),
        }[self.value]

    @property
    def has_options(self) -> bool:
        return self in (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.RANKING)


class Consultation(db.Model):
    __tablename__ = "consultation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    service: Mapped[str] = mapped_column(String(200), nullable=False)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), nullable=False, index=True)
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="")
    documents: Mapped[str] = mapped_column(Text, nullable=False, default="")  # Markdown links
    # the language moderators wrote it in, and a short plain-language summary shown first
    # (civic.content: other languages' versions live in content_translation)
    language: Mapped[str] = mapped_column(
        String(8), nullable=False, default="en", server_default="en"
    )
    easy_read: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    audience: Mapped[Audience] = mapped_column(
        string_enum(Audience, "consultation_audience"), nullable=False
    )
    state: Mapped[ConsultationState] = mapped_column(
        string_enum(ConsultationState, "consultation_state"), nullable=False
    )
    opens_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    closes_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    reply_source: Mapped[str] = mapped_column(Text, nullable=False, default="")
    reply_html: Mapped[str] = mapped_column(Text, nullable=False, default="")
    replied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # why a moderator closed it before its published closing date (public)
    close_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # how many numbered paper forms were printed (civic.paper): numbers 1..papers_issued
    papers_issued: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    area: Mapped[Area] = relationship()
    questions: Mapped[list[Question]] = relationship(order_by="Question.position")

    @property
    def audit_subject(self) -> Subject:
        return Subject("consultation", str(self.id))


class Question(db.Model):
    __tablename__ = "consultation_question"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[QuestionKind] = mapped_column(
        string_enum(QuestionKind, "question_kind"), nullable=False
    )
    text: Mapped[str] = mapped_column(String(500), nullable=False)
    hint: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    required: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    options: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    max_choices: Mapped[int | None] = mapped_column(Integer)
    late: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    @property
    def field(self) -> str:
        return f"q{self.id}"


class Response(db.Model):
    """One per person per consultation (database-enforced); a draft until submitted."""

    __tablename__ = "consultation_response"
    __table_args__ = (
        UniqueConstraint("consultation_id", "respondent_id"),
        # a printed form is entered once (civic.paper): NULL for online responses
        UniqueConstraint(
            "consultation_id", "paper_number", name="uq_consultation_response_paper_number"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), nullable=False)
    respondent_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id"), nullable=False, index=True
    )
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    # a paper response an officer entered (civic.paper)
    paper: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    paper_number: Mapped[int | None] = mapped_column(Integer)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    paper_check: Mapped[str] = mapped_column(
        String(200), nullable=False, default="", server_default=""
    )

    respondent: Mapped[User] = relationship(foreign_keys=[respondent_id])
    entered_by: Mapped[User | None] = relationship(foreign_keys=[entered_by_id])
    consultation: Mapped[Consultation] = relationship()


class Answer(db.Model):
    __tablename__ = "consultation_answer"
    __table_args__ = (
        UniqueConstraint("response_id", "question_id"),
        Index("ix_consultation_answer_question", "question_id", "response_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_response.id", ondelete="CASCADE"), nullable=False
    )
    question_id: Mapped[int] = mapped_column(ForeignKey("consultation_question.id"), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    scale: Mapped[int | None] = mapped_column(Integer)


class AnswerChoice(db.Model):
    """A chosen option (single/multiple) or a ranked one; one row each so counts are SQL."""

    __tablename__ = "consultation_choice"
    __table_args__ = (Index("ix_consultation_choice_question", "question_id", "option"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    answer_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_answer.id", ondelete="CASCADE"), nullable=False, index=True
    )
    question_id: Mapped[int] = mapped_column(ForeignKey("consultation_question.id"), nullable=False)
    option: Mapped[int] = mapped_column(Integer, nullable=False)  # index into Question.options
    rank: Mapped[int] = mapped_column(Integer, nullable=False, default=1)


class Theme(db.Model):
    __tablename__ = "consultation_theme"
    __table_args__ = (UniqueConstraint("consultation_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(80), nullable=False)


class AnswerTheme(db.Model):
    __tablename__ = "consultation_answer_theme"
    __table_args__ = (UniqueConstraint("answer_id", "theme_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    answer_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_answer.id", ondelete="CASCADE"), nullable=False
    )
    theme_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_theme.id"), nullable=False, index=True
    )


class ReviewDecision(enum.StrEnum):
    PUBLISH = "publish"  # as written
    REDACT = "redact"  # the moderator's redacted text instead
    WITHHOLD = "withhold"  # never published

    @property
    def label(self) -> str:
        return {
            "publish": _l("Publish as written"),
            "redact": _l("Publish with the changes below"),
            "withhold": _l("Do not publish"),
        }[self.value]


class FreeTextReview(db.Model):
    """A moderator's redaction review of one free-text answer: only reviewed answers are
    published, apart from the rest of their response, so a distinctive phrase cannot unmask
    the response's other answers. The original text stays in `Answer`; a redacted version
    is kept here."""

    __tablename__ = "consultation_text_review"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    answer_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_answer.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultation.id"), nullable=False, index=True
    )
    question_id: Mapped[int] = mapped_column(ForeignKey("consultation_question.id"), nullable=False)
    decision: Mapped[ReviewDecision] = mapped_column(
        string_enum(ReviewDecision, "review_decision"), nullable=False
    )
    redacted_text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    reviewed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    reviewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
