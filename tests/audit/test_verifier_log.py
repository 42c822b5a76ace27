"""The stand-alone verifier's log check (`verifier.check_log`) against an independent tile site.

tests/audit/fakelog.py serves a log built straight from RFC 6962, so these tests pin down
the verifier on its own: what it accepts, what it fetches, what it saves, and that every
kind of lie (signature, checkpoint, tile, bundle, entry, proof, history) is refused with
exit 1 naming the first bad entry or the checkpoint.
"""

from __future__ import annotations

import base64
import json
import os

import pytest

from civic.audit import verifier
from civic.audit.verifier import TILE_WIDTH, format_entry_bundle, tile_path
from tests.audit.fakelog import ORIGIN, FakeLog, entry_bodies, entry_body

SIGNER = verifier.parse_skey(
    "PRIVATE+KEY+civic.test/audit+67832b5c+AVV6NtzDv+Vgi0LKsVRocdqg0QR6MWBwjHvKAVplllMd"
)


@pytest.fixture(scope="module", autouse=True)
def _signer_is_consistent():
    # The fixed key above makes failures reproducible; check it is what it claims.
    assert SIGNER.name == ORIGIN and SIGNER.verifier.vkey.startswith(ORIGIN + "+")


def check(log: FakeLog, state, capsys, key: verifier.Verifier | None = None) -> tuple[int, str]:
    code = verifier.check_log(log.site(), key or SIGNER.verifier, str(state))
    return code, capsys.readouterr().out


def log_of(count: int) -> FakeLog:
    return FakeLog(entry_bodies(count), SIGNER)


# --- What a good log gives -----------------------------------------------------------------


