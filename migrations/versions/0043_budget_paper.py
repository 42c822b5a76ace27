"""numbered paper ballots for budget rounds: each paper's number once per round

Revision ID: 0043_budget_paper
Revises: 0042_group_paper
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0043_budget_paper"
down_revision = "0042_group_paper"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("budget_ballot") as batch:
        batch.add_column(sa.Column("paper_number", sa.Integer(), nullable=True))
        # NULLs (online ballots, and paper ballots entered before numbering) never clash
        batch.create_unique_constraint(
            "uq_budget_ballot_paper_number", ["round_id", "paper_number"]
        )
    with op.batch_alter_table("budget_round") as batch:
        batch.add_column(
            sa.Column("papers_issued", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("budget_round") as batch:
        batch.drop_column("papers_issued")
    with op.batch_alter_table("budget_ballot") as batch:
        batch.drop_constraint("uq_budget_ballot_paper_number", type_="unique")
        batch.drop_column("paper_number")
