"""paper ballot contests, who entered a paper ballot, which reports count to auto-hide

Revision ID: 0010_paper_ballot_contest
Revises: 0005_consultations
Create Date: 2026-11-29 15:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0010_paper_ballot_contest"
down_revision = "0009_sessions"
branch_labels = None
depends_on = None


def upgrade():
    # existing reports keep counting, as they did when they were made
    with op.batch_alter_table("comment_flag", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("counts", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("budget_ballot", schema=None) as batch_op:
        batch_op.add_column(sa.Column("entered_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_budget_ballot_entered_by_id_user_account"),
            "user_account",
            ["entered_by_id"],
            ["id"],
        )
    op.create_table(
        "budget_ballot_contest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("ballot_id", sa.Integer(), nullable=True),
        sa.Column("voter_key", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column(
            "state",
            sa.Enum("open", "upheld", "voided", name="ballot_contest_state", native_enum=False),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolver_id", sa.Integer(), nullable=True),
        sa.Column("response", sa.String(length=1000), nullable=False),
        sa.ForeignKeyConstraint(
            ["ballot_id"],
            ["budget_ballot.id"],
            name=op.f("fk_budget_ballot_contest_ballot_id_budget_ballot"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["resolver_id"],
            ["user_account.id"],
            name=op.f("fk_budget_ballot_contest_resolver_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["budget_round.id"],
            name=op.f("fk_budget_ballot_contest_round_id_budget_round"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_ballot_contest")),
    )
    with op.batch_alter_table("budget_ballot_contest", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_budget_ballot_contest_round_id"), ["round_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("budget_ballot_contest", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_ballot_contest_round_id"))
    op.drop_table("budget_ballot_contest")
    with op.batch_alter_table("budget_ballot", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_budget_ballot_entered_by_id_user_account"), type_="foreignkey"
        )
        batch_op.drop_column("entered_by_id")
    with op.batch_alter_table("comment_flag", schema=None) as batch_op:
        batch_op.drop_column("counts")
