"""what moderators write in more than one language, and easy-read summaries (civic.content)

Revision ID: 0040_content
Revises: 0039_paper
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0040_content"
down_revision = "0039_paper"
branch_labels = None
depends_on = None

SUBJECTS = ("proposal", "consultation", "budget_round")


def upgrade() -> None:
    op.create_table(
        "content_translation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=60), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_content_translation_updated_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_translation")),
        sa.UniqueConstraint(
            "subject_kind",
            "subject_id",
            "field",
            "language",
            name=op.f("uq_content_translation_subject_kind_subject_id_field_language"),
        ),
    )
    for table in SUBJECTS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("language", sa.String(length=8), nullable=False, server_default="en")
            )
            batch.add_column(sa.Column("easy_read", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    for table in SUBJECTS:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("easy_read")
            batch.drop_column("language")
    op.drop_table("content_translation")
