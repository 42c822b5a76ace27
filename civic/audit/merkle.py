"""RFC 6962 / RFC 9162 Merkle tree hashing and proofs for the audit log.

The hashing and the proof checks live in civic/audit/verifier.py (the one file an outsider
downloads and runs) and are re-exported here; this module adds the proofs the log serves.
The proofs must match other Certificate Transparency style implementations byte for byte
(tests/data/merkle holds their vectors).

Leaves passed to `root_hash`, `inclusion_proof` and `consistency_proof` are entry bodies
(raw data); everything else works on 32-byte SHA-256 hashes.
"""

from __future__ import annotations

from civic.audit.verifier import (
    EMPTY_ROOT,
    HASH_SIZE,
    _check_hashes,
    frontier_append,
    frontier_append_subtrees,
    frontier_root,
    leaf_hash,
    node_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "consistency_proof",
    "consistency_ranges",
    "frontier_append",
    "frontier_append_subtrees",
    "frontier_root",
    "inclusion_proof",
    "inclusion_ranges",
    "leaf_hash",
    "node_hash",
    "pack_hashes",
    "root_from_leaf_hashes",
    "root_hash",
    "unpack_hashes",
    "verify_consistency",
    "verify_inclusion",
]


def root_hash(leaves: list[bytes]) -> bytes:
    """Root over entry bodies, for callers that hold the data rather than the stored hashes."""
    return root_from_leaf_hashes([leaf_hash(data) for data in leaves])


def inclusion_proof(leaves: list[bytes], index: int) -> list[bytes]:
    """RFC 6962 §2.1.1 PATH: lets a reader check one entry against a root without the log."""
    size = len(leaves)
    hashes = [leaf_hash(data) for data in leaves]
    # The sibling subtrees are disjoint, so hashing them all is O(n) in total.
    return [root_from_leaf_hashes(hashes[a:b]) for a, b in inclusion_ranges(index, size)]


def consistency_proof(leaves: list[bytes], old_size: int) -> list[bytes]:
    """RFC 6962 §2.1.2 PROOF: shows the tree of `old_size` leaves is a prefix of this one.

    This is what lets a monitor holding an old checkpoint detect a rewritten history.
    """
    size = len(leaves)
    hashes = [leaf_hash(data) for data in leaves]
    return [root_from_leaf_hashes(hashes[a:b]) for a, b in consistency_ranges(old_size, size)]


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges [a, b) whose subtree hashes form PATH(index, D[0:size]), in order.

    Shared by the in-memory proofs above and the log's proofs from stored tile hashes
    (civic/audit/tiles.py), so both follow the RFC's shape by construction.
    """
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of size {size}")
    # Walk down from the root, keeping the subtree that holds `index`; each sibling left
    # behind is one proof node. PATH lists them leaf first, hence the reversal.
    ranges: list[tuple[int, int]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        mid = lo + _split(hi - lo)
        if index < mid:
            ranges.append((mid, hi))
            hi = mid
        else:
            ranges.append((lo, mid))
            lo = mid
    return ranges[::-1]


def consistency_ranges(old_size: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges [a, b) whose subtree hashes form PROOF(old_size, D[0:size]), in order."""
    if not 0 < old_size <= size:
        raise ValueError(f"old size {old_size} is not in 1..{size}")
    # SUBPROOF(m, D[lo:hi], b) unrolled: every step appends one node *after* the result of
    # the recursive call, so collect outermost first and reverse at the end.
    ranges: list[tuple[int, int]] = []
    lo, hi, m, whole_old_tree = 0, size, old_size, True
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
            m -= k
            whole_old_tree = False
    if not whole_old_tree:
        ranges.append((lo, hi))
    return ranges[::-1]


def pack_hashes(hashes: list[bytes]) -> bytes:
    """Concatenate hashes so a whole frontier fits in one binary column."""
    _check_hashes(hashes)
    return b"".join(hashes)


def unpack_hashes(data: bytes) -> list[bytes]:
    """Inverse of `pack_hashes`; a ragged length means the column was damaged, so refuse it."""
    if len(data) % HASH_SIZE:
        raise ValueError(f"{len(data)} bytes is not a whole number of {HASH_SIZE}-byte hashes")
    return [bytes(data[i : i + HASH_SIZE]) for i in range(0, len(data), HASH_SIZE)]


def _split(n: int) -> int:
    """Largest power of two strictly below n (n >= 2): the size of the left subtree."""
    return 1 << ((n - 1).bit_length() - 1)
