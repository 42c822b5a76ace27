"""outsourcing: consultation before outsourcing, and a carbon score in the appraisal

`proposal.consultation_id` links an outsourcing or disposal proposal to the Civic
consultation residents answered about it, so the proposal page can show that consultation
and its published "you said, we did", and the scorecard can count proposals consulted on
before their vote.

`proposal.weight_carbon` and `proposal_option.carbon_score` add the duty to decarbonise to
the options appraisal beside cost, quality and social value. Existing rows get 0 for both
(server default): their weights still add up to 100 and their weighted totals do not
change; their pages say carbon was not scored.

Revision ID: 0020_outsourcing
Revises: 0019_contracts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020_outsourcing"
down_revision = "0019_contracts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("weight_carbon", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("consultation_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_proposal_consultation_id"), ["consultation_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_proposal_consultation_id_consultation"),
            "consultation",
            ["consultation_id"],
            ["id"],
        )

    with op.batch_alter_table("proposal_option", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("carbon_score", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("proposal_option", schema=None) as batch_op:
        batch_op.drop_column("carbon_score")

    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_proposal_consultation_id_consultation"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_proposal_consultation_id"))
        batch_op.drop_column("consultation_id")
        batch_op.drop_column("weight_carbon")
