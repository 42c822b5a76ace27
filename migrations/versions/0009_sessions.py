"""sessions: a per-account session token, replaced to end every session issued before

Revision ID: 0009_sessions
Revises: 0005_consultations
Create Date: 2026-11-29 15:20:00

"""

import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009_sessions"
down_revision = "0008_privacy"
branch_labels = None
depends_on = None


def upgrade():
    # Added nullable, filled with one random token per account, then made NOT NULL: a
    # shared constant would do no harm (the cookie is signed) but random is what new rows get.
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_token", sa.String(length=64), nullable=True))
    connection = op.get_bind()
    accounts = sa.table("user_account", sa.column("id", sa.Integer), sa.column("session_token"))
    for (account_id,) in connection.execute(sa.select(accounts.c.id)).all():
        connection.execute(
            accounts.update()
            .where(accounts.c.id == account_id)
            .values(session_token=secrets.token_urlsafe(24))
        )
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.alter_column("session_token", existing_type=sa.String(length=64), nullable=False)


def downgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("session_token")
