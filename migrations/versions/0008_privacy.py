"""privacy: moderators' redaction review of free-text consultation answers

Revision ID: 0008_privacy
Revises: 0005_consultations
Create Date: 2026-11-29 15:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0008_privacy"
down_revision = "0007_close_reasons"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "consultation_text_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column(
            "decision",
            sa.Enum("publish", "redact", "withhold", name="review_decision", native_enum=False),
            nullable=False,
        ),
        sa.Column("redacted_text", sa.Text(), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["consultation_answer.id"],
            name=op.f("fk_consultation_text_review_answer_id_consultation_answer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultation.id"],
            name=op.f("fk_consultation_text_review_consultation_id_consultation"),
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["consultation_question.id"],
            name=op.f("fk_consultation_text_review_question_id_consultation_question"),
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["user_account.id"],
            name=op.f("fk_consultation_text_review_reviewed_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_text_review")),
        sa.UniqueConstraint("answer_id", name=op.f("uq_consultation_text_review_answer_id")),
    )
    with op.batch_alter_table("consultation_text_review", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consultation_text_review_consultation_id"),
            ["consultation_id"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("consultation_text_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultation_text_review_consultation_id"))
    op.drop_table("consultation_text_review")
