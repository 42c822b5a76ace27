"""residents without an account of their own, made at the paper desk from a letter code
(civic.accounts.paper_residents), and when one was taken over online

Revision ID: 0041_paper_residents
Revises: 0040_content
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0041_paper_residents"
down_revision = "0040_content"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(
            sa.Column("paper_only", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("paper_claimed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("paper_claimed_at")
        batch.drop_column("paper_only")
