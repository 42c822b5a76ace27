"""An independent tlog-tiles site over a list of entry bodies, for testing the verifier.

It builds every tile straight from the RFC 6962 definition (the hash of each aligned
subtree of 256**L leaves, computed from the leaf hashes), not from Civic's stored frontiers
or tile tables, so a bug in the app's tile serving and one in the verifier cannot cancel
out. Tests tamper with it by replacing what a path serves (`overrides`) or by hiding paths.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from civic.audit import merkle
from civic.audit.verifier import (
    TILE_WIDTH,
    Checkpoint,
    FetchError,
    Signer,
    Site,
    canonical_json,
    format_entry_bundle,
    parse_tile_path,
    sign_note,
)

ORIGIN = "civic.test/audit"


def entry_body(seq: int, **changes: object) -> bytes:
    """A body shaped like the ones `audit.record` writes, as canonical JSON."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    body = {
        "seq": seq,
        "time": (start + timedelta(seconds=seq)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "action": "comment:post" if seq % 3 else "budget_ballot:cast",
        "subject": {"type": "comment", "id": str(seq // 7)},
        "actor": f"p-{seq:016x}" if seq % 5 else None,
        "data": {"length": seq % 1000, "text": 'Ünïcode ✓ and "quotes"'},
    }
    body.update(changes)
    return canonical_json(body)


def entry_bodies(count: int, start: int = 0) -> list[bytes]:
    return [entry_body(seq) for seq in range(start, start + count)]


class FakeLog:
    """Serves a log's checkpoint, tiles, entry bundles and consistency proofs."""

    def __init__(self, bodies: Iterable[bytes], signer: Signer) -> None:
        self.bodies = list(bodies)
        self.signer = signer
        self.overrides: dict[str, bytes] = {}
        self.hidden: set[str] = set()
        self.cosignatures: list[str] = []
        self.requests: list[str] = []
        self.checkpoint_size: int | None = None  # serve an older checkpoint than the log

    def leaves(self) -> list[bytes]:
        return [hashlib.sha256(b"\x00" + body).digest() for body in self.bodies]

    def root(self, size: int) -> bytes:
        return merkle.root_from_leaf_hashes(self.leaves()[:size])

    def checkpoint_text(self, size: int | None = None) -> str:
        size = len(self.bodies) if size is None else size
        return Checkpoint(self.signer.name, size, self.root(size)).text

    def checkpoint_note(self, size: int | None = None) -> str:
        note = sign_note(self.checkpoint_text(size), self.signer).serialise()
        return note + "".join(self.cosignatures)

    def node(self, level: int, index: int) -> bytes:
        span = TILE_WIDTH**level
        return merkle.root_from_leaf_hashes(self.leaves()[index * span : (index + 1) * span])

    def tile(self, path: str) -> bytes:
        level, index, width = parse_tile_path(path)
        size = self.checkpoint_size if self.checkpoint_size is not None else len(self.bodies)
        first = index * TILE_WIDTH
        if level == "entries":
            if first + width > len(self.bodies):
                raise KeyError(path)
            return format_entry_bundle(self.bodies[first : first + width])
        if (first + width) * TILE_WIDTH**level > max(size, len(self.bodies)):
            raise KeyError(path)
        return b"".join(self.node(level, first + i) for i in range(width))

    def consistency(self, old: int, new: int) -> bytes:
        proof = merkle.consistency_proof(self.bodies[:new], old)
        return json.dumps(
            {
                "old": old,
                "new": new,
                "old_root": base64.b64encode(self.root(old)).decode(),
                "new_root": base64.b64encode(self.root(new)).decode(),
                "proof": [base64.b64encode(p).decode() for p in proof],
            }
        ).encode()

    def get(self, path: str) -> bytes:
        self.requests.append(path)
        if path in self.hidden:
            raise FetchError(f"{path}: HTTP 404", 404)
        if path in self.overrides:
            return self.overrides[path]
        try:
            if path == "audit/log/checkpoint":
                return self.checkpoint_note(self.checkpoint_size).encode()
            if path.startswith("audit/log/tile/"):
                return self.tile(path.removeprefix("audit/log/"))
            if path.startswith("audit/proof/consistency?"):
                query = dict(part.split("=") for part in path.partition("?")[2].split("&"))
                return self.consistency(int(query["old"]), int(query["new"]))
        except (KeyError, ValueError):
            pass
        raise FetchError(f"{path}: HTTP 404", 404)

    def site(self) -> Site:
        return Site("https://civic.test", self.get)
