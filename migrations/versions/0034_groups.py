"""groups run by their members: join policy, published rules, requests, motions

`neighbourhood_group.join_policy` (closed for existing groups: invitation only, as before);
`group_rules` (one row per group that changed its rules); `group_join_request`;
`group_motion` with its electorate snapshot (`group_motion_elector`) and secret votes
(`group_motion_vote`, one per voter key by a unique constraint).

Revision ID: 0034_groups
Revises: 0033_petitions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0034_groups"
down_revision = "0033_petitions"
branch_labels = None
depends_on = None

QUORUM = sa.Enum("none", "share", "number", name="quorum_rule", native_enum=False)
MAJORITY = sa.Enum("simple", "two_thirds", "all_members", name="majority_rule", native_enum=False)


def upgrade() -> None:
    with op.batch_alter_table("neighbourhood_group") as batch:
        batch.add_column(
            sa.Column(
                "join_policy",
                sa.Enum("open", "request", "closed", name="join_policy", native_enum=False),
                nullable=False,
                server_default="closed",
            )
        )
    op.create_table(
        "group_rules",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("quorum_rule", QUORUM, nullable=False),
        sa.Column("quorum_value", sa.Integer(), nullable=False),
        sa.Column("majority_rule", MAJORITY, nullable=False),
        sa.Column("discussion_days", sa.Integer(), nullable=False),
        sa.Column("voting_days", sa.Integer(), nullable=False),
        sa.Column(
            "proposers",
            sa.Enum("members", "organisers", name="motion_proposers", native_enum=False),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["neighbourhood_group.id"],
            name=op.f("fk_group_rules_group_id_neighbourhood_group"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_group_rules_updated_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("group_id", name=op.f("pk_group_rules")),
    )
    op.create_table(
        "group_join_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "approved",
                "refused",
                "withdrawn",
                name="join_request_state",
                native_enum=False,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
            name=op.f("fk_group_join_request_decided_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["neighbourhood_group.id"],
            name=op.f("fk_group_join_request_group_id_neighbourhood_group"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_group_join_request_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_join_request")),
    )
    op.create_index(
        op.f("ix_group_join_request_group_id"), "group_join_request", ["group_id"], unique=False
    )
    op.create_index(
        op.f("ix_group_join_request_user_id"), "group_join_request", ["user_id"], unique=False
    )
    op.create_index(
        "uq_group_join_request_pending",
        "group_join_request",
        ["group_id", "user_id"],
        unique=True,
        sqlite_where=sa.text("state = 'pending'"),
        postgresql_where=sa.text("state = 'pending'"),
    )
    op.create_table(
        "group_motion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "state",
            sa.Enum("discussion", "voting", "closed", name="motion_state", native_enum=False),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("voting_planned", sa.DateTime(timezone=True), nullable=False),
        sa.Column("voting_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("voting_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("quorum_rule", QUORUM, nullable=True),
        sa.Column("quorum_value", sa.Integer(), nullable=True),
        sa.Column("majority_rule", MAJORITY, nullable=True),
        sa.Column("electorate", sa.Integer(), nullable=True),
        sa.Column("votes_for", sa.Integer(), nullable=True),
        sa.Column("votes_against", sa.Integer(), nullable=True),
        sa.Column("abstentions", sa.Integer(), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "passed", "no_quorum", "rejected", "tied", name="motion_outcome", native_enum=False
            ),
            nullable=True,
        ),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("close_reason", sa.Text(), nullable=False),
        sa.Column("minutes", sa.Text(), nullable=False),
        sa.Column("minutes_html", sa.Text(), nullable=False),
        sa.Column("minutes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("minutes_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["neighbourhood_group.id"],
            name=op.f("fk_group_motion_group_id_neighbourhood_group"),
        ),
        sa.ForeignKeyConstraint(
            ["minutes_by_id"],
            ["user_account.id"],
            name=op.f("fk_group_motion_minutes_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"],
            ["user_account.id"],
            name=op.f("fk_group_motion_proposed_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_motion")),
    )
    op.create_index(op.f("ix_group_motion_group_id"), "group_motion", ["group_id"], unique=False)
    for table in ("group_motion_elector", "group_motion_vote"):
        extra = (
            [
                sa.Column("choice", sa.String(length=10), nullable=False),
                sa.Column("receipt", sa.String(length=19), nullable=False),
                sa.Column("cast_at", sa.DateTime(timezone=True), nullable=False),
                sa.UniqueConstraint(
                    "motion_id", "receipt", name=op.f(f"uq_{table}_motion_id_receipt")
                ),
            ]
            if table == "group_motion_vote"
            else []
        )
        op.create_table(
            table,
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("motion_id", sa.Integer(), nullable=False),
            sa.Column("voter_key", sa.String(length=64), nullable=False),
            *extra,
            sa.ForeignKeyConstraint(
                ["motion_id"], ["group_motion.id"], name=op.f(f"fk_{table}_motion_id_group_motion")
            ),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
            sa.UniqueConstraint(
                "motion_id", "voter_key", name=op.f(f"uq_{table}_motion_id_voter_key")
            ),
        )


def downgrade() -> None:
    op.drop_table("group_motion_vote")
    op.drop_table("group_motion_elector")
    op.drop_index(op.f("ix_group_motion_group_id"), table_name="group_motion")
    op.drop_table("group_motion")
    op.drop_index("uq_group_join_request_pending", table_name="group_join_request")
    op.drop_index(op.f("ix_group_join_request_user_id"), table_name="group_join_request")
    op.drop_index(op.f("ix_group_join_request_group_id"), table_name="group_join_request")
    op.drop_table("group_join_request")
    op.drop_table("group_rules")
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+), not batch mode's copy of the table: the
    # copy drops neighbourhood_group, which memberships, rounds and invitations point at
    with op.batch_alter_table("neighbourhood_group", recreate="never") as batch:
        batch.drop_column("join_policy")
