"""RFC 6962 / RFC 9162 Merkle hashing and proofs (civic.audit.merkle).

External vectors (tests/data/merkle, from transparency-dev/merkle) pin us to other
implementations; a small recursive transcription of the RFC 6962 definitions below is the
independent oracle for our own iterative proof generators.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
from pathlib import Path

import pytest

from civic.audit.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    frontier_append,
    frontier_root,
    inclusion_proof,
    leaf_hash,
    node_hash,
    pack_hashes,
    root_from_leaf_hashes,
    root_hash,
    unpack_hashes,
    verify_consistency,
    verify_inclusion,
)

DATA = Path(__file__).resolve().parent.parent / "data" / "merkle"
KNOWN = json.loads((DATA / "known_answers.json").read_text())
KA_LEAVES = [bytes.fromhex(h) for h in KNOWN["leaf_inputs_hex"]]
KA_ROOTS = [bytes.fromhex(h) for h in KNOWN["root_by_size_hex"]]

INCLUSION_FILES = sorted((DATA / "inclusion").rglob("*.json"))
CONSISTENCY_FILES = sorted((DATA / "consistency").rglob("*.json"))

MAX_SIZE = 40
# One spare leaf so "size + 1" has a real tree to compare against.
LEAVES = [f"entry {i}".encode() for i in range(MAX_SIZE + 2)]


# --- An RFC 6962 §2.1 transcription: recursive, obviously right, only for small trees. ---


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _k(n: int) -> int:
    k = 1
    while 2 * k < n:
        k *= 2
    return k


def ref_mth(d: list[bytes]) -> bytes:
    if not d:
        return _sha(b"")
    if len(d) == 1:
        return _sha(b"\x00" + d[0])
    k = _k(len(d))
    return _sha(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:]))


def ref_path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return [*ref_path(m, d[:k]), ref_mth(d[k:])]
    return [*ref_path(m - k, d[k:]), ref_mth(d[:k])]


def ref_subproof(m: int, d: list[bytes], b: bool = True) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [ref_mth(d)]
    k = _k(n)
    if m <= k:
        return [*ref_subproof(m, d[:k], b), ref_mth(d[k:])]
    return [*ref_subproof(m - k, d[k:], False), ref_mth(d[:k])]


ROOTS = [ref_mth(LEAVES[:n]) for n in range(len(LEAVES) + 1)]


def _flip(proof: list[bytes], j: int, bit: int) -> list[bytes]:
    node = bytearray(proof[j])
    node[bit // 8] ^= 1 << (bit % 8)
    return [*proof[:j], bytes(node), *proof[j + 1 :]]


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value) if value else b""


def _proof(value: list[str] | None) -> list[bytes]:
    return [_b64(p) for p in value or []]


def _ids(files: list[Path], kind: str) -> list:
    return [pytest.param(f, id=f.relative_to(DATA / kind).as_posix()) for f in files]


# --- Known answers ---


def test_oracle_agrees_with_published_roots():
    assert [ref_mth(KA_LEAVES[:n]) for n in range(9)] == KA_ROOTS


def test_empty_root():
    assert EMPTY_ROOT == hashlib.sha256(b"").digest() == KA_ROOTS[0]
    assert root_hash([]) == EMPTY_ROOT
    assert root_from_leaf_hashes([]) == EMPTY_ROOT


@pytest.mark.parametrize("size", range(9))
def test_known_root(size):
    leaves = KA_LEAVES[:size]
    assert root_hash(leaves) == KA_ROOTS[size]
    assert root_from_leaf_hashes([leaf_hash(x) for x in leaves]) == KA_ROOTS[size]


@pytest.mark.parametrize("key", sorted(KNOWN["leaf_hash_examples_hex"]))
def test_known_leaf_hash(key):
    data = bytes.fromhex(key.split(" ")[0])  # keys look like "4c31... (ascii L123456)"
    assert leaf_hash(data) == bytes.fromhex(KNOWN["leaf_hash_examples_hex"][key])


def test_known_node_hash():
    example = KNOWN["node_hash_example"]
    left, right = example["left_ascii"].encode(), example["right_ascii"].encode()
    assert node_hash(left, right) == bytes.fromhex(example["hash_hex"])
    assert node_hash(right, left) != bytes.fromhex(example["hash_hex"])


def test_root_from_leaf_hashes_refuses_non_hashes():
    with pytest.raises(ValueError):
        root_from_leaf_hashes([leaf_hash(b"a"), b"short"])


def test_roots_match_the_rfc_definition_for_every_size_up_to_max():
    for n in range(MAX_SIZE + 2):
        assert root_hash(LEAVES[:n]) == ROOTS[n], n


# --- The transparency-dev vectors ---


def test_vector_set_is_complete():
    # Guards the parametrised tests below against silently collecting nothing.
    assert len(INCLUSION_FILES) == 98
    assert len(CONSISTENCY_FILES) == 98
    assert len(KA_LEAVES) == 8
    assert len(KA_ROOTS) == 9


@pytest.mark.parametrize("path", _ids(INCLUSION_FILES, "inclusion"))
def test_inclusion_vector(path):
    v = json.loads(path.read_text())
    ok = verify_inclusion(
        _b64(v["leafHash"]), v["leafIdx"], v["treeSize"], _proof(v["proof"]), _b64(v["root"])
    )
    assert ok is (not v["wantErr"]), v["desc"]


@pytest.mark.parametrize("path", _ids(CONSISTENCY_FILES, "consistency"))
def test_consistency_vector(path):
    v = json.loads(path.read_text())
    ok = verify_consistency(
        v["size1"], v["size2"], _b64(v["root1"]), _b64(v["root2"]), _proof(v["proof"])
    )
    assert ok is (not v["wantErr"]), v["desc"]


def test_our_proofs_equal_the_vectors_happy_paths():
    """The happy-path probes are built over the known-answer leaves: regenerate them."""
    matched = 0
    for path in INCLUSION_FILES:
        v = json.loads(path.read_text())
        size, root = v["treeSize"], _b64(v["root"])
        if v["wantErr"] or size > 8 or root != KA_ROOTS[size]:
            continue
        assert leaf_hash(KA_LEAVES[v["leafIdx"]]) == _b64(v["leafHash"])
        assert inclusion_proof(KA_LEAVES[:size], v["leafIdx"]) == _proof(v["proof"]), path
        matched += 1
    for path in CONSISTENCY_FILES:
        v = json.loads(path.read_text())
        size1, size2 = v["size1"], v["size2"]
        if v["wantErr"] or size2 > 8 or _b64(v["root2"]) != KA_ROOTS[size2]:
            continue
        assert _b64(v["root1"]) == KA_ROOTS[size1]
        assert consistency_proof(KA_LEAVES[:size2], size1) == _proof(v["proof"]), path
        matched += 1
    assert matched == 10  # inclusion/0..4 and consistency/0..4


# --- Our own proofs, against the RFC transcription, and mutated ---


def test_inclusion_proofs_verify_for_every_index_and_size():
    checked = 0
    for size in range(1, MAX_SIZE + 1):
        leaves = LEAVES[:size]
        for index in range(size):
            proof = inclusion_proof(leaves, index)
            assert proof == ref_path(index, leaves), (size, index)
            assert verify_inclusion(leaf_hash(leaves[index]), index, size, proof, ROOTS[size])
            checked += 1
    assert checked == MAX_SIZE * (MAX_SIZE + 1) // 2


def test_mutated_inclusion_proofs_are_rejected():
    checked = 0
    for size in range(1, MAX_SIZE + 1):
        root = ROOTS[size]
        for index in range(size):
            leaf = leaf_hash(LEAVES[index])
            proof = inclusion_proof(LEAVES[:size], index)
            bad: list[tuple[str, tuple]] = [
                ("index - 1", (leaf, index - 1, size, proof, root)),
                ("index + 1", (leaf, index + 1, size, proof, root)),
                ("other leaf", (leaf_hash(LEAVES[index + 1]), index, size, proof, root)),
                ("root of size - 1", (leaf, index, size, proof, ROOTS[size - 1])),
                ("root of size + 1", (leaf, index, size, proof, ROOTS[size + 1])),
                ("extra node at end", (leaf, index, size, [*proof, root], root)),
                ("extra node at start", (leaf, index, size, [leaf, *proof], root)),
            ]
            if size > 1:  # with one leaf the root *is* the leaf hash and the proof is empty
                bad.append(("swapped leaf and root", (root, index, size, proof, leaf)))
                bad.append(("short nodes", (leaf, index, size, [p[:31] for p in proof], root)))
            for j in range(len(proof)):
                bad.append((f"bit flip in node {j}", (leaf, index, size, _flip(proof, j, j), root)))
                missing = proof[:j] + proof[j + 1 :]
                bad.append((f"node {j} missing", (leaf, index, size, missing, root)))
                extra = [*proof[:j], proof[j], *proof[j:]]
                bad.append((f"node {j} doubled", (leaf, index, size, extra, root)))
            for desc, args in bad:
                assert verify_inclusion(*args) is False, (size, index, desc)
                checked += 1
            # A wrong size is only detectable against the root that size really has: the
            # proof itself does not commit to the size (index 0 of 3 also "fits" size 4).
            for other in {size - 1, size + 1, size * 2, size // 2} - {size}:
                if other > len(LEAVES):
                    continue
                honest = 0 <= index < other and ref_path(index, LEAVES[:other]) == proof
                assert verify_inclusion(leaf, index, other, proof, ROOTS[other]) is honest
                checked += 1
    assert checked > 10_000


def test_consistency_proofs_verify_for_every_pair_of_sizes():
    checked = 0
    for new_size in range(1, MAX_SIZE + 1):
        leaves = LEAVES[:new_size]
        for old_size in range(1, new_size + 1):
            proof = consistency_proof(leaves, old_size)
            assert proof == ref_subproof(old_size, leaves), (old_size, new_size)
            assert (proof == []) is (old_size == new_size)
            assert verify_consistency(old_size, new_size, ROOTS[old_size], ROOTS[new_size], proof)
            checked += 1
    assert checked == MAX_SIZE * (MAX_SIZE + 1) // 2


def test_mutated_consistency_proofs_are_rejected():
    checked = 0
    for n in range(2, MAX_SIZE + 1):
        for m in range(1, n):
            old, new = ROOTS[m], ROOTS[n]
            proof = consistency_proof(LEAVES[:n], m)
            bad: list[tuple[str, tuple]] = [
                ("swapped roots", (m, n, new, old, proof)),
                ("old root of size m - 1", (m, n, ROOTS[m - 1], new, proof)),
                ("new root of size n + 1", (m, n, old, ROOTS[n + 1], proof)),
                ("empty proof", (m, n, old, new, [])),
                ("extra node at end", (m, n, old, new, [*proof, new])),
                ("extra node at start", (m, n, old, new, [old, *proof])),
                ("short node", (m, n, old, new, [p[:31] for p in proof])),
                ("old size 0", (0, n, EMPTY_ROOT, new, proof)),
                ("sizes swapped", (n, m, new, old, proof)),
            ]
            for j in range(len(proof)):
                bad.append((f"bit flip in node {j}", (m, n, old, new, _flip(proof, j, 255 - j))))
                bad.append((f"node {j} missing", (m, n, old, new, proof[:j] + proof[j + 1 :])))
                extra = [*proof[:j], proof[j], *proof[j:]]
                bad.append((f"node {j} doubled", (m, n, old, new, extra)))
            for desc, args in bad:
                assert verify_consistency(*args) is False, (m, n, desc)
                checked += 1
            # Wrong sizes, each with the root that size really has (see the inclusion test).
            for m2 in {m - 1, m + 1} - {m}:
                honest = 0 < m2 <= n and ref_subproof(m2, LEAVES[:n]) == proof
                assert verify_consistency(m2, n, ROOTS[m2], new, proof) is honest, (m, n, m2)
                checked += 1
            for n2 in {n - 1, n + 1} - {n}:
                honest = m <= n2 and ref_subproof(m, LEAVES[:n2]) == proof
                assert verify_consistency(m, n2, old, ROOTS[n2], proof) is honest, (m, n, n2)
                checked += 1
    assert checked > 10_000


def test_equal_sizes_need_an_empty_proof_and_equal_roots():
    for n in range(1, MAX_SIZE + 1):
        assert verify_consistency(n, n, ROOTS[n], ROOTS[n], [])
        assert not verify_consistency(n, n, ROOTS[n], ROOTS[n], [ROOTS[n]])
        assert not verify_consistency(n, n, ROOTS[n], ROOTS[n - 1], [])
    assert not verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])


def test_proof_generators_reject_out_of_range_arguments():
    three = LEAVES[:3]
    for index in (-1, 3, 4):
        with pytest.raises(ValueError):
            inclusion_proof(three, index)
    with pytest.raises(ValueError):
        inclusion_proof([], 0)
    for old_size in (-1, 0, 4):
        with pytest.raises(ValueError):
            consistency_proof(three, old_size)
    with pytest.raises(ValueError):
        consistency_proof([], 0)
    assert consistency_proof(three, 3) == []


GOOD_LEAF = leaf_hash(LEAVES[0])
TWO = inclusion_proof(LEAVES[:2], 0)


def test_bad_input_controls_are_valid():
    # The bad-input cases below are these, with one thing broken.
    assert verify_inclusion(GOOD_LEAF, 0, 1, [], GOOD_LEAF)
    assert verify_inclusion(GOOD_LEAF, 0, 2, TWO, ROOTS[2])
    assert verify_consistency(1, 2, ROOTS[1], ROOTS[2], TWO)


@pytest.mark.parametrize(
    "args",
    [
        (GOOD_LEAF, -1, 1, [], GOOD_LEAF),
        (GOOD_LEAF, 1, 1, [], GOOD_LEAF),
        (GOOD_LEAF, 0, 0, [], GOOD_LEAF),
        (GOOD_LEAF, 0, -1, [], GOOD_LEAF),
        (GOOD_LEAF, 2**64, 2**64 + 1, [], GOOD_LEAF),
        (GOOD_LEAF, "0", 1, [], GOOD_LEAF),
        (GOOD_LEAF, 0.0, 1.0, [], GOOD_LEAF),
        (GOOD_LEAF, None, 1, [], GOOD_LEAF),
        (GOOD_LEAF.hex(), 0, 1, [], GOOD_LEAF.hex()),
        (GOOD_LEAF[:31], 0, 1, [], GOOD_LEAF[:31]),
        # Self-consistent but built on a 31-byte "hash": only the length check can refuse it.
        (GOOD_LEAF[:31], 0, 2, TWO, node_hash(GOOD_LEAF[:31], TWO[0])),
        (GOOD_LEAF.hex(), 0, 2, TWO, ROOTS[2]),
        (GOOD_LEAF + b"\x00", 0, 1, [], GOOD_LEAF + b"\x00"),
        (GOOD_LEAF, 0, 1, None, GOOD_LEAF),
        (GOOD_LEAF, 0, 2, None, ROOTS[2]),
        (GOOD_LEAF, 0, 2, [TWO[0].hex()], ROOTS[2]),
        (GOOD_LEAF, 0, 2, [None], ROOTS[2]),
        (GOOD_LEAF, 0, 2, TWO[0], ROOTS[2]),
        (GOOD_LEAF, 0, 2, TWO, None),
        (None, None, None, None, None),
    ],
)
def test_verify_inclusion_returns_false_on_bad_input(args):
    assert verify_inclusion(*args) is False


@pytest.mark.parametrize(
    "args",
    [
        (0, 2, EMPTY_ROOT, ROOTS[2], TWO),
        (-1, 2, ROOTS[1], ROOTS[2], TWO),
        (3, 2, ROOTS[1], ROOTS[2], TWO),
        (1, 2.0, ROOTS[1], ROOTS[2], TWO),
        ("1", 2, ROOTS[1], ROOTS[2], TWO),
        (1, 2, None, ROOTS[2], TWO),
        (1, 2, ROOTS[1], ROOTS[2][:31], TWO),
        (1, 2, ROOTS[1][:31], ROOTS[2], TWO),
        (1, 2, ROOTS[1][:31], node_hash(ROOTS[1][:31], TWO[0]), TWO),
        (1, 2, ROOTS[1], ROOTS[2], None),
        (1, 2, ROOTS[1], ROOTS[2], TWO[0]),
        (1, 2, ROOTS[1], ROOTS[2], [TWO[0][:16]]),
        (1, 2, ROOTS[1], ROOTS[2], [TWO[0].hex()]),
        (1, 1, ROOTS[1].hex(), ROOTS[1].hex(), []),
        (1, 1, ROOTS[1], ROOTS[1], None),
        (None, None, None, None, None),
    ],
)
def test_verify_consistency_returns_false_on_bad_input(args):
    assert verify_consistency(*args) is False


def test_verifiers_never_raise_on_random_junk():
    rng = random.Random(9162)
    for _ in range(3000):
        proof = [rng.randbytes(rng.choice((0, 1, 31, 32, 32, 33))) for _ in range(rng.randrange(6))]
        a, b = rng.randbytes(rng.choice((0, 32, 32))), rng.randbytes(32)
        x, y = rng.randrange(-2, 12), rng.randrange(-2, 12)
        assert verify_inclusion(a, x, y, proof, b) is False
        assert verify_consistency(x, y, a, b, proof) is False


# --- The append-only log's frontier ---


def test_frontier_fold_matches_root_hash_for_every_size_up_to_70():
    rng = random.Random(6962)
    for n in range(71):
        leaves = [rng.randbytes(rng.randrange(0, 48)) for _ in range(n)]
        frontier: list[bytes] = []
        for size, data in enumerate(leaves):
            before = list(frontier)
            new = frontier_append(frontier, size, leaf_hash(data))
            assert frontier == before  # the caller's list (a stored row) is left alone
            frontier = new
        assert len(frontier) == n.bit_count()
        assert frontier_root(frontier) == root_hash(leaves), n
        # Largest perfect subtree first: the layout that gets stored must not drift.
        start = 0
        for bit in reversed(range(n.bit_length())):
            if n >> bit & 1:
                piece = leaves[start : start + (1 << bit)]
                assert frontier.pop(0) == root_hash(piece), (n, bit)
                start += 1 << bit
        assert frontier == []
        assert start == n


def test_frontier_root_of_nothing_is_the_empty_root():
    assert frontier_root([]) == EMPTY_ROOT


def test_frontier_append_refuses_inconsistent_input():
    h = leaf_hash(b"x")
    with pytest.raises(ValueError):
        frontier_append([], 1, h)  # size 1 needs one hash
    with pytest.raises(ValueError):
        frontier_append([h], 0, h)
    with pytest.raises(ValueError):
        frontier_append([h], 3, h)  # size 3 needs two
    with pytest.raises(ValueError):
        frontier_append([], -1, h)
    with pytest.raises(ValueError):
        frontier_append([], 0, b"not a hash")
    assert frontier_append([h], 1, h) == [node_hash(h, h)]


def test_pack_unpack_round_trip():
    for n in range(6):
        hashes = [leaf_hash(bytes([i])) for i in range(n)]
        packed = pack_hashes(hashes)
        assert len(packed) == 32 * n
        assert unpack_hashes(packed) == hashes
    assert pack_hashes([]) == b""
    assert unpack_hashes(b"") == []


@pytest.mark.parametrize("length", [1, 31, 33, 63, 65])
def test_unpack_refuses_a_ragged_length(length):
    with pytest.raises(ValueError):
        unpack_hashes(b"\x00" * length)


def test_pack_refuses_non_hashes():
    with pytest.raises(ValueError):
        pack_hashes([leaf_hash(b"a"), b"short"])


# --- Scale ---


def test_a_million_leaves():
    """No recursion and nothing quadratic: root_hash over 10**6 entries in about a second."""
    n = 1_000_000
    data = b"the same entry"
    # With identical leaves every perfect subtree of 2**k leaves has the same hash, so the
    # expected root follows from a few dozen hashes, independently of root_hash's loop.
    perfect = [leaf_hash(data)]
    for _ in range(n.bit_length()):
        perfect.append(node_hash(perfect[-1], perfect[-1]))
    frontier = [perfect[k] for k in reversed(range(n.bit_length())) if n >> k & 1]
    assert root_hash([data] * n) == frontier_root(frontier)
