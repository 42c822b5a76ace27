"""The log as tlog-tiles and JSON proofs, read from stored subtree hashes.

Every figure is checked against an independent computation over the entry bodies
(civic.audit.merkle's in-memory root and proofs), and every proof against the verifier.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from civic import audit
from civic.audit import merkle, tiles
from civic.audit.log import LOGGED_TEXT_BYTES, MAX_BODY_BYTES, EntryTooLarge
from civic.audit.models import AuditEntry, AuditPending, AuditTileNode
from civic.audit.verifier import parse_entry_bundle, verify_consistency, verify_inclusion
from civic.extensions import db

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "merkle"
IMMUTABLE = "public, max-age=31536000, immutable"


def _log(n: int) -> list[bytes]:
    """Append n named entries; return every body in the log, in seq order."""
    for i in range(n):
        audit.record(None, "area:create", audit.Subject("area", f"a{i}"), {"i": i})
    db.session.flush()
    return [bytes(b) for b in db.session.scalars(select(AuditEntry.body).order_by(AuditEntry.seq))]


def _leaves(bodies: list[bytes]) -> bytes:
    return b"".join(merkle.leaf_hash(b) for b in bodies)


def _b64(value: str) -> bytes:
    return base64.b64decode(value, validate=True)


# --- tiles ---------------------------------------------------------------------------


def test_full_and_partial_level_0_tiles_are_the_leaf_hashes(client):
    bodies = _log(300)
    full = client.get("/audit/log/tile/0/000")
    assert full.status_code == 200
    assert full.data == _leaves(bodies[:256])
    assert len(full.data) == 8192
    assert full.headers["Content-Type"] == "application/octet-stream"
    assert full.headers["Cache-Control"] == IMMUTABLE
    partial = client.get("/audit/log/tile/0/001.p/44")
    assert partial.status_code == 200
    assert partial.data == _leaves(bodies[256:300])
    assert partial.headers["Cache-Control"] == IMMUTABLE
    narrower = client.get("/audit/log/tile/0/001.p/3")
    assert narrower.data == _leaves(bodies[256:259])


def test_level_1_partial_tiles_hold_the_roots_of_full_level_0_tiles(client):
    bodies = _log(600)
    tile = client.get("/audit/log/tile/1/000.p/2")
    assert tile.status_code == 200
    assert tile.data == merkle.root_hash(bodies[:256]) + merkle.root_hash(bodies[256:512])
    assert client.get("/audit/log/tile/1/000.p/1").data == merkle.root_hash(bodies[:256])
    assert client.get("/audit/log/tile/1/000.p/3").status_code == 404  # 600 < 3 * 256


def test_entry_bundles_round_trip_to_the_stored_bodies(client):
    bodies = _log(260)
    full = client.get("/audit/log/tile/entries/000")
    assert full.status_code == 200
    assert full.headers["Cache-Control"] == IMMUTABLE
    assert full.headers["Content-Type"] == "application/octet-stream"
    assert parse_entry_bundle(full.data) == bodies[:256]
    partial = client.get("/audit/log/tile/entries/001.p/4")
    assert parse_entry_bundle(partial.data) == bodies[256:260]
    # each entry hashes to the matching hash of the level-0 tile, as clients check
    level0 = client.get("/audit/log/tile/0/001.p/4").data
    assert _leaves(parse_entry_bundle(partial.data)) == level0


@pytest.mark.parametrize(
    "path",
    [
        "0/1",  # not three digits
        "0/0001",
        "0/x000/001",  # a leading zero group
        "0/001/002",  # groups before the last need an x
        "64/000",  # past level 63
        "01/000",
        "-1/000",
        "0/000.p/256",
        "0/000.p/0",
        "0/000.p/",
        "0/000.p/007",
        "0/000.p/12x",
        "entries/x001",
        "leaves/000",
        "0/000/",
        "0",
    ],
)
def test_bad_tile_paths_are_400_with_a_reason(client, path):
    _log(3)
    response = client.get(f"/audit/log/tile/{path}")
    assert response.status_code == 400, path
    assert response.get_data(as_text=True).startswith("bad tile path: ")
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "path",
    [
        "0/000",  # full: the tree has only 10 entries
        "0/000.p/11",
        "0/001.p/1",
        "1/000.p/1",
        "entries/000",
        "entries/000.p/11",
        "2/x001/000",
    ],
)
def test_tiles_beyond_the_tree_are_404(client, path):
    _log(10)
    response = client.get(f"/audit/log/tile/{path}")
    assert response.status_code == 404, path
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/audit/log/tile/0/000.p/10").status_code == 200


def test_an_empty_log_has_no_tiles(client):
    assert client.get("/audit/log/tile/0/000.p/1").status_code == 404
    assert client.get("/audit/log/tile/entries/000.p/1").status_code == 404


def test_tile_existence_follows_the_spec_example():
    """tlog-tiles: a tree of 70,000 has 273 full level-0 tiles, a level-0 partial of 112,
    one full level-1 tile, a level-1 partial of 17 and a level-2 partial of 1."""
    size = 70_000

    def exists(level: int | str, index: int, width: int = 256) -> bool:
        return tiles.Tile(level, index, width).exists_in(size)

    assert exists(0, 272) and not exists(0, 273)
    assert exists(0, 273, 112) and not exists(0, 273, 113)
    assert exists("entries", 273, 112) and not exists("entries", 273, 113)
    assert exists(1, 0) and not exists(1, 1)
    assert exists(1, 1, 17) and not exists(1, 1, 18)
    assert exists(2, 0, 1) and not exists(2, 0, 2) and not exists(3, 0, 1)


def test_stored_nodes_match_an_independent_tree_of_65536_leaves():
    """Levels 1 and 2 on a synthetic tree: each append stores exactly the 256**L-leaf
    subtrees it completes, with the right index and the root over those leaves."""
    leaves = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(65_536)]
    frontier: list[bytes] = []
    stored: dict[tuple[int, int], bytes] = {}
    for size, leaf in enumerate(leaves):
        frontier, completed = merkle.frontier_append_subtrees(frontier, size, leaf)
        for node in tiles.stored_nodes(size, completed):
            assert (node.level, node.idx) not in stored
            stored[node.level, node.idx] = node.hash
    expected = {
        (1, i): merkle.root_from_leaf_hashes(leaves[i * 256 : (i + 1) * 256]) for i in range(256)
    }
    expected[2, 0] = merkle.root_from_leaf_hashes(leaves)
    assert stored == expected
    assert frontier == [expected[2, 0]]


def test_appends_store_level_1_nodes_as_they_complete():
    bodies = _log(513)
    nodes = db.session.execute(
        select(AuditTileNode.level, AuditTileNode.idx, AuditTileNode.hash).order_by(
            AuditTileNode.level, AuditTileNode.idx
        )
    ).all()
    assert [(n.level, n.idx, bytes(n.hash)) for n in nodes] == [
        (1, 0, merkle.root_hash(bodies[:256])),
        (1, 1, merkle.root_hash(bodies[256:512])),
    ]


# --- proofs from stored hashes ---------------------------------------------------------


def test_roots_and_proofs_equal_the_in_memory_ones_on_random_trees():
    bodies = _log(700)
    rng = random.Random(11)
    sizes = [1, 2, 255, 256, 257, 511, 512, 513, 700, *rng.sample(range(1, 701), 25)]
    for size in sizes:
        root = merkle.root_hash(bodies[:size])
        assert tiles.root(size) == root, size
        for index in {0, size - 1, rng.randrange(size)}:
            proof = tiles.inclusion_proof(index, size)
            assert proof == merkle.inclusion_proof(bodies[:size], index), (index, size)
            assert verify_inclusion(merkle.leaf_hash(bodies[index]), index, size, proof, root)
        for old in {1, size, rng.randint(1, size)}:
            proof = tiles.consistency_proof(old, size)
            assert proof == merkle.consistency_proof(bodies[:size], old), (old, size)
            old_root = merkle.root_hash(bodies[:old])
            assert verify_consistency(old, size, old_root, root, proof)


def _insert_raw_entries(bodies: list[bytes]) -> None:
    """Entries whose bodies are arbitrary bytes (the RFC vectors' leaves), with their
    nodes, as if appended: tiles and proofs read only the stored hashes."""
    frontier: list[bytes] = []
    when = datetime(2026, 1, 1, tzinfo=UTC)
    for size, body in enumerate(bodies):
        leaf = merkle.leaf_hash(body)
        frontier, completed = merkle.frontier_append_subtrees(frontier, size, leaf)
        db.session.add(
            AuditEntry(
                seq=size,
                recorded_at=when,
                action="vector",
                subject_type="vector",
                subject_id=str(size),
                actor=None,
                body=body,
                leaf_hash=leaf,
                root_after=merkle.frontier_root(frontier),
                frontier=merkle.pack_hashes(frontier),
            )
        )
        db.session.add_all(tiles.stored_nodes(size, completed))
    db.session.flush()


def test_proofs_equal_the_rfc_6962_vectors():
    known = json.loads((DATA / "known_answers.json").read_text())
    leaves = [bytes.fromhex(h) for h in known["leaf_inputs_hex"]]
    roots = [bytes.fromhex(h) for h in known["root_by_size_hex"]]
    _insert_raw_entries(leaves)
    for size in range(1, len(leaves) + 1):
        assert tiles.root(size) == roots[size]
    matched = 0
    for path in sorted((DATA / "inclusion").rglob("*.json")):
        v = json.loads(path.read_text())
        if v["wantErr"] or v["treeSize"] > 8 or _b64(v["root"]) != roots[v["treeSize"]]:
            continue
        proof = tiles.inclusion_proof(v["leafIdx"], v["treeSize"])
        assert proof == [_b64(p) for p in v["proof"] or []], path
        matched += 1
    for path in sorted((DATA / "consistency").rglob("*.json")):
        v = json.loads(path.read_text())
        if v["wantErr"] or v["size2"] > 8 or _b64(v["root2"]) != roots[v["size2"]]:
            continue
        proof = tiles.consistency_proof(v["size1"], v["size2"])
        assert proof == [_b64(p) for p in v["proof"] or []], path
        matched += 1
    assert matched == 10


def test_a_missing_stored_hash_is_an_error_not_a_wrong_answer():
    _log(3)
    with pytest.raises(tiles.MissingHashes):
        tiles.level_hashes(1, 0, 1)
    with pytest.raises(tiles.MissingHashes):
        tiles.range_hash(0, 4)
    with pytest.raises(tiles.MissingHashes):
        tiles.root(4)
    with pytest.raises(ValueError, match="not a range of a Merkle tree"):
        tiles.range_hash(1, 3)  # no RFC 6962 proof asks for this


def test_inclusion_proof_json(client):
    bodies = _log(300)
    response = client.get("/audit/proof/inclusion?index=257&size=290")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"index", "size", "leaf_hash", "root", "proof"}
    assert (body["index"], body["size"]) == (257, 290)
    assert _b64(body["leaf_hash"]) == merkle.leaf_hash(bodies[257])
    assert _b64(body["root"]) == merkle.root_hash(bodies[:290])
    proof = [_b64(p) for p in body["proof"]]
    assert proof == merkle.inclusion_proof(bodies[:290], 257)
    assert verify_inclusion(_b64(body["leaf_hash"]), 257, 290, proof, _b64(body["root"]))


def test_consistency_proof_json(client):
    bodies = _log(300)
    response = client.get("/audit/proof/consistency?old=100&new=300")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"old", "new", "old_root", "new_root", "proof"}
    assert _b64(body["old_root"]) == merkle.root_hash(bodies[:100])
    assert _b64(body["new_root"]) == merkle.root_hash(bodies)
    proof = [_b64(p) for p in body["proof"]]
    assert proof == merkle.consistency_proof(bodies, 100)
    assert verify_consistency(100, 300, _b64(body["old_root"]), _b64(body["new_root"]), proof)
    same = client.get("/audit/proof/consistency?old=300&new=300").get_json()
    assert same["proof"] == [] and same["old_root"] == same["new_root"]


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("inclusion?", "give size"),
        ("inclusion?index=1", "give size"),
        ("inclusion?size=5", "give index"),
        ("inclusion?index=&size=5", "give index"),
        ("inclusion?index=x&size=5", "whole number"),
        ("inclusion?index=1.0&size=5", "whole number"),
        ("inclusion?index=-1&size=5", "whole number"),
        ("inclusion?index=٣&size=5", "whole number"),
        ("inclusion?index=1&size=0", "between 1 and 10"),
        ("inclusion?index=1&size=11", "between 1 and 10"),
        ("inclusion?index=5&size=5", "between 0 and 4"),
        ("inclusion?index=1&size=99999999999999999999999", "whole number"),
        ("consistency?new=5", "give old"),
        ("consistency?old=1", "give new"),
        ("consistency?old=0&new=5", "between 1 and 5"),
        ("consistency?old=6&new=5", "between 1 and 5"),
        ("consistency?old=1&new=11", "between 1 and 10"),
        ("consistency?old=a&new=5", "whole number"),
        ("consistency?old=1&new=-5", "whole number"),
    ],
)
def test_bad_proof_parameters_are_400_with_a_reason(client, query, reason):
    _log(10)
    response = client.get(f"/audit/proof/{query}")
    assert response.status_code == 400, query
    assert reason in response.get_json()["error"]
    assert response.headers["Cache-Control"] == "no-store"


def test_proofs_of_an_empty_log_are_400(client):
    for path in ("inclusion?index=0&size=1", "consistency?old=1&new=1"):
        response = client.get(f"/audit/proof/{path}")
        assert response.status_code == 400
        assert "empty" in response.get_json()["error"]


# --- entries that fit a bundle -----------------------------------------------------------


@pytest.mark.parametrize("action", ["area:create", "proposal:vote_cast"])
def test_an_entry_too_long_for_a_bundle_is_refused_before_anything_is_written(action):
    with pytest.raises(EntryTooLarge, match="at most 65,535"):
        audit.record(None, action, audit.Subject("proposal", "1"), {"text": "x" * MAX_BODY_BYTES})
    assert db.session.scalar(select(AuditEntry.seq)) is None
    assert db.session.scalar(select(AuditPending.id)) is None


def test_an_entry_just_under_the_limit_is_bundled(client):
    audit.record(None, "area:create", audit.Subject("area", "a"), {"text": "x" * 65_000})
    db.session.flush()
    (body,) = parse_entry_bundle(client.get("/audit/log/tile/entries/000.p/1").data)
    assert len(body) > 65_000


# --- the migration's backfill ------------------------------------------------------------


def _migration():
    (path,) = (ROOT / "migrations" / "versions").glob("*_audit_tiles.py")
    spec = importlib.util.spec_from_file_location("audit_tiles_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _stored() -> list[tuple[int, int, bytes]]:
    rows = db.session.execute(
        select(AuditTileNode.level, AuditTileNode.idx, AuditTileNode.hash).order_by(
            AuditTileNode.level, AuditTileNode.idx
        )
    )
    return [(r.level, r.idx, bytes(r.hash)) for r in rows]


def test_the_migration_backfills_the_nodes_of_an_existing_log(monkeypatch):
    migration = _migration()
    bodies = _log(600)
    appended = _stored()
    assert len(appended) == 2
    # A log from before the table existed: the same entries, no nodes.
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ALTER TABLE audit_tile_node DISABLE TRIGGER USER"))
    else:
        db.session.execute(text("DROP TRIGGER IF EXISTS audit_tile_node_no_delete"))
    db.session.execute(text("DELETE FROM audit_tile_node"))
    assert _stored() == []
    monkeypatch.setattr(migration, "CHUNK", 97)  # several chunks, none aligned to a tile
    assert migration.backfill(db.session.connection()) == 2
    assert _stored() == appended
    assert tiles.root(600) == merkle.root_hash(bodies)


def test_stored_nodes_are_append_only():
    _log(256)
    for statement in ("UPDATE audit_tile_node SET idx = 5", "DELETE FROM audit_tile_node"):
        with pytest.raises(Exception, match="append-only"), db.session.begin_nested():
            db.session.execute(text(statement))


def test_logged_text_is_verbatim_when_short_and_a_digest_when_long():
    assert audit.logged_text("Moved away") == "Moved away"
    edge = "x" * (LOGGED_TEXT_BYTES - 2)  # with its quotes, exactly the limit
    assert audit.logged_text(edge) == edge
    long = "\u00e9" + edge
    assert audit.logged_text(long) == {
        "sha256": hashlib.sha256(long.encode("utf-8")).hexdigest(),
        "chars": len(long),
    }
    # control characters count as the six bytes canonical JSON escapes them to
    assert isinstance(audit.logged_text("\x01" * 700), dict)
