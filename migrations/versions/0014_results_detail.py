"""budget results keep the rule's own figures: Add1's final per-voter share

A Method of Equal Shares result now stores each voter's starting share of the budget and,
for MES + Add1, the whole units per voter the completion added, so the results page can
show them and a recount can check them. Results frozen before this revision have none.

Revision ID: 0014_results_detail
Revises: 0011_open_vote_electorate
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_results_detail"
down_revision = "0013_audit_tiles"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("budget_result") as batch:
        batch.add_column(
            sa.Column("detail", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("budget_result") as batch:
        batch.drop_column("detail")
