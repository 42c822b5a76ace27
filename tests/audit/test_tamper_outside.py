"""Tamper tests from outside the database (issue 11).

An operator with the database (and the log key) tampers with a real log after an
outsider saved a checkpoint with `verifier.check_log`:

1. one stored byte of a body changed;
2. an actor or a time inside a body changed, with and without rehashing the tree;
3. the newest entry deleted (the head is the newest entry, so it is recomputed at once),
   and the shorter tree signed;
4. history rewritten and every hash recomputed: a new, self-consistent, signed tree.

`flask civic audit verify` works on the database alone, so it can only catch a body that
no longer matches its stored hashes: cases 1 and 2 without rehashing. After a rehash
(2 rehashed, 4) or a deletion (3) the database agrees with itself and it says OK (it
catches those only when given a tree head seen before). `check_log` with the state saved
before catches all four, and says where: the entry, or the checkpoint.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
import rfc8785
from sqlalchemy import select, text

from civic.audit import merkle, signing, verifier
from civic.audit.checkpoints import make_checkpoint
from civic.audit.models import AuditEntry
from civic.extensions import db
from tests.audit.sites import checkpoint, client_site, record_some
from tests.conftest import drop_audit_guard, tamper_audit_entry

SIZE = 12


@pytest.fixture
def saved(client, tmp_path, capsys):
    """A real log of SIZE entries, checked once by an outsider who kept the state."""
    record_some(SIZE)
    checkpoint()
    site, key = client_site(client), signing.log_verifier()
    assert verifier.check_log(site, key, str(tmp_path)) == 0
    capsys.readouterr()
    return site, key, str(tmp_path)


def outsider(saved, capsys, state: str | None = None) -> tuple[int, str]:
    site, key, saved_state = saved
    code = verifier.check_log(site, key, state or saved_state)
    return code, capsys.readouterr().out


def audit_verify(app) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["civic", "audit", "verify"])
    return result.exit_code, result.output


def body_of(seq: int) -> dict:
    return json.loads(db.session.get(AuditEntry, seq).body)


def rewrite(seq: int, **changes: object) -> None:
    """Change fields inside a body, and the columns that repeat them, like a careful forger."""
    body = {**body_of(seq), **changes}
    columns: dict[str, object] = {"body": rfc8785.dumps(body)}
    if "actor" in changes:
        columns["actor"] = changes["actor"]
    if "time" in changes:
        columns["recorded_at"] = datetime.strptime(changes["time"], "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=UTC
        )
    tamper_audit_entry(seq, **columns)


def rehash_everything() -> None:
    """Recompute every leaf hash, root and frontier from the bodies as they now are."""
    drop_audit_guard()
    frontier: list[bytes] = []
    rows = db.session.execute(select(AuditEntry.seq, AuditEntry.body).order_by(AuditEntry.seq))
    for size, (seq, body) in enumerate(rows.all()):
        leaf = merkle.leaf_hash(bytes(body))
        frontier = merkle.frontier_append(frontier, size, leaf)
        db.session.execute(
            text(
                "UPDATE audit_entry SET leaf_hash = :l, root_after = :r, frontier = :f"
                " WHERE seq = :s"
            ),
            {
                "l": leaf,
                "r": merkle.frontier_root(frontier),
                "f": merkle.pack_hashes(frontier),
                "s": seq,
            },
        )
    assert size < verifier.TILE_WIDTH  # no stored tile nodes to recompute as well
    db.session.expire_all()


def resign() -> None:
    """The operator, holding the key, throws the old checkpoints away and signs the log."""
    db.session.execute(text("DELETE FROM audit_cosignature"))
    db.session.execute(text("DELETE FROM audit_checkpoint"))
    make_checkpoint("operator")
    db.session.flush()


def life_goes_on() -> None:
    record_some(2, "later")
    checkpoint()


# --- 1. One stored byte of a body -----------------------------------------------------------


def test_one_changed_byte_is_caught_by_both_and_named(app, saved, capsys, tmp_path):
    body = bytearray(db.session.get(AuditEntry, 5).body)
    spot = body.index(b'"n":5')
    body[spot + 4] = ord("7")
    tamper_audit_entry(5, body=bytes(body))

    code, out = audit_verify(app)
    assert code == 1 and "entry 5" in out and "stored leaf hash does not match" in out

    code, out = outsider(saved, capsys, str(tmp_path / "fresh"))
    assert code == 1 and out.startswith("MISMATCH: entry 5: its hash in the level-0 tile"), out
    life_goes_on()
    code, out = outsider(saved, capsys)
    assert code == 1 and out.startswith("MISMATCH: entry 5: it differs from the entry verified")


# --- 2. An actor or a time inside a body ---------------------------------------------------


CHANGES = {"actor": {"actor": "p-0000000000000000"}, "time": {"time": "2020-01-02T03:04:05Z"}}


@pytest.mark.parametrize("field", CHANGES)
def test_a_changed_actor_or_time_without_rehashing_is_caught_by_both(app, saved, capsys, field):
    rewrite(4, **CHANGES[field])
    code, out = audit_verify(app)
    assert code == 1 and "entry 4" in out and "stored leaf hash does not match" in out
    life_goes_on()
    code, out = outsider(saved, capsys)
    assert code == 1 and out.startswith("MISMATCH: entry 4: it differs from the entry verified")


@pytest.mark.parametrize("field", CHANGES)
def test_a_changed_actor_or_time_rehashed_is_caught_only_by_the_outsider(app, saved, capsys, field):
    rewrite(4, **CHANGES[field])
    rehash_everything()
    resign()
    assert audit_verify(app)[0] == 0  # consistent with itself: OK

    code, out = outsider(saved, capsys)  # the same size, another root
    assert code == 1 and out.startswith("MISMATCH: checkpoint: a different tree of the same")
    assert "split view" in out
    life_goes_on()
    code, out = outsider(saved, capsys)
    assert code == 1 and out.startswith("MISMATCH: entry 4: it differs from the entry verified")


# --- 3. The newest entry deleted -----------------------------------------------------------


def test_a_deleted_newest_entry_is_caught_by_the_outsider(app, saved, capsys, tmp_path):
    drop_audit_guard()
    db.session.execute(text("DELETE FROM audit_entry WHERE seq = :s"), {"s": SIZE - 1})
    db.session.expire_all()
    assert audit_verify(app)[0] == 0  # the newest entry is the head: nothing disagrees

    # While the old checkpoint is still served, a newcomer finds entries missing.
    code, out = outsider(saved, capsys, str(tmp_path / "fresh"))
    assert code == 1 and out.startswith(
        f"MISMATCH: entry 0: the checkpoint covers entries 0-{SIZE - 1}"
    )

    resign()
    code, out = outsider(saved, capsys)
    assert code == 1 and f"checkpoint: size {SIZE - 1} is smaller than the {SIZE}" in out

    life_goes_on()  # and the gap is filled with other entries
    code, out = outsider(saved, capsys)
    assert code == 1 and out.startswith(f"MISMATCH: entry {SIZE - 1}: it differs")


# --- 4. History rewritten and rehashed -----------------------------------------------------


def test_rewritten_history_is_caught_only_by_the_outsider_and_named(app, saved, capsys):
    rewrite(3, data={"n": 3, "tag": "a", "outcome": "rejected"})
    rehash_everything()
    resign()
    assert audit_verify(app)[0] == 0

    code, out = outsider(saved, capsys)
    assert code == 1 and "split view" in out
    life_goes_on()
    code, out = outsider(saved, capsys)
    assert code == 1 and out.startswith("MISMATCH: entry 3: it differs from the entry verified")
    # With the tree head the outsider saved, `audit verify` catches it too.
    with open(saved[2] + "/checkpoint", "rb") as file:
        note = verifier.parse_checkpoint(verifier.parse_note(file.read()).text)
    result = app.test_cli_runner().invoke(
        args=["civic", "audit", "verify", "--size", str(note.size), "--root", note.root.hex()]
    )
    assert result.exit_code == 1 and "entry" in result.output


# --- What the site serves, mutated on the way --------------------------------------------


def _serving(site: verifier.Site, path: str, mutate) -> verifier.Site:
    def get(asked: str) -> bytes:
        data = site.get(asked)
        return mutate(data) if asked == path else data

    return verifier.Site(site.base, get, site.post)


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 1]) + data[at + 1 :]


def _flipped_signature(data: bytes) -> bytes:
    """The note with one bit of Civic's signature flipped (still well-formed base64)."""
    note = verifier.parse_note(data)
    first = note.signatures[0]
    flipped = verifier.Signature(first.name, first.key_id, _flip(first.data, 5))
    return verifier.Note(note.text, (flipped, *note.signatures[1:])).serialise().encode()


