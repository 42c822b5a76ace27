"""audit: frontier on every entry instead of a head row; queue for private acts

The app's database role then needs only INSERT and SELECT on audit_entry: appends are
serialised by an advisory lock (PostgreSQL) or SQLite's write lock, and the head is the
entry with the highest seq. Private acts (votes, ballots, responses, eligibility grants)
wait in audit_pending for a shuffled, hour-stamped batch.

Revision ID: 0006_audit_private_batches
Revises: 0005_consultations
Create Date: 2026-11-29 15:30:00

"""

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0006_audit_private_batches"
down_revision = "0005_consultations"
branch_labels = None
depends_on = None

APPEND_ONLY = "audit entries are append-only"


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _frontier_append(frontier: list[bytes], size: int, leaf: bytes) -> list[bytes]:
    """As civic.audit.merkle.frontier_append, copied so this revision never changes."""
    merged, carry = list(frontier), leaf
    while size & 1:
        carry = _node(merged.pop(), carry)
        size >>= 1
    merged.append(carry)
    return merged


def _sqlite_guard(create: bool) -> None:
    for event in ("UPDATE", "DELETE"):
        op.execute(f"DROP TRIGGER IF EXISTS audit_entry_no_{event.lower()}")
        if create:
            op.execute(
                f"CREATE TRIGGER audit_entry_no_{event.lower()} BEFORE {event} ON audit_entry "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )


def _backfill_frontiers() -> None:
    """Each existing entry gets the frontier after it, recomputed from its leaf hash."""
    bind = op.get_bind()
    entry = sa.table(
        "audit_entry",
        sa.column("seq", sa.BigInteger),
        sa.column("leaf_hash", sa.LargeBinary),
        sa.column("frontier", sa.LargeBinary),
    )
    rows = bind.execute(sa.select(entry.c.seq, entry.c.leaf_hash).order_by(entry.c.seq))
    frontier: list[bytes] = []
    updates = []
    for size, (seq, leaf) in enumerate(rows.fetchall()):
        frontier = _frontier_append(frontier, size, bytes(leaf))
        updates.append({"s": seq, "f": b"".join(frontier)})
    if updates:
        bind.execute(
            entry.update()
            .where(entry.c.seq == sa.bindparam("s"))
            .values(frontier=sa.bindparam("f")),
            updates,
        )


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    op.add_column("audit_entry", sa.Column("frontier", sa.LargeBinary(), nullable=True))
    # The guard refuses every UPDATE, this one too: lift it for the backfill only.
    if postgres:
        op.execute("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_no_change")
        _backfill_frontiers()
        op.execute("ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_no_change")
        op.alter_column("audit_entry", "frontier", existing_type=sa.LargeBinary(), nullable=False)
    else:
        _sqlite_guard(create=False)
        _backfill_frontiers()
        with op.batch_alter_table("audit_entry") as batch_op:  # recreates the table
            batch_op.alter_column("frontier", existing_type=sa.LargeBinary(), nullable=False)
        _sqlite_guard(create=True)
    op.drop_table("audit_head")
    op.create_table(
        "audit_pending",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject_type", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=32), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_pending")),
    )
    with op.batch_alter_table("audit_pending") as batch_op:
        batch_op.create_index("ix_audit_pending_subject", ["subject_type", "subject_id"])


def downgrade():
    bind = op.get_bind()
    waiting = bind.execute(sa.text("SELECT count(*) FROM audit_pending")).scalar()
    if waiting:
        raise RuntimeError(
            f"{waiting} private acts are not in the log yet: run "
            "`flask civic audit release --force` before downgrading"
        )
    with op.batch_alter_table("audit_pending") as batch_op:
        batch_op.drop_index("ix_audit_pending_subject")
    op.drop_table("audit_pending")
    audit_head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.LargeBinary(length=32), nullable=False),
        sa.Column("frontier", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    last = bind.execute(
        sa.text("SELECT seq, root_after, frontier FROM audit_entry ORDER BY seq DESC LIMIT 1")
    ).first()
    head = (
        {"id": 1, "size": last[0] + 1, "root": bytes(last[1]), "frontier": bytes(last[2])}
        if last
        else {"id": 1, "size": 0, "root": hashlib.sha256(b"").digest(), "frontier": b""}
    )
    op.bulk_insert(audit_head, [head])
    if bind.dialect.name == "postgresql":
        op.drop_column("audit_entry", "frontier")
    else:
        _sqlite_guard(create=False)
        with op.batch_alter_table("audit_entry") as batch_op:
            batch_op.drop_column("frontier")
        _sqlite_guard(create=True)
