"""site pages per language: a Welsh privacy notice has its own versions beside the English

Rows saved before this are English (the only language the pages had). Versions are
numbered per (slug, language), so the unique constraint gains the language.

Revision ID: 0045_site_page_language
Revises: 0044_contests
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0045_site_page_language"
down_revision = "0044_contests"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("site_page_version") as batch:
        batch.add_column(
            sa.Column("language", sa.String(length=8), nullable=False, server_default="en")
        )
        batch.drop_constraint("uq_site_page_version", type_="unique")
        batch.create_unique_constraint(
            "uq_site_page_language_version", ["slug", "language", "version"]
        )


def downgrade() -> None:
    # the old table has room for one language only: versions in others cannot be kept
    op.execute(sa.text("DELETE FROM site_page_version WHERE language <> 'en'"))
    with op.batch_alter_table("site_page_version") as batch:
        batch.drop_constraint("uq_site_page_language_version", type_="unique")
        batch.create_unique_constraint("uq_site_page_version", ["slug", "version"])
        batch.drop_column("language")