def _checkpoint_line(index: int, value: str):
    def mutate(data: bytes) -> bytes:
        text_, _, signatures = data.decode().partition("\n\n")
        lines = text_.split("\n")
        lines[index] = value
        return ("\n".join(lines) + "\n\n" + signatures).encode()

    return mutate


@pytest.mark.parametrize(
    ("path", "mutate", "expected"),
    [
        ("audit/log/checkpoint", _checkpoint_line(1, "99"), "checkpoint: not signed"),
        (
            "audit/log/checkpoint",
            _checkpoint_line(2, base64.b64encode(bytes(32)).decode()),
            "checkpoint: not signed",
        ),
        ("audit/log/checkpoint", _checkpoint_line(0, "elsewhere/civic"), "checkpoint: not signed"),
        ("audit/log/checkpoint", _flipped_signature, "checkpoint: not signed"),
        ("audit/log/tile/0/000.p/14", lambda d: _flip(d, 32 * 13), "entry 13: its hash"),
        (
            "audit/log/tile/entries/000.p/14",
            lambda d: d.replace(b'"tag":"later"', b'"tag":"LATER"'),
            "entry 12: its hash",
        ),
        (
            "audit/proof/consistency?old=12&new=14",
            lambda d: json.dumps({**json.loads(d), "proof": ["not base64!"]}).encode(),
            "consistency proof from size 12 is malformed",
        ),
        (
            "audit/proof/consistency?old=12&new=14",
            lambda d: json.dumps({**json.loads(d), "proof": json.loads(d)["proof"][1:]}).encode(),
            "consistency proof from size 12 to 14 does not verify",
        ),
    ],
    ids=["size", "root", "origin", "signature", "level-0 tile", "bundle", "proof", "short proof"],
)
def test_what_the_real_site_serves_mutated_is_refused(saved, capsys, path, mutate, expected):
    site, key, state = saved
    record_some(2, "later")
    checkpoint()
    code = verifier.check_log(_serving(site, path, mutate), key, state)
    out = capsys.readouterr().out
    assert code == 1 and expected in out, out
    assert verifier.check_log(site, key, state) == 0  # the honest site still checks out
