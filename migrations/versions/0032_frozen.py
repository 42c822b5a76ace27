"""frozen downloads: a frozen round's results and ballots files, built once and stored

`frozen_download` holds the exact bytes of each download (results.json, ballots.pb ...)
of a subject whose results can no longer change, with their SHA-256 (the strong ETag),
so a request is one row read instead of a recount of every ballot.

Revision ID: 0032_frozen
Revises: 0031_indexes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0032_frozen"
down_revision = "0031_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "frozen_download",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("content_type", sa.String(length=80), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_frozen_download")),
        sa.UniqueConstraint("subject", "name", name=op.f("uq_frozen_download_subject_name")),
    )


def downgrade() -> None:
    op.drop_table("frozen_download")
