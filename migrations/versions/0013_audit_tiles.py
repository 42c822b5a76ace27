"""audit: stored tile hashes, so tiles and proofs never read the whole log

Creates audit_tile_node: the root of every complete subtree of 256**level entries
(level >= 1), the hashes tlog-tiles serves above level 0. Appends write them from now on;
this revision computes them for the entries already logged, streaming the leaf hashes in
seq order a chunk at a time (a million-entry log never sits in memory). Like the log, the
table is append-only.

Revision ID: 0013_audit_tiles
Revises: 0012_checkpoints
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0013_audit_tiles"
down_revision = "0012_checkpoints"
branch_labels = None
depends_on = None

TILE_HEIGHT = 8
CHUNK = 10_000
APPEND_ONLY = "audit entries are append-only"

_nodes = sa.table(
    "audit_tile_node",
    sa.column("level", sa.Integer),
    sa.column("idx", sa.BigInteger),
    sa.column("hash", sa.LargeBinary),
)


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def backfill(bind: sa.engine.Connection) -> int:
    """Insert the tile hashes of every complete subtree the logged entries form.

    The frontier logic of civic.audit.merkle, copied so this revision never changes.
    Returns how many rows it inserted. Reads CHUNK leaf hashes at a time by seq.
    """
    frontier: list[bytes] = []
    size = 0
    inserted = 0
    while True:
        leaves = bind.execute(
            sa.text(
                "SELECT seq, leaf_hash FROM audit_entry WHERE seq >= :start ORDER BY seq LIMIT :n"
            ),
            {"start": size, "n": CHUNK},
        ).all()
        if not leaves:
            return inserted
        rows = []
        for seq, leaf in leaves:
            if seq != size:
                raise RuntimeError(f"audit_entry has a gap at seq {size}: run `audit verify`")
            carry, position, height = bytes(leaf), size, 0
            while position & 1:
                carry = _node(frontier.pop(), carry)
                position >>= 1
                height += 1
                if height % TILE_HEIGHT == 0:
                    rows.append(
                        {"level": height // TILE_HEIGHT, "idx": size >> height, "hash": carry}
                    )
            frontier.append(carry)
            size += 1
        if rows:
            bind.execute(_nodes.insert(), rows)
            inserted += len(rows)


def upgrade() -> None:
    op.create_table(
        "audit_tile_node",
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name=op.f("pk_audit_tile_node")),
    )
    backfill(op.get_bind())
    # As for the entries: the database refuses to change or remove a stored hash.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER audit_tile_node_no_change BEFORE UPDATE OR DELETE ON audit_tile_node "
            "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_tile_node_no_truncate BEFORE TRUNCATE ON audit_tile_node "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()"
        )
        # One round trip takes the append lock and reads the head (civic/audit/log.py):
        # in READ COMMITTED each query of a volatile function takes a new snapshot, so
        # the SELECT, run once the lock is granted, sees the previous holder's commit.
        op.execute(
            """
            CREATE FUNCTION audit_locked_head(lock_key bigint, async_commit boolean)
            RETURNS TABLE (seq bigint, root_after bytea, frontier bytea)
            LANGUAGE plpgsql VOLATILE AS $$
            BEGIN
                IF async_commit THEN
                    PERFORM set_config('synchronous_commit', 'off', true);
                END IF;
                PERFORM pg_advisory_xact_lock(lock_key);
                RETURN QUERY SELECT e.seq, e.root_after, e.frontier
                    FROM audit_entry e ORDER BY e.seq DESC LIMIT 1;
            END $$
            """
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_tile_node_no_{event.lower()} BEFORE {event} "
                f"ON audit_tile_node BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_locked_head(bigint, boolean)")
    op.drop_table("audit_tile_node")
