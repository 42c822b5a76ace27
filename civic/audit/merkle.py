"""RFC 6962 / RFC 9162 Merkle tree hashing and proofs for the audit log.

Pure standard library on purpose: anyone auditing a published checkpoint should be able to
re-run this file without the web app, and the proofs must match other Certificate
Transparency style implementations byte for byte (tests/data/merkle holds their vectors).

Leaves passed to `root_hash`, `inclusion_proof` and `consistency_proof` are entry bodies
(raw data); everything else works on 32-byte SHA-256 hashes.
"""

from __future__ import annotations

import hashlib

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "consistency_proof",
    "frontier_append",
    "frontier_root",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "pack_hashes",
    "root_from_leaf_hashes",
    "root_hash",
    "unpack_hashes",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"

EMPTY_ROOT: bytes = hashlib.sha256(b"").digest()
"""Root of the tree with no leaves; RFC 6962 defines it as the hash of nothing."""


def leaf_hash(data: bytes) -> bytes:
    """Hash an entry body; the 0x00 prefix keeps a leaf from posing as an interior node."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash two children; the 0x01 prefix is the other half of the second-preimage defence."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def root_hash(leaves: list[bytes]) -> bytes:
    """Root over entry bodies, for callers that hold the data rather than the stored hashes."""
    return root_from_leaf_hashes([leaf_hash(data) for data in leaves])


def root_from_leaf_hashes(hashes: list[bytes]) -> bytes:
    """Root over stored leaf hashes, so a full audit does not have to re-hash every body.

    Level by level (a lone last node is carried up unchanged), which yields exactly the RFC's
    "largest power of two on the left" shape in O(n) time and without recursion.
    """
    _check_hashes(hashes)
    if not hashes:
        return EMPTY_ROOT
    level = list(hashes)
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return bytes(level[0])


def inclusion_proof(leaves: list[bytes], index: int) -> list[bytes]:
    """RFC 6962 §2.1.1 PATH: lets a reader check one entry against a root without the log."""
    size = len(leaves)
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of size {size}")
    hashes = [leaf_hash(data) for data in leaves]
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
    # The sibling subtrees are disjoint, so hashing them all is O(n) in total.
    return [root_from_leaf_hashes(hashes[a:b]) for a, b in reversed(ranges)]


def consistency_proof(leaves: list[bytes], old_size: int) -> list[bytes]:
    """RFC 6962 §2.1.2 PROOF: shows the tree of `old_size` leaves is a prefix of this one.

    This is what lets a monitor holding an old checkpoint detect a rewritten history.
    """
    size = len(leaves)
    if not 0 < old_size <= size:
        raise ValueError(f"old size {old_size} is not in 1..{size}")
    hashes = [leaf_hash(data) for data in leaves]
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
    return [root_from_leaf_hashes(hashes[a:b]) for a, b in reversed(ranges)]


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: list[bytes], root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2. Returns False rather than raising: proofs arrive from outside."""
    if not (_is_int(index) and _is_int(size) and 0 <= index < size):
        return False
    if not (_is_hash(leaf_hash) and _is_hash(root) and _is_proof(proof)):
        return False
    fn, sn = index, size - 1
    r = bytes(leaf_hash)
    for p in proof:
        if sn == 0:
            return False  # more nodes than the tree has levels
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                # Right edge of an unbalanced tree: skip the levels where we have no sibling.
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: list[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2. Returns False rather than raising: proofs arrive from outside.

    An empty old tree is rejected: it is trivially consistent with anything, so a caller
    asking about it has a bug. Equal sizes need an empty proof and equal roots; as in the
    reference implementation, the roots are then only compared, not length-checked.
    """
    if not (_is_int(old_size) and _is_int(new_size) and 0 < old_size <= new_size):
        return False
    if not (isinstance(old_root, bytes | bytearray) and isinstance(new_root, bytes | bytearray)):
        return False
    if not _is_proof(proof):
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if not (proof and _is_hash(old_root) and _is_hash(new_root)):
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        # A power-of-two old tree is a node of the new one, so PROOF omits its root.
        path.insert(0, bytes(old_root))
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False  # more nodes than the tree has levels
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


def frontier_append(frontier: list[bytes], size: int, leaf: bytes) -> list[bytes]:
    """Add one leaf hash to the right edge, so an append costs O(log n) and reads no old rows.

    The frontier holds the roots of the perfect subtrees that make up a tree of `size`
    leaves, largest first: one per set bit of `size`. Returns a new list.
    """
    if not _is_int(size) or size < 0:
        raise ValueError(f"tree size must be a non-negative integer, not {size!r}")
    if len(frontier) != size.bit_count():
        raise ValueError(f"a tree of size {size} has {size.bit_count()} frontier hashes")
    _check_hashes([*frontier, leaf])
    merged = list(frontier)
    carry = bytes(leaf)
    # Like binary increment: each trailing 1 bit is a subtree of equal size to merge with.
    while size & 1:
        carry = node_hash(merged.pop(), carry)
        size >>= 1
    merged.append(carry)
    return merged


def frontier_root(frontier: list[bytes]) -> bytes:
    """Root of the tree a frontier describes; the smaller subtrees hang off the right edge."""
    _check_hashes(frontier)
    if not frontier:
        return EMPTY_ROOT
    root = frontier[-1]
    for subtree in reversed(frontier[:-1]):
        root = node_hash(subtree, root)
    return bytes(root)


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


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes | bytearray) and len(value) == HASH_SIZE


def _is_proof(proof: object) -> bool:
    return isinstance(proof, list | tuple) and all(_is_hash(p) for p in proof)


def _check_hashes(hashes: list[bytes]) -> None:
    for h in hashes:
        if not _is_hash(h):
            raise ValueError(f"expected {HASH_SIZE}-byte hashes")
