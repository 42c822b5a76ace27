"""legal: versions of the site's own pages (privacy notice, accessibility statement, cookies)

`site_page_version` keeps every text an administrator saves for a page, never updated in
place, so the council can show what its privacy notice said on any date; the page shows
the newest version, or Civic's built-in default until one is saved. The unique
(slug, version) pair decides a race between two administrators saving the same page.

Revision ID: 0027_legal
Revises: 0026_mail
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0027_legal"
down_revision = "0026_mail"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "site_page_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_site_page_version_created_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_page_version")),
        sa.UniqueConstraint("slug", "version", name="uq_site_page_version"),
    )


def downgrade() -> None:
    op.drop_table("site_page_version")
