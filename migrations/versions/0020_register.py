"""register: every published version of a contract, so a change never hides the earlier one

`contract_version` keeps, for each contract, each version that was published: the whole
content as canonical JSON (RFC 8785), its SHA-256 (which the audit entry holds too), the
reason given for a change after publication, who made it and when. One row per
(contract, version).

Revision ID: 0020_register
Revises: 0019_contracts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020_register"
down_revision = "0019_contracts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contract_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_sha256", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by_id"],
            ["user_account.id"],
            name=op.f("fk_contract_version_changed_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contract.id"], name=op.f("fk_contract_version_contract_id_contract")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract_version")),
        sa.UniqueConstraint(
            "contract_id", "version", name=op.f("uq_contract_version_contract_id_version")
        ),
    )
    with op.batch_alter_table("contract_version", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contract_version_contract_id"), ["contract_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("contract_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contract_version_contract_id"))
    op.drop_table("contract_version")
