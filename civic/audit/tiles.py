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


def _subtrees(lo: int, hi: int) -> list[tuple[int, int]]:
    """D[lo:hi] as perfect subtrees (start, height), largest first. Valid for the ranges
    RFC 6962 proofs and roots use: lo is a multiple of hi - lo's largest power of two."""
    parts = []
    start = lo
    for height in range((hi - lo).bit_length() - 1, -1, -1):
        if (hi - lo) >> height & 1:
            if start % (1 << height):
                raise ValueError(f"[{lo}, {hi}) is not a range of a Merkle tree")
            parts.append((start, height))
            start += 1 << height
    return parts


def _stored_positions(start: int, height: int) -> tuple[int, range]:
    """The stored hashes a perfect subtree is the root of: at most 128 at one tile level."""
    level = height // TILE_HEIGHT
    shift = level * TILE_HEIGHT
    first = start >> shift
    return level, range(first, first + (1 << (height - shift)))


def _fetch(level: int, positions: set[int]) -> dict[int, bytes]:
    """The stored hashes at these positions of a level, in one query."""
    found: dict[int, bytes] = {}
    ordered = sorted(positions)
    for chunk in range(0, len(ordered), 500):
        wanted = ordered[chunk : chunk + 500]
        if level == 0:
            stmt = select(AuditEntry.seq, AuditEntry.leaf_hash).where(AuditEntry.seq.in_(wanted))
        else:
            stmt = select(AuditTileNode.idx, AuditTileNode.hash).where(
                AuditTileNode.level == level, AuditTileNode.idx.in_(wanted)
            )
        found.update((int(i), bytes(h)) for i, h in db.session.execute(stmt))
    if len(found) != len(positions):
        raise MissingHashes(
            f"level {level} lacks {len(positions) - len(found)} of the hashes asked for; "
            "run `flask db upgrade` (migration 0013 backfills them)"
        )
    return found


def range_hashes(ranges: list[tuple[int, int]]) -> list[bytes]:
    """MTH(D[lo:hi]) for each range, reading every stored hash needed with one query per
    tile level (a proof over a million entries: three queries, a few hundred hashes)."""
    split = [_subtrees(lo, hi) for lo, hi in ranges]
    wanted: dict[int, set[int]] = {}
    for parts in split:
        for start, height in parts:
            level, positions = _stored_positions(start, height)
            wanted.setdefault(level, set()).update(positions)
    stored = {level: _fetch(level, positions) for level, positions in wanted.items()}
    hashes = []
    for parts in split:
        roots = []
        for start, height in parts:
            level, positions = _stored_positions(start, height)
            roots.append(merkle.root_from_leaf_hashes([stored[level][i] for i in positions]))
        hashes.append(merkle.frontier_root(roots))
    return hashes


def range_hash(lo: int, hi: int) -> bytes:
    """MTH(D[lo:hi]) (see `range_hashes`); the empty range hashes to the empty root."""
    return range_hashes([(lo, hi)])[0]


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
    return range_hashes(merkle.inclusion_ranges(index, size))


def consistency_proof(old_size: int, size: int) -> list[bytes]:
    """RFC 6962 PROOF that the tree of `old_size` entries is a prefix of that of `size`."""
    return range_hashes(merkle.consistency_ranges(old_size, size))


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
