"""audit: signed checkpoints of the log, and witnesses' cosignatures on them

Revision ID: 0012_checkpoints
Revises: 0011_open_vote_electorate
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_checkpoints"
down_revision = "0011_open_vote_electorate"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_checkpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.LargeBinary(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("trigger", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoint")),
    )
    op.create_index("ix_audit_checkpoint_size", "audit_checkpoint", ["size"])
    op.create_table(
        "audit_cosignature",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checkpoint_id", sa.Integer(), nullable=False),
        sa.Column("witness", sa.String(length=255), nullable=False),
        sa.Column("key_id", sa.String(length=8), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["checkpoint_id"],
            ["audit_checkpoint.id"],
            name=op.f("fk_audit_cosignature_checkpoint_id_audit_checkpoint"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_cosignature")),
        sa.UniqueConstraint(
            "checkpoint_id",
            "witness",
            "key_id",
            name=op.f("uq_audit_cosignature_checkpoint_id_witness_key_id"),
        ),
    )
    op.create_index(
        op.f("ix_audit_cosignature_checkpoint_id"), "audit_cosignature", ["checkpoint_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_cosignature_checkpoint_id"), table_name="audit_cosignature")
    op.drop_table("audit_cosignature")
    op.drop_index("ix_audit_checkpoint_size", table_name="audit_checkpoint")
    op.drop_table("audit_checkpoint")