@pytest.mark.parametrize("count", [0, 1, 255, 256, 257, 600])
def test_a_good_log_checks_out_and_the_report_says_what_was_checked(tmp_path, capsys, count):
    log = log_of(count)
    code, out = check(log, tmp_path, capsys)
    assert code == 0, out
    root = base64.b64encode(log.root(count)).decode()
    assert f"size {count}, root {root}" in out
    assert f"entries: {count} checked" in out
    bundles = -(-count // TILE_WIDTH)
    assert f"fetched: {bundles} entry bundles, {bundles} level-0 tiles" in out
    assert "first check" in out and out.rstrip().endswith(f"saved in {tmp_path}")
    saved = (tmp_path / "checkpoint").read_text()
    assert saved == log.checkpoint_note()
    assert (tmp_path / "hashes").read_bytes() == b"".join(log.leaves())
    assert oct((tmp_path / "checkpoint").stat().st_mode & 0o777) == "0o600"


def test_the_saved_entries_are_a_copy_of_the_log(tmp_path, capsys):
    log = log_of(300)
    assert check(log, tmp_path, capsys)[0] == 0
    log.bodies += entry_bodies(50, 300)
    assert check(log, tmp_path, capsys)[0] == 0
    copies = sorted(os.listdir(tmp_path / "entries"))
    assert copies == ["000000000000-000000000299", "000000000300-000000000349"]
    joined = b"".join((tmp_path / "entries" / name).read_bytes() for name in copies)
    assert verifier.parse_entry_bundle(joined) == log.bodies


def test_a_second_run_fetches_only_what_is_new(tmp_path, capsys):
    log = log_of(600)  # two full tiles and a partial one
    assert check(log, tmp_path, capsys)[0] == 0
    log.requests.clear()
    code, out = check(log, tmp_path, capsys)
    assert code == 0 and log.requests == ["audit/log/checkpoint"], log.requests
    assert "3 level-0 tiles from the saved copy" in out

    log.bodies += entry_bodies(100, 600)
    log.requests.clear()
    code, out = check(log, tmp_path, capsys)
    assert code == 0, out
    # The old partial tile 2 is fetched again at its new width; tiles 0 and 1 are not.
    assert "audit/log/tile/entries/002.p/188" in log.requests
    assert not [r for r in log.requests if "/000" in r and "tile/1/" not in r]
    assert not [r for r in log.requests if "/001" in r]
    assert "audit/proof/consistency?old=600&new=700" in log.requests
    assert "consistent with the checkpoint of size 600" in out
    assert "the site's consistency proof from size 600 verifies" in out


def test_level_one_tiles_are_compared_with_the_recomputed_hashes(tmp_path, capsys):
    log = log_of(600)
    code, out = check(log, tmp_path, capsys)
    assert code == 0 and "audit/log/tile/1/000.p/2" in log.requests, out
    assert "1 higher tiles" in out


def test_cosigners_are_reported_by_name(tmp_path, capsys):
    log = log_of(3)
    witness = verifier.generate_signer("witness.example", verifier.ALG_COSIGNATURE_V1)
    log.cosignatures.append(verifier.cosign(witness, log.checkpoint_text(), 1700000000).line)
    code, out = check(log, tmp_path, capsys)
    assert code == 0 and "cosigned by: witness.example" in out


# --- Checkpoints and signatures ------------------------------------------------------------


def test_a_checkpoint_signed_by_another_key_is_refused(tmp_path, capsys):
    log = FakeLog(entry_bodies(3), verifier.generate_signer(ORIGIN))
    code, out = check(log, tmp_path, capsys)
    assert code == 1 and out.startswith("MISMATCH: checkpoint: not signed by the pinned key")
    assert not (tmp_path / "checkpoint").exists()


@pytest.mark.parametrize(
    "mutate",
    [
        lambda note: note.replace("\n3\n", "\n4\n", 1),  # size
        lambda note: note.replace(ORIGIN, "civic.test/other", 1),  # origin
        lambda note: note[:40] + ("A" if note[40] != "A" else "B") + note[41:],  # root
        lambda note: note[:-8] + ("A" if note[-8] != "A" else "B") + note[-7:],  # signature
        lambda note: note.split("\n\n")[0] + "\n",  # no signature at all
        lambda note: "not a note",
    ],
    ids=["size", "origin", "root", "signature", "unsigned", "garbage"],
)
def test_a_mutated_checkpoint_is_refused(tmp_path, capsys, mutate):
    log = log_of(3)
    note = log.checkpoint_note()
    log.overrides["audit/log/checkpoint"] = mutate(note).encode()
    code, out = check(log, tmp_path, capsys)
    assert code == 1 and out.startswith("MISMATCH: checkpoint: "), out


def test_a_checkpoint_whose_origin_is_not_the_keys_name_is_refused(tmp_path, capsys):
    other = verifier.generate_signer("elsewhere.example/audit")
    code, out = check(FakeLog(entry_bodies(2), other), tmp_path, capsys, other.verifier)
    assert code == 0, out  # its own name: fine
    log = FakeLog(entry_bodies(2), other)
    text = verifier.Checkpoint(ORIGIN, 2, log.root(2)).text
    log.overrides["audit/log/checkpoint"] = verifier.sign_note(text, other).serialise().encode()
    code, out = check(log, tmp_path / "other", capsys, other.verifier)
    assert code == 1 and "origin 'civic.test/audit' is not the key's name" in out


def test_a_root_that_is_not_the_entries_root_is_refused(tmp_path, capsys):
    log = log_of(10)
    text = verifier.Checkpoint(ORIGIN, 10, log.root(9)).text
    log.overrides["audit/log/checkpoint"] = verifier.sign_note(text, SIGNER).serialise().encode()
    code, out = check(log, tmp_path, capsys)
    assert code == 1 and "checkpoint: its root is not the root of the 10 entries" in out


def test_a_state_saved_for_another_key_is_not_used(tmp_path, capsys):
    assert check(log_of(3), tmp_path, capsys)[0] == 0
    other = verifier.generate_signer(ORIGIN)
    code, out = check(FakeLog(entry_bodies(3), other), tmp_path, capsys, other.verifier)
    assert code == 2 and "saved for another log or key" in out


# --- Against the state saved last time -----------------------------------------------------


def test_a_smaller_tree_than_the_saved_one_is_a_rollback(tmp_path, capsys):
    log = log_of(10)
    assert check(log, tmp_path, capsys)[0] == 0
    log.bodies.pop()
    code, out = check(log, tmp_path, capsys)
    assert code == 1 and "checkpoint: size 9 is smaller than the 10 entries" in out
    assert "rollback" in out
    assert "\n10\n" in (tmp_path / "checkpoint").read_text()  # the state is kept


def test_a_different_tree_of_the_same_size_is_a_split_view(tmp_path, capsys):
    log = log_of(10)
    assert check(log, tmp_path, capsys)[0] == 0
    log.bodies[4] = entry_body(4, actor="p-someoneelse0000")
    code, out = check(log, tmp_path, capsys)
    assert code == 1 and "split view" in out and out.startswith("MISMATCH: checkpoint:")


@pytest.mark.parametrize(("size", "changed"), [(10, 4), (300, 3), (300, 290), (600, 511)])
def test_rewritten_history_is_caught_and_the_first_changed_entry_named(
    tmp_path, capsys, size, changed
):
    log = log_of(size)
    assert check(log, tmp_path, capsys)[0] == 0
    # The operator rewrites one old entry and rehashes everything after it: the new tree
    # is self-consistent and signed, and larger, so only the saved state can tell.
    log.bodies[changed] = entry_body(changed, data={"outcome": "rejected"})
    log.bodies += entry_bodies(5, size)
    code, out = check(log, tmp_path, capsys)
    assert code == 1, out
    assert out.startswith(f"MISMATCH: entry {changed}: it differs from the entry verified")


def test_the_servers_consistency_proof_is_checked_too(tmp_path, capsys):
    log = log_of(300)
    assert check(log, tmp_path, capsys)[0] == 0
    log.bodies += entry_bodies(20, 300)
    path = "audit/proof/consistency?old=300&new=320"
    good = json.loads(log.get(path))
    mutations = {
        "flipped bit": lambda p: [p[0][:5] + ("A" if p[0][5] != "A" else "B") + p[0][6:], *p[1:]],
        "missing node": lambda p: p[:-1],
        "extra node": lambda p: [*p, p[0]],
        "reordered": lambda p: list(reversed(p)),
    }
    for name, mutate in mutations.items():
        log.overrides[path] = json.dumps({**good, "proof": mutate(good["proof"])}).encode()
        code, out = check(log, tmp_path, capsys)
        assert code == 1 and "consistency proof from size 300 to 320 does not verify" in out, name
    for body in (b"[]", b"{}", b'{"proof": ["not base64!"]}', b"not json"):
        log.overrides[path] = body
        code, out = check(log, tmp_path, capsys)
        assert code == 1 and "consistency proof from size 300 is malformed" in out, body
    log.overrides[path] = json.dumps({**good, "old_root": good["new_root"]}).encode()
    code, out = check(log, tmp_path, capsys)
    assert code == 1 and "names other roots" in out
    del log.overrides[path]
    log.hidden.add(path)
    code, out = check(log, tmp_path, capsys)
    assert code == 0 and "serves no consistency proofs" in out


# --- Tiles, bundles and entries ------------------------------------------------------------


def _bundle(log: FakeLog, index: int, width: int = TILE_WIDTH) -> str:
    return "audit/log/" + tile_path("entries", index, width)


def test_a_flipped_hash_in_a_level_0_tile_names_its_entry(tmp_path, capsys):
    log = log_of(300)
    path = "audit/log/" + tile_path(0, 1, 44)
    tile = bytearray(log.get(path))
    tile[32 * 7 + 3] ^= 1
    log.overrides[path] = bytes(tile)
    code, out = check(log, tmp_path, capsys)
    assert code == 1 and out.startswith("MISMATCH: entry 263: its hash in the level-0 tile")


def test_a_short_level_0_tile_is_refused(tmp_path, capsys):
    log = log_of(20)
    path = "audit/log/" + tile_path(0, 0, 20)
    log.overrides[path] = log.get(path)[:-1]
    code, out = check(log, tmp_path, capsys)
    assert code == 1 and "entry 0: tile/0/000.p/20 holds 639 bytes" in out


def test_a_changed_higher_tile_is_refused(tmp_path, capsys):
    log = log_of(600)
    path = "audit/log/tile/1/000.p/2"
    log.overrides[path] = log.get(path)[::-1]
    code, out = check(log, tmp_path, capsys)
    assert code == 1 and "tile/1/000.p/2 disagrees with the hashes recomputed" in out


def test_higher_tiles_not_served_are_recomputed_and_said_so(tmp_path, capsys):
    log = log_of(600)
    log.hidden.add("audit/log/tile/1/000.p/2")
    code, out = check(log, tmp_path, capsys)
    assert code == 0 and "level 1 tiles are not served" in out


def test_a_tile_the_checkpoint_covers_but_the_site_does_not_serve_is_named(tmp_path, capsys):
    log = log_of(10)
    log.hidden.add(_bundle(log, 0, 10))
    code, out = check(log, tmp_path, capsys)
    assert code == 1 and out.startswith("MISMATCH: entry 0: the checkpoint covers entries 0-9")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"seq": 5}', "is not canonical JSON"),
        (entry_body(5)[:-1], "is not JSON Civic logs"),
        (entry_body(5).replace(b'"data":{', b'"data":{"x":1.5,'), "no floats"),
        (entry_body(6), "carries seq 6 at index 5"),
        (entry_body(5, extra="field"), "extra ['extra']"),
        (entry_body(5, time="yesterday"), "no time of the form"),
        (entry_body(5, action="nothing"), "no action tag"),
        (entry_body(5, subject={"type": "comment"}), "no subject with a type and an id"),
        (entry_body(5, actor=7), "actor that is neither"),
        (entry_body(5, data=[]), "data that is not a JSON object"),
        (b"\xff\xfe", "is not UTF-8"),
        (b"[1]", "is not a JSON object"),
    ],
)
def test_an_entry_that_is_not_a_canonical_civic_entry_is_named(tmp_path, capsys, body, reason):
    log = log_of(9)
    log.bodies[5] = body  # the site signs whatever it stores: the entry is what is wrong
    code, out = check(log, tmp_path, capsys)
    assert code == 1 and out.startswith("MISMATCH: entry 5: "), out
    assert reason in out


