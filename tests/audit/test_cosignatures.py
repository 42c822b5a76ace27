"""Witnesses' cosignatures (C2SP tlog-cosignature v1): accepted only from configured keys,
only on checkpoints Civic signed, idempotently, audited, and shown with the checkpoint."""

from __future__ import annotations

import base64
import json
import struct
import time

import pytest
from sqlalchemy import func, select

from civic import audit
from civic.audit import signing
from civic.audit.checkpoints import AuditCheckpoint, AuditCosignature, make_checkpoint
from civic.audit.models import AuditEntry
from civic.audit.verifier import (
    ALG_COSIGNATURE_V1,
    Checkpoint,
    Note,
    cosign,
    cosignature_time,
    generate_signer,
    parse_note,
    parse_vkey,
    sign_note,
)
from civic.extensions import db

COSIGN = "/audit/checkpoints/cosign"


@pytest.fixture
def witness(app, monkeypatch):
    """A witness key Civic is configured to accept (a second one too, for two at once)."""
    first = generate_signer("witness.example/w1", ALG_COSIGNATURE_V1)
    second = generate_signer("witness.example/w2", ALG_COSIGNATURE_V1)
    keys = f"{first.verifier.vkey}, {second.verifier.vkey}"
    monkeypatch.setitem(app.config, "AUDIT_WITNESS_KEYS", keys)
    return first, second


def _signed_checkpoint(entries: int = 2) -> AuditCheckpoint:
    for i in range(entries):
        audit.record(None, "area:create", audit.Subject("area", f"a{i}"))
    return make_checkpoint("cli")


def _cosigned(checkpoint_note: str, *witnesses, when: int | None = None) -> str:
    """What a witness sends back: the checkpoint as Civic signed it, plus its cosignature."""
    note = parse_note(checkpoint_note)
    when = int(time.time()) if when is None else when
    lines = tuple(cosign(w, note.text, when) for w in witnesses)
    return Note(note.text, note.signatures + lines).serialise()


def _post(client, body: str | bytes):
    return client.post(COSIGN, data=body, content_type="text/plain")


def _counts() -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(AuditCosignature)),
        db.session.scalar(select(func.count()).select_from(AuditEntry)),
    )


def test_a_cosignature_from_a_configured_witness_is_accepted_and_audited(client, witness):
    checkpoint = _signed_checkpoint()
    response = _post(client, _cosigned(checkpoint.note, witness[0], when=1795000000))
    assert response.status_code == 200, response.data
    body = json.loads(response.data)
    assert body["status"] == "accepted"
    assert body["checkpoint"] == {
        "id": checkpoint.id,
        "size": 2,
        "root": checkpoint.root_base64,
    }
    assert body["cosignatures"] == [
        {
            "witness": "witness.example/w1",
            "key_id": witness[0].key_id.hex(),
            "time": 1795000000,
            "new": True,
        }
    ]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "audit:cosign"))
    shown = entry.shown
    assert (shown.subject_type, shown.subject_id, shown.actor) == ("checkpoint", "2", None)
    assert shown.data == {
        "witness": "witness.example/w1",
        "key_id": witness[0].key_id.hex(),
        "time": 1795000000,
    }
    assert audit.verify().ok


def test_the_published_checkpoint_carries_civic_s_signature_then_the_cosignatures(client, witness):
    checkpoint = _signed_checkpoint()
    assert _post(client, _cosigned(checkpoint.note, *witness)).status_code == 200
    published = parse_note(client.get("/audit/log/checkpoint").get_data(as_text=True))
    assert [s.name for s in published.signatures] == [
        "localhost/civic",
        "witness.example/w1",
        "witness.example/w2",
    ]
    assert published.signed_by(parse_vkey(signing.log_verifier().vkey))
    for key, line in zip(witness, published.signatures[1:], strict=True):
        assert cosignature_time(key.verifier, published.text, line) is not None
    page = client.get("/audit/checkpoints").get_data(as_text=True)
    assert "witness.example/w1, witness.example/w2" in page
    detail = client.get(f"/audit/checkpoints/{checkpoint.id}").get_data(as_text=True)
    assert witness[1].key_id.hex() in detail
    listed = json.loads(client.get("/audit/checkpoints.json").data)["checkpoints"][0]
    assert [c["name"] for c in listed["cosigners"]] == ["witness.example/w1", "witness.example/w2"]
    assert listed["note"] == client.get("/audit/log/checkpoint").get_data(as_text=True)


def test_sending_the_same_cosignature_again_changes_nothing(client, witness):
    checkpoint = _signed_checkpoint()
    body = _cosigned(checkpoint.note, witness[0])
    assert _post(client, body).status_code == 200
    before = _counts()
    again = _post(client, body)
    assert again.status_code == 200
    assert json.loads(again.data)["cosignatures"][0]["new"] is False
    # a fresh cosignature by the same witness on the same checkpoint: the first is kept
    later = _post(client, _cosigned(checkpoint.note, witness[0], when=int(time.time()) + 60))
    assert later.status_code == 200 and _counts() == before


