"""The log as tlog-tiles serves it, and proofs, read from stored subtree hashes.

Every hash a tile or a proof needs is the root of a perfect, aligned subtree. One of
256**L leaves is stored (an entry's leaf hash for L = 0, an `audit_tile_node` row above);
any other perfect subtree of 2**h leaves is the root over at most 255 stored hashes one
tile level down. So a tile costs one indexed range read and a proof O(log n) of them, with
memory O(256 log n): nothing here ever loads the whole log.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from civic.audit import merkle
from civic.audit.models import AuditEntry, AuditTileNode
from civic.audit.verifier import TILE_HEIGHT, TILE_WIDTH, format_entry_bundle
from civic.extensions import db


class MissingHashes(RuntimeError):
    """Stored hashes the tree needs are absent: the tile-node backfill did not run."""


def tree_size() -> int:
    """How many entries the log holds (the newest seq + 1)."""
    newest = db.session.scalar(select(func.max(AuditEntry.seq)))
    return 0 if newest is None else int(newest) + 1


def stored_nodes(size: int, completed: list[bytes]) -> list[AuditTileNode]:
    """The tile-node rows to insert when the leaf at index `size` completes `completed`.

    `completed` is `merkle.frontier_append_subtrees`'s second result (heights 1, 2, ...);
    of those only heights 8, 16, ... are tile hashes. O(log n), reads nothing.
    """
    rows = []
    for height in range(TILE_HEIGHT, len(completed) + 1, TILE_HEIGHT):
        rows.append(
            AuditTileNode(
                level=height // TILE_HEIGHT, idx=size >> height, hash=completed[height - 1]
            )
        )
    return rows


def level_hashes(level: int, start: int, stop: int) -> list[bytes]:
    """Tile hashes `start` to `stop` - 1 at `level` (leaf hashes at level 0), in order."""
    if stop <= start:
        return []
    if level == 0:
        stmt = (
            select(AuditEntry.leaf_hash)
            .where(AuditEntry.seq >= start, AuditEntry.seq < stop)
            .order_by(AuditEntry.seq)
        )
    else:
        stmt = (
            select(AuditTileNode.hash)
            .where(
                AuditTileNode.level == level,
                AuditTileNode.idx >= start,
                AuditTileNode.idx < stop,
            )
            .order_by(AuditTileNode.idx)
        )
    hashes = [bytes(h) for h in db.session.scalars(stmt)]
    if len(hashes) != stop - start:
        raise MissingHashes(
            f"level {level} holds {len(hashes)} of the hashes {start} to {stop - 1}; "
            "run `flask db upgrade` (migration 0013 backfills them)"
        )
    return hashes


def subtree_hash(start: int, height: int) -> bytes:
    """Root of the perfect subtree of 2**height leaves from `start` (a multiple of it)."""
    if start % (1 << height):
        raise ValueError(f"a subtree of height {height} cannot start at leaf {start}")
    level = height // TILE_HEIGHT
    shift = level * TILE_HEIGHT
    count = 1 << (height - shift)
    return merkle.root_from_leaf_hashes(
        level_hashes(level, start >> shift, (start >> shift) + count)
    )


def range_hash(lo: int, hi: int) -> bytes:
    """MTH(D[lo:hi]) for the ranges RFC 6962 proofs and roots use (lo aligned to hi - lo's
    largest power of two): the perfect subtrees of hi - lo, largest first, folded right."""
    if hi <= lo:
        return merkle.EMPTY_ROOT
    parts = []
    start = lo
    for height in range((hi - lo).bit_length() - 1, -1, -1):
        if (hi - lo) >> height & 1:
            parts.append(subtree_hash(start, height))
            start += 1 << height
    return merkle.frontier_root(parts)


def root(size: int) -> bytes:
    """The root of the tree of the first `size` entries: the root stored with entry
    size - 1 (one indexed read; `audit verify` checks every stored root against the
    tree recomputed from the bodies, and `range_hash(0, size)` gives the same bytes)."""
    if size == 0:
        return merkle.EMPTY_ROOT
    stored = db.session.scalar(select(AuditEntry.root_after).where(AuditEntry.seq == size - 1))
    if stored is None:
        raise MissingHashes(f"entry {size - 1} is not stored")
    return bytes(stored)


def inclusion_proof(index: int, size: int) -> list[bytes]:
    """RFC 6962 PATH for entry `index` in the tree of `size` entries, from stored hashes."""
    return [range_hash(a, b) for a, b in merkle.inclusion_ranges(index, size)]


def consistency_proof(old_size: int, size: int) -> list[bytes]:
    """RFC 6962 PROOF that the tree of `old_size` entries is a prefix of that of `size`."""
    return [range_hash(a, b) for a, b in merkle.consistency_ranges(old_size, size)]


@dataclass(frozen=True)
class Tile:
    """What a tile path names: level ("entries" for a bundle), index and width."""

    level: int | str
    index: int
    width: int

    def exists_in(self, size: int) -> bool:
        """Whether a tree of `size` entries holds this tile's `width` hashes or entries.

        Level L has floor(size / 256**L) hashes in all; a (partial) tile exists when its
        last one does.
        """
        level = 0 if self.level == "entries" else int(self.level)
        available = size >> (level * TILE_HEIGHT)
        return self.index * TILE_WIDTH + self.width <= available

    def content(self) -> bytes:
        """The tile's bytes: concatenated hashes, or an entry bundle of the stored bodies."""
        start = self.index * TILE_WIDTH
        if self.level == "entries":
            return _entry_bundle(start, start + self.width)
        return b"".join(level_hashes(int(self.level), start, start + self.width))


def _entry_bundle(start: int, stop: int) -> bytes:
    stmt = (
        select(AuditEntry.body)
        .where(AuditEntry.seq >= start, AuditEntry.seq < stop)
        .order_by(AuditEntry.seq)
    )
    bodies = [bytes(b) for b in db.session.scalars(stmt)]
    if len(bodies) != stop - start:
        raise MissingHashes(f"entries {start} to {stop - 1} are not all stored")
    return format_entry_bundle(bodies)
