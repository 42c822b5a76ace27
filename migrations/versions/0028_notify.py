"""notify: follows, notification preferences, notifications and digests

`follow` says who follows what ("area:riverside", "proposal:12"); `notification_preference`
holds only the kinds a person changed from the default; `notification` is one row per
person told of one event, (user_id, event) unique so nobody is told twice; and
`notification_digest` has one row per person and day, its unique pair keeping digests to
one a day even when two digest runs overlap.

Revision ID: 0028_notify
Revises: 0027_legal
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0028_notify"
down_revision = "0027_legal"
branch_labels = None
depends_on = None

KINDS = (
    "opened",
    "closing",
    "result",
    "you_said",
    "reply",
    "project_reviewed",
    "reports",
    "overdue",
)
DELIVERIES = ("immediate", "digest", "off")


def _kind() -> sa.Enum:
    return sa.Enum(*KINDS, name="notification_kind", native_enum=False)


def _delivery() -> sa.Enum:
    return sa.Enum(*DELIVERIES, name="notification_delivery", native_enum=False)


def upgrade() -> None:
    op.create_table(
        "follow",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("auto", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_follow_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow")),
        sa.UniqueConstraint("user_id", "target", name=op.f("uq_follow_user_id_target")),
    )
    with op.batch_alter_table("follow", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_follow_target"), ["target"], unique=False)

    op.create_table(
        "notification_preference",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", _kind(), nullable=False),
        sa.Column("delivery", _delivery(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_notification_preference_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_preference")),
        sa.UniqueConstraint(
            "user_id", "kind", name=op.f("uq_notification_preference_user_id_kind")
        ),
    )

    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", _kind(), nullable=False),
        sa.Column("event", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("delivery", _delivery(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mailed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_notification_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint("user_id", "event", name=op.f("uq_notification_user_id_event")),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index("ix_notification_user_unread", ["user_id", "read_at"], unique=False)
        batch_op.create_index("ix_notification_unmailed", ["delivery", "mailed_at"], unique=False)

    op.create_table(
        "notification_digest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_notification_digest_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_digest")),
        sa.UniqueConstraint("user_id", "day", name=op.f("uq_notification_digest_user_id_day")),
    )


def downgrade() -> None:
    op.drop_table("notification_digest")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_unmailed")
        batch_op.drop_index("ix_notification_user_unread")
    op.drop_table("notification")
    op.drop_table("notification_preference")
    with op.batch_alter_table("follow", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_follow_target"))
    op.drop_table("follow")