def test_the_note_may_omit_civic_s_own_signature(client, witness):
    checkpoint = _signed_checkpoint()
    text = parse_note(checkpoint.note).text
    body = Note(text, (cosign(witness[0], text, int(time.time())),)).serialise()
    assert _post(client, body).status_code == 200


def test_a_cosignature_on_an_older_checkpoint_is_stored_with_it(client, witness):
    old = _signed_checkpoint()
    _signed_checkpoint(1)
    assert _post(client, _cosigned(old.note, witness[0])).status_code == 200
    stored = db.session.scalars(select(AuditCosignature)).one()
    assert stored.checkpoint_id == old.id


def _refused(client, body: str | bytes, status: int, reason: str) -> None:
    before = _counts()
    response = _post(client, body)
    assert response.status_code == status, response.data
    assert response.mimetype == "application/json"
    assert reason in json.loads(response.data)["error"]
    assert _counts() == before


def test_no_signature_by_a_configured_witness_is_a_403(client, witness):
    checkpoint = _signed_checkpoint()
    stranger = generate_signer("witness.example/w1", ALG_COSIGNATURE_V1)  # same name, other key
    _refused(client, _cosigned(checkpoint.note, stranger), 403, "no signature is by a witness")
    _refused(client, checkpoint.note, 403, "no signature is by a witness")  # Civic's alone


def test_without_configured_witnesses_every_cosignature_is_a_403(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_WITNESS_KEYS", "")
    checkpoint = _signed_checkpoint()
    someone = generate_signer("witness.example/w1", ALG_COSIGNATURE_V1)
    _refused(client, _cosigned(checkpoint.note, someone), 403, "no signature is by a witness")


def test_a_cosignature_that_does_not_verify_is_a_403(client, witness):
    checkpoint = _signed_checkpoint()
    body = _cosigned(checkpoint.note, witness[0])
    line = body.rstrip("\n").rsplit("\n", 1)[1]
    encoded = line.split(" ")[2]
    raw = bytearray(base64.b64decode(encoded))
    raw[-1] ^= 1  # a flipped bit in the Ed25519 signature
    forged = body.replace(encoded, base64.b64encode(bytes(raw)).decode())
    _refused(client, forged, 403, "does not verify")
    # a good signature with its timestamp changed does not verify either
    raw = bytearray(base64.b64decode(encoded))
    raw[4:12] = struct.pack(">Q", 1)
    _refused(client, body.replace(encoded, base64.b64encode(bytes(raw)).decode()), 403, "verify")


def test_one_bad_cosignature_refuses_the_whole_note(client, witness):
    checkpoint = _signed_checkpoint()
    text = parse_note(checkpoint.note).text
    good = cosign(witness[0], text, int(time.time()))
    bad = cosign(witness[1], text.replace("\n2\n", "\n3\n"), int(time.time()))
    body = Note(text, (good, bad)).serialise()
    _refused(client, body, 403, "witness.example/w2")


def test_a_cosignature_dated_in_the_future_is_a_403(client, witness):
    checkpoint = _signed_checkpoint()
    tomorrow = int(time.time()) + 86400
    _refused(client, _cosigned(checkpoint.note, witness[0], when=tomorrow), 403, "future")


def test_a_checkpoint_civic_never_signed_is_a_409(client, witness):
    """A witness shown another tree of the same size (a split view), or a forgery."""
    checkpoint = _signed_checkpoint()
    forged = Checkpoint("localhost/civic", checkpoint.size, b"\x01" * 32)
    attacker = generate_signer("localhost/civic")  # not Civic's key
    note = sign_note(forged.text, attacker).serialise()
    _refused(client, _cosigned(note, witness[0]), 409, "never signed")
    # the same with Civic's real signature line copied over: still not a stored text
    civic_line = parse_note(checkpoint.note).signatures
    copied = Note(forged.text, civic_line).serialise()
    _refused(client, _cosigned(copied, witness[0]), 409, "split view")
    # a checkpoint of another log's origin
    other = Checkpoint("elsewhere.example/log", checkpoint.size, bytes(checkpoint.root))
    _refused(
        client, _cosigned(sign_note(other.text, attacker).serialise(), witness[0]), 409, "never"
    )


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"hello",
        b"\xff\xfe not utf-8",
        "localhost/civic\n2\nroot\n\n\u2014 w x\n",
        "not a checkpoint\n\n\u2014 witness.example/w1 AAAAAAAAAAAA\n",
        "localhost/civic\n2\n" + "A" * 44 + "\n\n",
    ],
)
def test_malformed_submissions_are_a_400_with_the_reason(client, witness, body):
    _signed_checkpoint()
    _refused(client, body, 400, "not a signed checkpoint")


def test_the_cosign_endpoint_needs_no_csrf_token_but_is_rate_limited(app, client, witness):
    checkpoint = _signed_checkpoint()
    body = _cosigned(checkpoint.note, witness[0])
    assert app.config.get("WTF_CSRF_ENABLED", True)  # on, as in production
    statuses = [_post(client, body).status_code for _ in range(31)]
    assert statuses[:30] == [200] * 30 and statuses[30] == 429


def test_the_cosign_endpoint_only_accepts_post(client):
    assert client.get(COSIGN).status_code == 405
