"""The log key: from the setting, or generated once (0600) and reused; malformed keys,
origins and witness keys stop Civic at start-up with one readable line."""

from __future__ import annotations

import multiprocessing
import os
import stat
from pathlib import Path

import pytest

from civic import create_app
from civic.audit import signing
from civic.audit.verifier import ALG_COSIGNATURE_V1, generate_signer, parse_skey
from civic.config import ConfigurationError


def _app(**config):
    return create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", **config})


def _vkey(app) -> str:
    with app.app_context():
        return signing.log_verifier().vkey


def test_a_generated_key_is_private_and_reused_by_every_app(tmp_path):
    path = tmp_path / "instance" / "audit-signing.key"
    first = _app(AUDIT_SIGNING_KEY="", AUDIT_SIGNING_KEY_FILE=str(path))
    assert not path.exists()  # generated on first use, not at start-up
    vkey = _vkey(first)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert parse_skey(path.read_text()).verifier.vkey == vkey
    assert vkey.startswith("localhost/civic+")
    second = _app(AUDIT_SIGNING_KEY="", AUDIT_SIGNING_KEY_FILE=str(path))
    assert _vkey(second) == vkey
    assert sorted(p.name for p in path.parent.iterdir()) == ["audit-signing.key"]


def test_the_generated_key_is_named_after_the_origin(tmp_path):
    path = tmp_path / "audit-signing.key"
    app = _app(
        AUDIT_SIGNING_KEY="", AUDIT_SIGNING_KEY_FILE=str(path), AUDIT_ORIGIN="council.example/audit"
    )
    assert _vkey(app).startswith("council.example/audit+")


def _create(path: str, queue) -> None:
    queue.put(signing.create_key_file(Path(path), "localhost/civic").verifier.vkey)


def test_processes_starting_together_end_with_one_key(tmp_path):
    path = tmp_path / "audit-signing.key"
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    workers = [context.Process(target=_create, args=(str(path), queue)) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    keys = {queue.get(timeout=5) for _ in workers}
    assert keys == {parse_skey(path.read_text()).verifier.vkey}
    assert [p.name for p in tmp_path.iterdir()] == ["audit-signing.key"]  # no temporary left


def test_the_configured_key_is_used_and_names_the_origin(tmp_path):
    key = generate_signer("council.example/audit")
    app = _app(AUDIT_SIGNING_KEY=key.skey, AUDIT_SIGNING_KEY_FILE=str(tmp_path / "unused"))
    assert _vkey(app) == key.verifier.vkey
    with app.app_context():
        assert signing.origin() == "council.example/audit"
    assert not (tmp_path / "unused").exists()


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"AUDIT_SIGNING_KEY": "PRIVATE+KEY+oops"}, "CIVIC_AUDIT_SIGNING_KEY"),
        ({"AUDIT_SIGNING_KEY": "localhost/civic+12345678+AAAA"}, "CIVIC_AUDIT_SIGNING_KEY"),
        (
            {"AUDIT_SIGNING_KEY": generate_signer("w", ALG_COSIGNATURE_V1).skey},
            "must be an Ed25519 key",
        ),
        (
            {"AUDIT_SIGNING_KEY": generate_signer("a.example/log").skey, "AUDIT_ORIGIN": "b/log"},
            "a log key's name is the log's origin",
        ),
        ({"AUDIT_ORIGIN": "has space"}, "CIVIC_AUDIT_ORIGIN"),
        ({"AUDIT_WITNESS_KEYS": "garbage"}, "CIVIC_AUDIT_WITNESS_KEYS"),
        (
            {"AUDIT_WITNESS_KEYS": generate_signer("w.example").verifier.vkey},
            "not a cosignature/v1 key",
        ),
        (
            {"AUDIT_WITNESS_KEYS": generate_signer("w" * 256, ALG_COSIGNATURE_V1).verifier.vkey},
            "at most 255 characters",
        ),
    ],
)
def test_malformed_settings_stop_civic_in_one_line(config, message):
    with pytest.raises(ConfigurationError) as refused:
        _app(**config)
    text = refused.value.message
    assert message in text and "\n" not in text and text.startswith("Civic will not start")


def test_a_key_file_of_another_origin_stops_civic(tmp_path):
    path = tmp_path / "audit-signing.key"
    signing.create_key_file(path, "localhost/civic")
    with pytest.raises(ConfigurationError, match="starts a new log"):
        _app(AUDIT_SIGNING_KEY="", AUDIT_SIGNING_KEY_FILE=str(path), AUDIT_ORIGIN="x.example/a")


def test_a_damaged_key_file_stops_civic(tmp_path):
    path = tmp_path / "audit-signing.key"
    path.write_text("PRIVATE+KEY+localhost/civic+00000000+AAAA\n")
    os.chmod(path, 0o600)
    with pytest.raises(ConfigurationError, match=str(path)):
        _app(AUDIT_SIGNING_KEY="", AUDIT_SIGNING_KEY_FILE=str(path))


def test_witness_keys_may_be_separated_by_commas_or_spaces():
    keys = [generate_signer(f"w{n}.example", ALG_COSIGNATURE_V1).verifier for n in range(3)]
    text = f"{keys[0].vkey},{keys[1].vkey}\n  {keys[2].vkey}"
    assert signing.parse_witness_keys(text) == keys
    app = _app(AUDIT_WITNESS_KEYS=text)
    with app.app_context():
        assert set(signing.witnesses()) == {(k.name, k.key_id) for k in keys}
