"""petitions: resident petitions, their signatures, and thresholds per area and kind

`petition` (started by a resident, moderated against the published rules, with its two
thresholds fixed when it opens and a `signature_count` kept under its row lock),
`petition_signature` (one per petition and signer key: an HMAC, never a user id) and
`petition_threshold` (an administrator's levels for an area and kind of petition).

Revision ID: 0033_petitions
Revises: 0032_frozen
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0033_petitions"
down_revision = "0032_frozen"
branch_labels = None
depends_on = None

KIND = sa.Enum("general", "recall", name="petition_kind", native_enum=False)
FOLLOW_UP = sa.Enum("consultation", "vote", name="petition_follow_up", native_enum=False)


def upgrade() -> None:
    op.create_table(
        "petition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", KIND, nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("asks", sa.Text(), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "pending", "refused", "open", "closed", name="petition_state", native_enum=False
            ),
            nullable=False,
        ),
        sa.Column("started_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("moderation_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("moderated_by_id", sa.Integer(), nullable=True),
        sa.Column("moderated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refusal_reason", sa.Text(), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("eligible_count", sa.Integer(), nullable=True),
        sa.Column("first_level", sa.String(length=20), nullable=False),
        sa.Column("first_threshold", sa.Integer(), nullable=True),
        sa.Column("second_level", sa.String(length=20), nullable=False),
        sa.Column("second_threshold", sa.Integer(), nullable=True),
        sa.Column("follow_up", FOLLOW_UP, nullable=False),
        sa.Column("signature_count", sa.Integer(), nullable=False),
        sa.Column("first_reached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("response_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("responded_by_id", sa.Integer(), nullable=True),
        sa.Column("second_reached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("consultation_id", sa.Integer(), nullable=True),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "signature_count >= 0", name=op.f("ck_petition_signatures_not_negative")
        ),
        sa.CheckConstraint(
            "first_threshold IS NULL OR first_threshold >= 1",
            name=op.f("ck_petition_first_positive"),
        ),
        sa.CheckConstraint(
            "second_threshold IS NULL OR second_threshold >= 1",
            name=op.f("ck_petition_second_positive"),
        ),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"], name=op.f("fk_petition_area_id_area")),
        sa.ForeignKeyConstraint(
            ["started_by_id"],
            ["user_account.id"],
            name=op.f("fk_petition_started_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["moderated_by_id"],
            ["user_account.id"],
            name=op.f("fk_petition_moderated_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["responded_by_id"],
            ["user_account.id"],
            name=op.f("fk_petition_responded_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultation.id"],
            name=op.f("fk_petition_consultation_id_consultation"),
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposal.id"], name=op.f("fk_petition_proposal_id_proposal")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_petition")),
        sa.UniqueConstraint("consultation_id", name=op.f("uq_petition_consultation_id")),
        sa.UniqueConstraint("proposal_id", name=op.f("uq_petition_proposal_id")),
    )
    op.create_index(op.f("ix_petition_area_id"), "petition", ["area_id"])
    op.create_index(op.f("ix_petition_state"), "petition", ["state"])
    op.create_table(
        "petition_signature",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("petition_id", sa.Integer(), nullable=False),
        sa.Column("signer_key", sa.String(length=64), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["petition_id"],
            ["petition.id"],
            name=op.f("fk_petition_signature_petition_id_petition"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_petition_signature")),
        sa.UniqueConstraint(
            "petition_id", "signer_key", name=op.f("uq_petition_signature_petition_id_signer_key")
        ),
    )
    op.create_index(
        op.f("ix_petition_signature_petition_id"), "petition_signature", ["petition_id"]
    )
    op.create_table(
        "petition_threshold",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("kind", KIND, nullable=False),
        sa.Column("first_level", sa.String(length=20), nullable=False),
        sa.Column("second_level", sa.String(length=20), nullable=False),
        sa.Column("follow_up", FOLLOW_UP, nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_petition_threshold_area_id_area")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_petition_threshold_updated_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_petition_threshold")),
        sa.UniqueConstraint("area_id", "kind", name=op.f("uq_petition_threshold_area_id_kind")),
    )


def downgrade() -> None:
    op.drop_table("petition_threshold")
    op.drop_index(op.f("ix_petition_signature_petition_id"), table_name="petition_signature")
    op.drop_table("petition_signature")
    op.drop_index(op.f("ix_petition_state"), table_name="petition")
    op.drop_index(op.f("ix_petition_area_id"), table_name="petition")
    op.drop_table("petition")
