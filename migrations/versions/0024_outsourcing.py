"""outsourcing: consultation before outsourcing, and a carbon score in the appraisal

`proposal.consultation_id` links an outsourcing or disposal proposal to the Civic
consultation residents answered about it, so the proposal page can show that consultation
and its published "you said, we did", and the scorecard can count proposals consulted on
before their vote.

`proposal.weight_carbon` and `proposal_option.carbon_score` add the duty to decarbonise to
the options appraisal beside cost, quality and social value. Existing rows get 0 for both
(server default): their weights still add up to 100 and their weighted totals do not
change; their pages say carbon was not scored.

Revision ID: 0024_outsourcing
Revises: 0023_performance
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0024_outsourcing"
down_revision = "0023_performance"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMNs, not a batch that copies the table: on SQLite a copy of `proposal`
    # would have to drop the old table, which its options, votes and contracts reference
    op.add_column(
        "proposal", sa.Column("weight_carbon", sa.Integer(), server_default="0", nullable=False)
    )
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column with its reference in one statement (a named constraint
        # would need the copy); PostgreSQL adds the named constraint
        op.execute(
            "ALTER TABLE proposal ADD COLUMN consultation_id INTEGER REFERENCES consultation (id)"
        )
    else:
        op.add_column("proposal", sa.Column("consultation_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_proposal_consultation_id_consultation",
            "proposal",
            "consultation",
            ["consultation_id"],
            ["id"],
        )
    op.create_index("ix_proposal_consultation_id", "proposal", ["consultation_id"], unique=False)
    op.add_column(
        "proposal_option",
        sa.Column("carbon_score", sa.Integer(), server_default="0", nullable=False),
    )


def downgrade() -> None:
    with op.batch_alter_table("proposal_option", schema=None) as batch_op:
        batch_op.drop_column("carbon_score")

    op.drop_index("ix_proposal_consultation_id", table_name="proposal")
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        if not sqlite:  # on SQLite the reference is unnamed and goes with the column
            batch_op.drop_constraint("fk_proposal_consultation_id_consultation", type_="foreignkey")
        batch_op.drop_column("consultation_id")
        batch_op.drop_column("weight_carbon")
