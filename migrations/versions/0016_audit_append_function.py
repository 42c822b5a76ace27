"""audit: on PostgreSQL, one round trip appends an entry (lock, head, hashes, insert)

The append lock is held from the moment it is granted until the commit, so everything
done under it caps the whole site's audited writes per second. `audit_append` does all of
it inside the database: take the lock, read the newest entry's frontier, put the sequence
number into the canonical body the app prepared, hash the leaf, extend the frontier
(RFC 6962), store the tile hashes the append completes, insert the entry. The app's
Python implementation (civic/audit/log.py) still appends on SQLite and in batches, and
`audit verify` and the outside verifier recompute every hash, so the two cannot disagree
unnoticed.

Revision ID: 0016_audit_append_function
Revises: 0015_receipts
"""

from __future__ import annotations

from alembic import op

revision = "0016_audit_append_function"
down_revision = "0015_receipts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        r"""
        CREATE FUNCTION audit_append(
            lock_key bigint, async_commit boolean, body_prefix bytea, body_suffix bytea,
            at timestamptz, act text, subj_type text, subj_id text, who text
        )
        RETURNS TABLE (seq bigint, body bytea, leaf_hash bytea, root_after bytea,
                       frontier bytea)
        LANGUAGE plpgsql VOLATILE AS $$
        DECLARE
            size bigint;
            edge bytea;
            entry bytea;
            leaf bytea;
            carry bytea;
            rest bigint;
            height int := 0;
            root bytea;
            i int;
        BEGIN
            IF async_commit THEN
                PERFORM set_config('synchronous_commit', 'off', true);
            END IF;
            PERFORM pg_advisory_xact_lock(lock_key);
            SELECT e.seq + 1, e.frontier INTO size, edge
                FROM audit_entry e ORDER BY e.seq DESC LIMIT 1;
            IF size IS NULL THEN
                size := 0;
                edge := ''::bytea;
            END IF;
            entry := body_prefix || convert_to(size::text, 'UTF8') || body_suffix;
            leaf := sha256('\x00'::bytea || entry);
            carry := leaf;
            rest := size;
            WHILE rest & 1 = 1 LOOP
                carry := sha256('\x01'::bytea
                                || substring(edge FROM length(edge) - 31 FOR 32) || carry);
                edge := substring(edge FROM 1 FOR length(edge) - 32);
                rest := rest >> 1;
                height := height + 1;
                IF height % 8 = 0 THEN
                    INSERT INTO audit_tile_node (level, idx, hash)
                        VALUES (height / 8, size >> height, carry);
                END IF;
            END LOOP;
            edge := edge || carry;
            root := carry;
            i := length(edge) / 32 - 1;
            WHILE i > 0 LOOP
                root := sha256('\x01'::bytea
                               || substring(edge FROM (i - 1) * 32 + 1 FOR 32) || root);
                i := i - 1;
            END LOOP;
            INSERT INTO audit_entry (seq, recorded_at, action, subject_type, subject_id,
                                     actor, body, leaf_hash, root_after, frontier)
                VALUES (size, at, act, subj_type, subj_id, who, entry, leaf, root, edge);
            RETURN QUERY SELECT size, entry, leaf, root, edge;
        END $$
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "DROP FUNCTION IF EXISTS audit_append(bigint, boolean, bytea, bytea, "
            "timestamptz, text, text, text, text)"
        )
