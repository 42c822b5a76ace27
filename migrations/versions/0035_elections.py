"""elections: organisers elected and recalled by the members of a group (issue 15)

`group_election` (an election of `seats` organisers for `term_months`, or a recall vote
on one organiser; its voting window, the electorate fixed when voting opens, and the
count: ballots, outcome, the tie-break seed, yes/no for a recall),
`group_election_candidate` (a member who stood, with their statement; votes, lot and
term end filled in by the count), `group_recall_supporter` (members supporting a recall
vote, one each) and `group_election_ballot` (one secret ballot per member and election,
by an HMAC voter key, unique, with its receipt code).

Revision ID: 0035_elections
Revises: 0034_groups
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0035_elections"
down_revision = "0034_groups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "group_election",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("election", "recall", name="group_election_kind", native_enum=False),
            nullable=False,
        ),
        sa.Column(
            "state",
            sa.Enum(
                "nominations",
                "voting",
                "closed",
                "lapsed",
                name="group_election_state",
                native_enum=False,
            ),
            nullable=False,
        ),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("term_months", sa.Integer(), nullable=False),
        sa.Column("voting_opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("voting_closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("called_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("target_user_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("support_needed", sa.Integer(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("electorate", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ballots", sa.Integer(), nullable=True),
        sa.Column("tie_seed", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column(
            "counts_published", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column("yes_votes", sa.Integer(), nullable=True),
        sa.Column("no_votes", sa.Integer(), nullable=True),
        sa.CheckConstraint("seats >= 1", name=op.f("ck_group_election_at_least_one_seat")),
        sa.CheckConstraint(
            "term_months >= 1", name=op.f("ck_group_election_term_at_least_a_month")
        ),
        sa.ForeignKeyConstraint(
            ["called_by_id"],
            ["user_account.id"],
            name=op.f("fk_group_election_called_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["neighbourhood_group.id"],
            name=op.f("fk_group_election_group_id_neighbourhood_group"),
        ),
        sa.ForeignKeyConstraint(
            ["target_user_id"],
            ["user_account.id"],
            name=op.f("fk_group_election_target_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_election")),
    )
    with op.batch_alter_table("group_election", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_election_group_id"), ["group_id"], unique=False)

    op.create_table(
        "group_election_ballot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("voter_key", sa.String(length=64), nullable=False),
        sa.Column("receipt", sa.String(length=19), nullable=False),
        sa.Column("choices", sa.String(length=2000), nullable=False),
        sa.ForeignKeyConstraint(
            ["election_id"],
            ["group_election.id"],
            name=op.f("fk_group_election_ballot_election_id_group_election"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_election_ballot")),
        sa.UniqueConstraint(
            "election_id", "receipt", name=op.f("uq_group_election_ballot_election_id_receipt")
        ),
        sa.UniqueConstraint(
            "election_id", "voter_key", name=op.f("uq_group_election_ballot_election_id_voter_key")
        ),
    )
    op.create_table(
        "group_election_candidate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("stood_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("votes", sa.Integer(), nullable=True),
        sa.Column("elected", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("term_ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lot", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["election_id"],
            ["group_election.id"],
            name=op.f("fk_group_election_candidate_election_id_group_election"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_group_election_candidate_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_election_candidate")),
        sa.UniqueConstraint(
            "election_id", "user_id", name=op.f("uq_group_election_candidate_election_id_user_id")
        ),
    )
    with op.batch_alter_table("group_election_candidate", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_group_election_candidate_election_id"), ["election_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_group_election_candidate_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "group_recall_supporter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("supported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["election_id"],
            ["group_election.id"],
            name=op.f("fk_group_recall_supporter_election_id_group_election"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_group_recall_supporter_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_recall_supporter")),
        sa.UniqueConstraint(
            "election_id", "user_id", name=op.f("uq_group_recall_supporter_election_id_user_id")
        ),
    )
    with op.batch_alter_table("group_recall_supporter", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_group_recall_supporter_election_id"), ["election_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_group_recall_supporter_user_id"), ["user_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("group_recall_supporter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_recall_supporter_user_id"))
        batch_op.drop_index(batch_op.f("ix_group_recall_supporter_election_id"))

    op.drop_table("group_recall_supporter")
    with op.batch_alter_table("group_election_candidate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_election_candidate_user_id"))
        batch_op.drop_index(batch_op.f("ix_group_election_candidate_election_id"))

    op.drop_table("group_election_candidate")
    op.drop_table("group_election_ballot")
    with op.batch_alter_table("group_election", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_election_group_id"))

    op.drop_table("group_election")