def test_a_changed_byte_in_a_bundle_names_its_entry(tmp_path, capsys):
    log = log_of(40)
    path = _bundle(log, 0, 40)
    bundle = bytearray(log.get(path))
    spot = bundle.index(b'"actor":"p-0000000000000011"')
    bundle[spot + 20] = ord("9")  # same length, still canonical: only the hash can tell
    log.overrides[path] = bytes(bundle)
    code, out = check(log, tmp_path, capsys)
    assert code == 1 and out.startswith("MISMATCH: entry 17: its hash in the level-0 tile")


def test_a_truncated_or_padded_bundle_is_refused(tmp_path, capsys):
    log = log_of(40)
    path = _bundle(log, 0, 40)
    good = log.get(path)
    for bad, where in (
        (good[:-3], "entry 0: its entry bundle is damaged"),
        (good + format_entry_bundle([entry_body(40)]), "holds 41 entries"),
    ):
        log.overrides[path] = bad
        code, out = check(log, tmp_path, capsys)
        assert code == 1 and where in out, out


def test_entries_spliced_across_their_boundaries_are_not_canonical(tmp_path, capsys):
    # Two bodies whose concatenation with a comma parses as two entries, neither of which
    # is the body it claims to be: the fast path must not be fooled by where commas fall.
    first, second = entry_body(0), entry_body(1)
    cut = second.index(b',"data"')
    spliced = [first + b"," + second[:cut], second[cut + 1 :]]
    _, problem = verifier.check_bundle(0, format_entry_bundle(spliced), 2)
    assert problem is not None and problem[0] == 0, problem
    assert verifier.check_bundle(0, format_entry_bundle([first, second]), 2)[1] is None


