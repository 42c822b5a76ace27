"""The signed-note, checkpoint and cosignature primitives against published vectors.

The vectors (tests/data/signed_note, with their sources and licences) come from the Go
reference implementation and the C2SP specifications, so Civic's checkpoints are readable
by every other tool that speaks these formats, and theirs by Civic.
"""

from __future__ import annotations

import base64
import json
import struct

import pytest

from civic import ROOT
from civic.audit.verifier import (
    ALG_COSIGNATURE_V1,
    NoteError,
    cosign,
    cosignature_message,
    cosignature_time,
    generate_signer,
    parse_checkpoint,
    parse_note,
    parse_skey,
    parse_vkey,
    sign_note,
)

VECTORS = json.loads((ROOT / "tests" / "data" / "signed_note" / "vectors.json").read_text())
GO = VECTORS["go_note"]


def test_the_go_note_is_reproduced_byte_for_byte():
    signer = parse_skey(GO["skey"])
    assert signer.verifier.vkey == GO["vkey"]
    assert sign_note(GO["text"], signer).serialise() == GO["signed"]


def test_the_go_note_verifies_with_its_key_and_not_with_another():
    note = parse_note(GO["signed"].encode())
    assert note.text == GO["text"]
    assert note.signed_by(parse_vkey(GO["vkey"]))
    assert not note.signed_by(parse_vkey(GO["second_vkey"]))


def test_a_note_signed_twice_verifies_each_signature_with_its_own_key():
    note = parse_note(GO["signed"] + GO["second_signature_line"])
    assert [s.name for s in note.signatures] == ["PeterNeumann", "EnochRoot"]
    assert note.signed_by(parse_vkey(GO["vkey"]))
    assert note.signed_by(parse_vkey(GO["second_vkey"]))


def test_a_changed_text_or_signature_does_not_verify():
    key = parse_vkey(GO["vkey"])
    changed_text = GO["signed"].replace("cryptography", "Cryptography")
    assert not parse_note(changed_text).signed_by(key)
    line = GO["signed"].split("\n\n")[1]
    encoded = line.split(" ")[2].strip()
    raw = bytearray(base64.b64decode(encoded))
    raw[10] ^= 1  # a flipped bit in the signature (after the key id)
    mangled = GO["signed"].replace(encoded, base64.b64encode(bytes(raw)).decode())
    assert not parse_note(mangled).signed_by(key)


def test_the_c2sp_signed_note_example_verifies():
    vector = VECTORS["c2sp_signed_note"]
    note = parse_note(vector["signed"])
    assert note.text == "This is an example message.\n"
    assert note.signed_by(parse_vkey(vector["vkey"]))


@pytest.mark.parametrize("bad", GO["bad_vkeys"])
def test_go_s_bad_verifier_keys_are_rejected(bad):
    with pytest.raises(NoteError):
        parse_vkey(bad)


@pytest.mark.parametrize("key", [GO["vkey"], GO["skey"]])
def test_every_truncation_and_changed_character_of_a_key_is_rejected(key):
    """As the Go tests do: every proper substring, and every character bumped by one."""
    parse = parse_skey if key.startswith("PRIVATE") else parse_vkey
    for i in range(len(key) + 1):
        for j in range(i + 1, len(key) + 1):
            if (i, j) != (0, len(key)):
                with pytest.raises(NoteError):
                    parse(key[i:j])
    for i in range(len(key)):
        with pytest.raises(NoteError):
            parse(key[:i] + chr(ord(key[i]) + 1) + key[i + 1 :])


@pytest.mark.parametrize("bad", GO["malformed_notes"])
def test_go_s_malformed_notes_are_rejected(bad):
    with pytest.raises(NoteError):
        parse_note(bad)


def test_a_note_that_is_not_utf8_is_rejected():
    with pytest.raises(NoteError):
        parse_note(b"\xff" + GO["signed"].encode())


def test_the_c2sp_checkpoint_example_parses():
    vector = VECTORS["c2sp_checkpoint"]
    note = parse_note(vector["signed"])
    checkpoint = parse_checkpoint(note.text)
    assert checkpoint.origin == vector["origin"]
    assert checkpoint.size == vector["size"]
    assert base64.b64encode(checkpoint.root).decode() == vector["root_base64"]
    assert checkpoint.text == note.text  # and writes back identically
    assert [s.name for s in note.signatures] == [vector["origin"]]


def test_the_c2sp_cosignature_example_carries_the_spec_s_timestamp():
    vector = VECTORS["c2sp_cosignature"]
    note = parse_note(vector["signed"])
    witness_line = note.signatures[1]
    assert witness_line.name == vector["witness"]
    assert len(witness_line.data) == 8 + 64
    assert struct.unpack(">Q", witness_line.data[:8])[0] == vector["timestamp"]
    assert cosignature_message(note.text, vector["timestamp"]).decode() == vector["signed_message"]


def test_a_cosignature_verifies_only_for_its_witness_checkpoint_and_time():
    witness = generate_signer("witness.example/w1", ALG_COSIGNATURE_V1)
    other = generate_signer("witness.example/w1", ALG_COSIGNATURE_V1)
    text = parse_note(VECTORS["c2sp_checkpoint"]["signed"]).text
    line = cosign(witness, text, 1679315147)
    assert cosignature_time(witness.verifier, text, line) == 1679315147
    assert cosignature_time(other.verifier, text, line) is None
    assert cosignature_time(witness.verifier, text.replace("20852163", "20852164"), line) is None
    later = type(line)(line.name, line.key_id, struct.pack(">Q", 1679315148) + line.data[8:])
    assert cosignature_time(witness.verifier, text, later) is None
