"""frozen downloads keep their compressed copies (brotli and gzip), built once with them

Revision ID: 0037_frozen2
Revises: 0036_constituencies
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0037_frozen2"
down_revision = "0036_constituencies"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows stored before this have no copies: the first request serving them compressed
    # builds and keeps them (civic.frozen), so nothing is recomputed here.
    with op.batch_alter_table("frozen_download") as batch:
        batch.add_column(sa.Column("body_br", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("body_gzip", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("frozen_download") as batch:
        batch.drop_column("body_gzip")
        batch.drop_column("body_br")
