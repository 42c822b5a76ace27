"""data rights: erased accounts and eligibility evidence kept only as long as needed

`user_account.erased_at` marks an account whose person asked to be forgotten: the row
stays (votes, ballots and the audit log's pseudonyms point at its id) but holds no
personal data. `eligibility.evidence_removed_at` marks a proof of residence whose
evidence (the letter code's link, the moderator's check note and who checked) was removed
after CIVIC_ELIGIBILITY_EVIDENCE_DAYS; the check that a code-method eligibility names its
code then allows a code-method row with its evidence removed.

Revision ID: 0030_data_rights
Revises: 0029_accounts_mail
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0030_data_rights"
down_revision = "0029_accounts_mail"
branch_labels = None
depends_on = None

OLD_CHECK = "(method = 'code') = (code_id IS NOT NULL)"
NEW_CHECK = (
    "(code_id IS NULL OR method = 'code') "
    "AND (method <> 'code' OR code_id IS NOT NULL OR evidence_removed_at IS NOT NULL)"
)


def upgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("eligibility", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("evidence_removed_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.drop_constraint(op.f("ck_eligibility_code_method_has_code"), type_="check")
        batch_op.create_check_constraint("code_method_has_code", NEW_CHECK)


def downgrade() -> None:
    with op.batch_alter_table("eligibility", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_eligibility_code_method_has_code"), type_="check")
        batch_op.create_check_constraint("code_method_has_code", OLD_CHECK)
        batch_op.drop_column("evidence_removed_at")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
