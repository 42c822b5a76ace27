"""close reasons: why a vote, round phase or consultation ended before its published date

Revision ID: 0007_close_reasons
Revises: 0005_consultations
Create Date: 2026-11-29 15:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0007_close_reasons"
down_revision = "0006_audit_private_batches"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.add_column(sa.Column("close_reason", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("budget_round", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("early_moves", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )
    with op.batch_alter_table("consultation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("close_reason", sa.Text(), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("consultation", schema=None) as batch_op:
        batch_op.drop_column("close_reason")
        batch_op.drop_column("closed_at")
    with op.batch_alter_table("budget_round", schema=None) as batch_op:
        batch_op.drop_column("early_moves")
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.drop_column("close_reason")
