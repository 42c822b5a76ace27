"""the language a person chose for pages and mail (civic.i18n)

Revision ID: 0038_user_locale
Revises: 0037_frozen2
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0038_user_locale"
down_revision = "0037_frozen2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("locale", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("locale")
