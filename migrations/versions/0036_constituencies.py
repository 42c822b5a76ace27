"""constituencies: votes, consultations and budget rounds open to stakeholder classes

`constituency` names a class of people (staff or users of a service, tenants of an estate,
members of a group, residents of an area); `constituency_membership` proves a person
belongs (letter code or moderator's check, one per person and class); `code_batch` gains
`constituency_id` so letter codes can prove membership instead of residence;
`subject_constituency` says which classes a vote, consultation or round is open to;
`cast_class` records the classes each cast counted in; `proposal` gains the "majority in
every class" rule and the per-class results frozen at the close.

Revision ID: 0036_constituencies
Revises: 0035_elections
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0036_constituencies"
down_revision = "0035_elections"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "constituency",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "staff",
                "users",
                "tenants",
                "group_members",
                "residents",
                name="constituency_kind",
                native_enum=False,
            ),
            nullable=False,
        ),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(kind = 'group_members') = (group_id IS NOT NULL)",
            name=op.f("ck_constituency_group_kind_has_group"),
        ),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_constituency_area_id_area")
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["neighbourhood_group.id"],
            name=op.f("fk_constituency_group_id_neighbourhood_group"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_constituency_created_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_constituency")),
        sa.UniqueConstraint("slug", name=op.f("uq_constituency_slug")),
    )
    op.create_index(op.f("ix_constituency_area_id"), "constituency", ["area_id"])
    op.create_table(
        "constituency_membership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("constituency_id", sa.Integer(), nullable=False),
        sa.Column(
            "method",
            sa.Enum("code", "moderator", name="eligibility_method", native_enum=False),
            nullable=False,
        ),
        sa.Column("code_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "code_id IS NULL OR method = 'code'",
            name=op.f("ck_constituency_membership_code_method_has_code"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_constituency_membership_user_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["constituency_id"],
            ["constituency.id"],
            name=op.f("fk_constituency_membership_constituency_id_constituency"),
        ),
        sa.ForeignKeyConstraint(
            ["code_id"],
            ["eligibility_code.id"],
            name=op.f("fk_constituency_membership_code_id_eligibility_code"),
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"],
            ["user_account.id"],
            name=op.f("fk_constituency_membership_confirmed_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_constituency_membership")),
        sa.UniqueConstraint(
            "user_id",
            "constituency_id",
            name=op.f("uq_constituency_membership_user_id_constituency_id"),
        ),
        sa.UniqueConstraint("code_id", name=op.f("uq_constituency_membership_code_id")),
    )
    op.create_index(
        op.f("ix_constituency_membership_constituency_id"),
        "constituency_membership",
        ["constituency_id"],
    )
    op.create_table(
        "subject_constituency",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("constituency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["constituency_id"],
            ["constituency.id"],
            name=op.f("fk_subject_constituency_constituency_id_constituency"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject_constituency")),
        sa.UniqueConstraint(
            "subject_type",
            "subject_id",
            "constituency_id",
            name=op.f("uq_subject_constituency_subject_type_subject_id_constituency_id"),
        ),
    )
    op.create_index(
        op.f("ix_subject_constituency_constituency_id"),
        "subject_constituency",
        ["constituency_id"],
    )
    op.create_table(
        "cast_class",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(length=20), nullable=False),
        sa.Column("cast_id", sa.Integer(), nullable=False),
        sa.Column("constituency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["constituency_id"],
            ["constituency.id"],
            name=op.f("fk_cast_class_constituency_id_constituency"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cast_class")),
        sa.UniqueConstraint(
            "subject_type",
            "cast_id",
            "constituency_id",
            name=op.f("uq_cast_class_subject_type_cast_id_constituency_id"),
        ),
    )
    op.create_index(
        "ix_cast_class_subject_constituency", "cast_class", ["subject_type", "constituency_id"]
    )
    with op.batch_alter_table("code_batch") as batch:
        batch.add_column(sa.Column("constituency_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_code_batch_constituency_id_constituency"),
            "constituency",
            ["constituency_id"],
            ["id"],
        )
        batch.create_index(op.f("ix_code_batch_constituency_id"), ["constituency_id"])
    with op.batch_alter_table("proposal") as batch:
        batch.add_column(
            sa.Column(
                "majority_each_class", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch.add_column(sa.Column("class_results", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("proposal") as batch:
        batch.drop_column("class_results")
        batch.drop_column("majority_each_class")
    with op.batch_alter_table("code_batch") as batch:
        batch.drop_index(op.f("ix_code_batch_constituency_id"))
        batch.drop_constraint(
            op.f("fk_code_batch_constituency_id_constituency"), type_="foreignkey"
        )
        batch.drop_column("constituency_id")
    op.drop_index("ix_cast_class_subject_constituency", table_name="cast_class")
    op.drop_table("cast_class")
    op.drop_index(
        op.f("ix_subject_constituency_constituency_id"), table_name="subject_constituency"
    )
    op.drop_table("subject_constituency")
    op.drop_index(
        op.f("ix_constituency_membership_constituency_id"), table_name="constituency_membership"
    )
    op.drop_table("constituency_membership")
    op.drop_index(op.f("ix_constituency_area_id"), table_name="constituency")
    op.drop_table("constituency")