def test_a_failed_check_saves_nothing(tmp_path, capsys):
    log = log_of(300)
    assert check(log, tmp_path, capsys)[0] == 0
    before = {p: (tmp_path / p).read_bytes() for p in ("checkpoint", "hashes")}
    log.bodies += entry_bodies(300, 300)
    log.overrides["audit/log/tile/1/000.p/2"] = b"\x00" * 64
    assert check(log, tmp_path, capsys)[0] == 1
    assert {p: (tmp_path / p).read_bytes() for p in before} == before
    assert os.listdir(tmp_path / "entries") == ["000000000000-000000000299"]
    del log.overrides["audit/log/tile/1/000.p/2"]
    code, out = check(log, tmp_path, capsys)
    assert code == 0 and "consistent with the checkpoint of size 300" in out, out


def test_network_failures_are_could_not_check_not_mismatches(tmp_path, capsys):
    log = log_of(3)

    def down(path: str) -> bytes:
        raise verifier.FetchError(f"{path}: connection refused")

    site = verifier.Site("https://civic.test", down)
    with pytest.raises(verifier.FetchError):
        verifier.verify_log(site, SIGNER.verifier, str(tmp_path))
    code = verifier.main(
        ["http://127.0.0.1:9", "--key", SIGNER.verifier.vkey, "--state", str(tmp_path)]
    )
    assert code == 2 and "could not check" in capsys.readouterr().out
    assert check(log, tmp_path, capsys)[0] == 0


def test_one_check_at_a_time_per_state_directory(tmp_path, capsys):
    busy = verifier._StateDir(str(tmp_path))  # another run, still going
    try:
        code, out = check(log_of(3), tmp_path, capsys)
        assert code == 2 and "is in use by another check" in out
    finally:
        busy.close()
    assert check(log_of(3), tmp_path, capsys)[0] == 0
