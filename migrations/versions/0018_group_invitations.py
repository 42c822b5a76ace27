"""groups: invitations by email, and each member's choice to be named on the group page

Adding a member by email now makes an invitation the person accepts (`group_invitation`;
only the token's SHA-256 is stored), and a membership gets `show_name`, off for everyone
already a member: nobody chose to be listed, so nobody is, until they say so.

Revision ID: 0018_group_invitations
Revises: 0017_search
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_group_invitations"
down_revision = "0017_search"
branch_labels = None
depends_on = None

_STATES = ("pending", "accepted", "declined", "expired", "cancelled")


def upgrade() -> None:
    op.create_table(
        "group_invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column(
            "role",
            sa.Enum("member", "organiser", name="group_role", native_enum=False),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "state", sa.Enum(*_STATES, name="invitation_state", native_enum=False), nullable=False
        ),
        sa.Column("invited_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["neighbourhood_group.id"],
            name=op.f("fk_group_invitation_group_id_neighbourhood_group"),
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"],
            ["user_account.id"],
            name=op.f("fk_group_invitation_invited_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["answered_by_id"],
            ["user_account.id"],
            name=op.f("fk_group_invitation_answered_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_invitation")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_group_invitation_token_hash")),
    )
    with op.batch_alter_table("group_invitation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_invitation_email"), ["email"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_group_invitation_group_id"), ["group_id"], unique=False
        )
        batch_op.create_index(
            "uq_group_invitation_pending",
            ["group_id", "email"],
            unique=True,
            sqlite_where=sa.text("state = 'pending'"),
            postgresql_where=sa.text("state = 'pending'"),
        )
    with op.batch_alter_table("group_membership", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("show_name", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("group_membership", schema=None) as batch_op:
        batch_op.drop_column("show_name")
    with op.batch_alter_table("group_invitation", schema=None) as batch_op:
        batch_op.drop_index("uq_group_invitation_pending")
        batch_op.drop_index(batch_op.f("ix_group_invitation_group_id"))
        batch_op.drop_index(batch_op.f("ix_group_invitation_email"))
    op.drop_table("group_invitation")
