"""paper votes on group motions and paper ballots in group elections, and their contests

Revision ID: 0042_group_paper
Revises: 0041_paper_residents
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0042_group_paper"
down_revision = "0041_paper_residents"
branch_labels = None
depends_on = None

PAPER_TABLES = (
    ("group_motion_vote", "motion_id", "uq_group_motion_vote_paper_number"),
    ("group_election_ballot", "election_id", "uq_group_election_ballot_paper_number"),
)
OPEN = sa.text("state = 'open'")


def upgrade() -> None:
    for table, subject, unique in PAPER_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("paper", sa.Boolean(), nullable=False, server_default=sa.false())
            )
            batch.add_column(sa.Column("paper_number", sa.Integer(), nullable=True))
            batch.add_column(sa.Column("entered_by_id", sa.Integer(), nullable=True))
            batch.add_column(
                sa.Column("paper_check", sa.String(length=200), nullable=False, server_default="")
            )
            batch.create_foreign_key(
                f"fk_{table}_entered_by_id_user_account", "user_account", ["entered_by_id"], ["id"]
            )
            batch.create_unique_constraint(unique, [subject, "paper_number"])
    for table in ("group_motion", "group_election"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("papers_issued", sa.Integer(), nullable=False, server_default="0")
            )
    op.create_table(
        "group_paper_contest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("cast_id", sa.Integer(), nullable=True),
        sa.Column("paper_number", sa.Integer(), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("voter_key", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=7), nullable=False),  # open, removed, kept
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolver_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["neighbourhood_group.id"],
            name="fk_group_paper_contest_group_id_neighbourhood_group",
        ),
        sa.ForeignKeyConstraint(
            ["entered_by_id"],
            ["user_account.id"],
            name="fk_group_paper_contest_entered_by_id_user_account",
        ),
        sa.ForeignKeyConstraint(
            ["resolver_id"],
            ["user_account.id"],
            name="fk_group_paper_contest_resolver_id_user_account",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_group_paper_contest"),
    )
    op.create_index("ix_group_paper_contest_group_id", "group_paper_contest", ["group_id"])
    op.create_index("ix_group_paper_contest_voter_key", "group_paper_contest", ["voter_key"])
    # one open contest per entry (civic.contests.states.one_open_per_entry)
    op.create_index(
        "uq_group_paper_contest_open",
        "group_paper_contest",
        ["kind", "subject_id", "voter_key"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )


def downgrade() -> None:
    op.drop_index("uq_group_paper_contest_open", table_name="group_paper_contest")
    op.drop_index("ix_group_paper_contest_voter_key", table_name="group_paper_contest")
    op.drop_index("ix_group_paper_contest_group_id", table_name="group_paper_contest")
    op.drop_table("group_paper_contest")
    for table in ("group_election", "group_motion"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("papers_issued")
    for table, _subject, unique in PAPER_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(unique, type_="unique")
            batch.drop_constraint(f"fk_{table}_entered_by_id_user_account", type_="foreignkey")
            batch.drop_column("paper_check")
            batch.drop_column("entered_by_id")
            batch.drop_column("paper_number")
            batch.drop_column("paper")
