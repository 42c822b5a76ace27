"""indexes: counts kept and indexes fitted to the busiest queries (issue 16)

`budget_round.ballots_cast` and `paper_ballots_cast` keep the round's ballot counts (the
round page showed them by counting every ballot on each view); existing rounds get their
counts from their ballots here. `ix_comment_top_level` is a partial index on
(thread_id, created_at, id) of top-level comments only (root_id IS NULL, which is what
the thread page asks for): the page reads one page of them in order instead of every
top-level comment of the thread; it replaces ix_comment_thread_root_created.

Revision ID: 0031_indexes
Revises: 0030_data_rights
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0031_indexes"
down_revision = "0030_data_rights"
branch_labels = None
depends_on = None

# existing rounds: their counts from their ballots (a test runs this on a populated round)
BACKFILL = (
    "UPDATE budget_round SET "
    "ballots_cast = (SELECT count(*) FROM budget_ballot b WHERE b.round_id = budget_round.id), "
    "paper_ballots_cast = (SELECT count(*) FROM budget_ballot b "
    "WHERE b.round_id = budget_round.id AND b.paper)"
)


def upgrade() -> None:
    with op.batch_alter_table("budget_round", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("ballots_cast", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("paper_ballots_cast", sa.Integer(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_index("ix_comment_thread_root_created")
        batch_op.create_index(
            "ix_comment_top_level",
            ["thread_id", "created_at", "id"],
            unique=False,
            sqlite_where=sa.text("root_id IS NULL"),
            postgresql_where=sa.text("root_id IS NULL"),
        )
    op.execute(BACKFILL)


def downgrade() -> None:
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_index("ix_comment_top_level")
        batch_op.create_index(
            "ix_comment_thread_root_created",
            ["thread_id", "root_id", "created_at", "id"],
            unique=False,
        )
    with op.batch_alter_table("budget_round", schema=None) as batch_op:
        batch_op.drop_column("paper_ballots_cast")
        batch_op.drop_column("ballots_cast")
