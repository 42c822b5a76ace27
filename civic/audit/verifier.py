"""Check Civic's public records without trusting the council's database.

    python -m civic.audit.verifier https://civic.example.org --key VKEY --state DIR

This one file is everything an outsider needs: the standard library and the
`cryptography` package, nothing else (no Flask, no database, no other part of Civic).
It is also served by every Civic site at `/audit/verifier.py`, so a resident, a
journalist or another council can download it and run it with `python3 verifier.py`.

It speaks the open formats Civic publishes its log in, so any other tool that speaks them
can check Civic too:
- RFC 6962 / RFC 9162 Merkle trees (leaf and node hashes, inclusion and consistency);
- C2SP signed-note (Ed25519 signatures on text), tlog-checkpoint (the signed tree head),
  tlog-cosignature (witnesses countersigning a checkpoint) and tlog-tiles (the log served
  as immutable files).

Civic's own code imports the primitives below from here, so the site and the verifier
cannot drift apart on a format.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import csv
import hashlib
import http.client
import io
import itertools
import json
import math
import multiprocessing
import os
import re
import socket
import struct
import sys
import threading
import time
import urllib.parse
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, BinaryIO

try:
    import fcntl  # to lock the state directory; Windows has no fcntl, and goes without
except ImportError:  # pragma: no cover (not on the platforms the tests run on)
    fcntl = None  # type: ignore[assignment]

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

# --- Merkle trees (RFC 6962 §2.1, RFC 9162 §2.1) ---------------------------------------

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


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """Root over leaf hashes (or over the roots of equal perfect subtrees, left to right).

    Level by level (a lone last node is carried up unchanged), which yields exactly the
    RFC's "largest power of two on the left" shape in O(n) time and without recursion.
    """
    _check_hashes(hashes)
    return _root_unchecked(list(hashes))


def _root_unchecked(level: list[bytes]) -> bytes:
    """`root_from_leaf_hashes` without the checks, for hashes already known to be 32 bytes
    (the verifier's own slices of a tile: once per 256 entries of a long log)."""
    if not level:
        return EMPTY_ROOT
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return bytes(level[0])


def frontier_append(frontier: list[bytes], size: int, leaf: bytes) -> list[bytes]:
    """Add one leaf hash to the right edge, so an append costs O(log n) and reads no old rows.

    The frontier holds the roots of the perfect subtrees that make up a tree of `size`
    leaves, largest first: one per set bit of `size`. Returns a new list.
    """
    return frontier_append_subtrees(frontier, size, leaf)[0]


def frontier_append_subtrees(
    frontier: list[bytes], size: int, leaf: bytes
) -> tuple[list[bytes], list[bytes]]:
    """`frontier_append`, also returning the perfect subtrees the new leaf completed.

    The second list holds the root of each completed subtree, smallest first: the one of
    height h covers leaves [size + 1 - 2**h, size + 1). A log that stores some of them
    (tile hashes) can serve any proof without reading the leaves below them.
    """
    if not _is_int(size) or size < 0:
        raise ValueError(f"tree size must be a non-negative integer, not {size!r}")
    if len(frontier) != size.bit_count():
        raise ValueError(f"a tree of size {size} has {size.bit_count()} frontier hashes")
    _check_hashes([*frontier, leaf])
    merged = list(frontier)
    carry = bytes(leaf)
    completed = []
    # Like binary increment: each trailing 1 bit is a subtree of equal size to merge with.
    while size & 1:
        carry = node_hash(merged.pop(), carry)
        completed.append(carry)
        size >>= 1
    merged.append(carry)
    return merged, completed


def frontier_root(frontier: Sequence[bytes]) -> bytes:
    """Root of the tree a frontier describes; the smaller subtrees hang off the right edge."""
    _check_hashes(frontier)
    if not frontier:
        return EMPTY_ROOT
    root = frontier[-1]
    for subtree in reversed(frontier[:-1]):
        root = node_hash(subtree, root)
    return bytes(root)


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
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
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
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


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes | bytearray) and len(value) == HASH_SIZE


def _is_proof(proof: object) -> bool:
    return isinstance(proof, list | tuple) and all(_is_hash(p) for p in proof)


def _check_hashes(hashes: Iterable[bytes]) -> None:
    for h in hashes:
        if not _is_hash(h):
            raise ValueError(f"expected {HASH_SIZE}-byte hashes")


# --- Signed notes (C2SP signed-note) ---------------------------------------------------

ALG_ED25519 = 0x01
ALG_COSIGNATURE_V1 = 0x04  # C2SP tlog-cosignature: Ed25519 over a timestamped message
_SIGNATURE_LINE_PREFIX = "\u2014 "  # an em dash and a space
_MAX_SIGNATURES = 100


class NoteError(ValueError):
    """A note, key or checkpoint that does not follow its specification."""


def _valid_key_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(ch.isspace() for ch in name)


def key_id(name: str, alg: int, public_key: bytes) -> bytes:
    """The 4-byte key hash that names a key in a signature line (signed-note §Signatures)."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + public_key).digest()[:4]


@dataclass(frozen=True)
class Verifier:
    """A public key as published in the signed-note vkey format `name+hash+base64`."""

    name: str
    alg: int
    key_id: bytes
    public_key: bytes  # the 32 raw Ed25519 bytes

    def verifies(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True

    @property
    def vkey(self) -> str:
        encoded = base64.b64encode(bytes([self.alg]) + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"


@dataclass(frozen=True)
class Signer:
    """A private key in the signed-note skey format `PRIVATE+KEY+name+hash+base64`."""

    name: str
    alg: int
    key_id: bytes
    seed: bytes = field(repr=False)

    def sign(self, message: bytes) -> bytes:
        return Ed25519PrivateKey.from_private_bytes(self.seed).sign(message)

    @property
    def verifier(self) -> Verifier:
        public = (
            Ed25519PrivateKey.from_private_bytes(self.seed)
            .public_key()
            .public_bytes(Encoding.Raw, PublicFormat.Raw)
        )
        return Verifier(self.name, self.alg, self.key_id, public)

    @property
    def skey(self) -> str:
        encoded = base64.b64encode(bytes([self.alg]) + self.seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.key_id.hex()}+{encoded}"


def _decode_key(name: str, hash_hex: str, encoded: str, what: str) -> tuple[int, bytes]:
    if not _valid_key_name(name):
        raise NoteError(f"{what}: the key name is empty or holds '+' or a space")
    try:
        raw = base64.b64decode(encoded, validate=True)
        expected = bytes.fromhex(hash_hex)
    except (binascii.Error, ValueError):
        raise NoteError(f"{what}: the key hash or key is not hex and base64") from None
    if len(raw) != 33 or raw[0] not in (ALG_ED25519, ALG_COSIGNATURE_V1):
        raise NoteError(f"{what}: not an Ed25519 or cosignature/v1 key")
    if len(expected) != 4:
        raise NoteError(f"{what}: the key hash is not 4 bytes")
    return raw[0], raw[1:]


def parse_vkey(text: str) -> Verifier:
    """Read a verifier key, checking that its hash matches its name and key."""
    parts = text.strip().split("+", 2)  # the base64 key may itself hold '+'
    if len(parts) != 3:
        raise NoteError("a verifier key has the form name+hash+key")
    name, hash_hex, encoded = parts
    alg, public = _decode_key(name, hash_hex, encoded, "verifier key")
    if key_id(name, alg, public).hex() != hash_hex.lower():
        raise NoteError("verifier key: the hash does not match the name and key")
    return Verifier(name, alg, bytes.fromhex(hash_hex), public)


def parse_skey(text: str) -> Signer:
    """Read a private key, checking that its hash matches the key it derives."""
    parts = text.strip().split("+", 4)
    if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
        raise NoteError("a signing key has the form PRIVATE+KEY+name+hash+key")
    name, hash_hex, encoded = parts[2:]
    alg, seed = _decode_key(name, hash_hex, encoded, "signing key")
    signer = Signer(name, alg, bytes.fromhex(hash_hex), seed)
    if key_id(name, alg, signer.verifier.public_key) != signer.key_id:
        raise NoteError("signing key: the hash does not match the name and key")
    return signer


def generate_signer(name: str, alg: int = ALG_ED25519) -> Signer:
    """A new random key pair (a log key, or with ALG_COSIGNATURE_V1 a witness key)."""
    if not _valid_key_name(name):
        raise NoteError("a key name must be non-empty, without '+' or spaces")
    private = Ed25519PrivateKey.generate()
    seed = private.private_bytes_raw()
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return Signer(name, alg, key_id(name, alg, public), seed)


@dataclass(frozen=True)
class Signature:
    """One signature line: who signed (name and key hash) and the signature bytes."""

    name: str
    key_id: bytes
    data: bytes  # after the key hash: the Ed25519 signature, or timestamp + signature

    @property
    def line(self) -> str:
        encoded = base64.b64encode(self.key_id + self.data).decode()
        return f"{_SIGNATURE_LINE_PREFIX}{self.name} {encoded}\n"


@dataclass(frozen=True)
class Note:
    """A signed note: its text (ending in a newline) and its signature lines."""

    text: str
    signatures: tuple[Signature, ...]

    def signed_by(self, verifier: Verifier) -> bool:
        """Whether any signature line is a valid Ed25519 signature by `verifier`."""
        if verifier.alg != ALG_ED25519:
            return False
        return any(
            s.name == verifier.name
            and s.key_id == verifier.key_id
            and verifier.verifies(self.text.encode(), s.data)
            for s in self.signatures
        )

    def serialise(self) -> str:
        return self.text + "\n" + "".join(s.line for s in self.signatures)


def _check_note_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("a note's text must end with a newline")
    if any(ord(ch) < 0x20 and ch != "\n" for ch in text):
        raise NoteError("a note's text may hold no control characters except newlines")


def parse_note(data: bytes | str) -> Note:
    """Split a signed note into text and signatures; malformed input raises NoteError."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise NoteError("a note must be UTF-8") from None
    split = data.rfind("\n\n")
    if split < 0:
        raise NoteError("a note needs a blank line before its signatures")
    text, block = data[: split + 1], data[split + 2 :]
    _check_note_text(text)
    if not block.endswith("\n"):
        raise NoteError("a note's signature block must end with a newline")
    signatures = []
    for line in block[:-1].split("\n"):
        if not line.startswith(_SIGNATURE_LINE_PREFIX):
            raise NoteError("every line after the blank line must be a signature")
        name, _, encoded = line[len(_SIGNATURE_LINE_PREFIX) :].partition(" ")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise NoteError(f"the signature by {name!r} is not base64") from None
        if not _valid_key_name(name) or len(raw) < 5:
            raise NoteError("a signature line needs a key name and a signature")
        signatures.append(Signature(name, raw[:4], raw[4:]))
    if not signatures or len(signatures) > _MAX_SIGNATURES:
        raise NoteError(f"a note carries 1 to {_MAX_SIGNATURES} signatures")
    return Note(text, tuple(signatures))


def sign_note(text: str, signer: Signer) -> Note:
    """Sign `text` (which must end with a newline) with an Ed25519 log key."""
    _check_note_text(text)
    if signer.alg != ALG_ED25519:
        raise NoteError("a note is signed with an Ed25519 key; witnesses use cosign()")
    return Note(text, (Signature(signer.name, signer.key_id, signer.sign(text.encode())),))


# --- Checkpoints (C2SP tlog-checkpoint) and cosignatures (C2SP tlog-cosignature) --------

_DECIMAL = re.compile(r"0|[1-9][0-9]{0,19}")


@dataclass(frozen=True)
class Checkpoint:
    """A tree head: the log's origin line, its size and its root hash."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode()]
        return "\n".join([*lines, *self.extensions]) + "\n"


def parse_checkpoint(text: str) -> Checkpoint:
    """Read a checkpoint's body (a note's text); malformed input raises NoteError."""
    _check_note_text(text)
    lines = text[:-1].split("\n")
    if len(lines) < 3 or not lines[0]:
        raise NoteError("a checkpoint has an origin line, a size and a root hash")
    if not _DECIMAL.fullmatch(lines[1]) or int(lines[1]) >= 2**63:
        raise NoteError("a checkpoint's size must be a decimal number without leading zeros")
    try:
        root = base64.b64decode(lines[2], validate=True)
    except binascii.Error:
        root = b""
    if len(root) != HASH_SIZE:
        raise NoteError("a checkpoint's root must be a base64 SHA-256 hash")
    if any(not line for line in lines[3:]):
        raise NoteError("a checkpoint's extension lines must not be empty")
    return Checkpoint(lines[0], int(lines[1]), root, tuple(lines[3:]))


def cosignature_message(checkpoint_text: str, timestamp: int) -> bytes:
    """What a witness signs: a header naming the version and time, then the checkpoint."""
    return f"cosignature/v1\ntime {timestamp}\n".encode() + checkpoint_text.encode()


def cosign(witness: Signer, checkpoint_text: str, timestamp: int) -> Signature:
    """A witness's cosignature on a checkpoint it has checked (tlog-cosignature v1)."""
    if witness.alg != ALG_COSIGNATURE_V1:
        raise NoteError("a cosignature needs a cosignature/v1 witness key")
    signed = witness.sign(cosignature_message(checkpoint_text, timestamp))
    return Signature(witness.name, witness.key_id, struct.pack(">Q", timestamp) + signed)


def cosignature_time(witness: Verifier, checkpoint_text: str, signature: Signature) -> int | None:
    """The time a valid cosignature by `witness` was made, or None if it is not valid."""
    if witness.alg != ALG_COSIGNATURE_V1 or len(signature.data) != 8 + 64:
        return None
    if (signature.name, signature.key_id) != (witness.name, witness.key_id):
        return None
    (timestamp,) = struct.unpack(">Q", signature.data[:8])
    message = cosignature_message(checkpoint_text, timestamp)
    return timestamp if witness.verifies(message, signature.data[8:]) else None


# --- Tiles (C2SP tlog-tiles) -----------------------------------------------------------

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT  # 256 hashes or entries per full tile
_TILE_INDEX = re.compile(r"(?:x\d{3}/)*\d{3}")


def tile_index_path(index: int) -> str:
    """A tile index as tlog-tiles writes it: 1234067 is x001/x234/067."""
    if not _is_int(index) or index < 0:
        raise ValueError("a tile index is a non-negative integer")
    groups = []
    while True:
        index, rest = divmod(index, 1000)
        groups.append(f"{rest:03d}")
        if not index:
            break
    groups.reverse()
    return "/".join([*(f"x{g}" for g in groups[:-1]), groups[-1]])


def tile_path(level: int | str, index: int, width: int = TILE_WIDTH) -> str:
    """`tile/<L>/<N>[.p/<W>]`, or with level "entries" the path of an entry bundle."""
    if not 0 < width <= TILE_WIDTH:
        raise ValueError(f"a tile's width is 1 to {TILE_WIDTH}")
    partial = f".p/{width}" if width < TILE_WIDTH else ""
    return f"tile/{level}/{tile_index_path(index)}{partial}"


def parse_tile_path(path: str) -> tuple[int | str, int, int]:
    """(level or "entries", index, width) from a tile path; a malformed one raises ValueError.

    Only the canonical spelling is accepted, so each tile has exactly one address (caches
    and mirrors depend on it)."""
    rest = path.removeprefix("tile/")
    level_text, _, rest = rest.partition("/")
    if level_text == "entries":
        level: int | str = "entries"
    elif re.fullmatch(r"[0-9]|[1-5][0-9]|6[0-3]", level_text):
        level = int(level_text)
    else:
        raise ValueError("the tile level must be 0 to 63 or 'entries'")
    index_text, _, width_text = rest.partition(".p/")
    if not _TILE_INDEX.fullmatch(index_text):
        raise ValueError("the tile index must be written in groups of three digits")
    index = int(index_text.replace("x", "").replace("/", ""))
    width = TILE_WIDTH
    if width_text or rest.endswith(".p/"):
        if not re.fullmatch(r"[1-9][0-9]{0,2}", width_text) or int(width_text) >= TILE_WIDTH:
            raise ValueError(f"a partial tile's width is 1 to {TILE_WIDTH - 1}")
        width = int(width_text)
    if tile_path(level, index, width) != path.removeprefix("/"):
        raise ValueError("the tile path is not in its canonical form")
    return level, index, width


def format_entry_bundle(entries: Iterable[bytes]) -> bytes:
    """Entries as tlog-tiles bundles them: each a big-endian 16-bit length, then the bytes."""
    out = bytearray()
    for entry in entries:
        if len(entry) > 0xFFFF:
            raise ValueError("an entry longer than 65,535 bytes cannot be bundled")
        out += struct.pack(">H", len(entry)) + entry
    return bytes(out)


def parse_entry_bundle(data: bytes) -> list[bytes]:
    """The entries of a bundle; a truncated bundle raises ValueError."""
    entries, offset = [], 0
    while offset < len(data):
        if offset + 2 > len(data):
            raise ValueError("an entry bundle ends inside a length prefix")
        (length,) = struct.unpack_from(">H", data, offset)
        offset += 2
        if offset + length > len(data):
            raise ValueError("an entry bundle ends inside an entry")
        entries.append(bytes(data[offset : offset + length]))
        offset += length
    return entries


# --- Entries ---------------------------------------------------------------------------


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(value: object) -> bytes:
    """RFC 8785 canonical JSON for what Civic logs (objects, arrays, strings, integers,
    booleans, null; never floats). For these, sorted keys, no spaces and unescaped
    non-ASCII are exactly RFC 8785, so the standard library suffices here."""
    return _CANONICAL.encode(value).encode()


def _no_floats(text: str) -> object:
    raise ValueError(f"{text} is not an integer: Civic logs no floats")


# Reads exactly what canonical_json writes; floats, NaN and Infinity are refused.
_ENTRY_DECODER = json.JSONDecoder(parse_float=_no_floats, parse_constant=_no_floats)
_ENTRY_FIELDS = frozenset({"seq", "time", "action", "subject", "actor", "data"})
_SUBJECT_FIELDS = frozenset({"type", "id"})
_ENTRY_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")


def entry_problem(entry: object, seq: int) -> str:
    """Why a parsed entry body is not one Civic logs at position `seq`, or "" if it is.

    Civic's bodies hold exactly seq, time, action, subject, actor and data; `seq` must be
    the entry's own index, so a log with a gap or a repeat cannot pass."""
    # Exact type tests: JSON gives plain dict, str and int (a bool is not an int here).
    # This runs once per entry of the whole log, so it is kept to cheap comparisons.
    if type(entry) is not dict:
        return "is not a JSON object"
    if entry.keys() != _ENTRY_FIELDS:
        missing = sorted(_ENTRY_FIELDS - entry.keys())
        extra = sorted(entry.keys() - _ENTRY_FIELDS)
        return f"has fields missing {missing} or extra {extra}"
    number = entry["seq"]
    if type(number) is not int or number != seq:
        return f"carries seq {number!r} at index {seq}: entries are not numbered without gaps"
    when = entry["time"]
    if type(when) is not str or not _ENTRY_TIME.fullmatch(when):
        return "has no time of the form YYYY-MM-DDTHH:MM:SSZ"
    action = entry["action"]
    if type(action) is not str or ":" not in action:
        return "has no action tag of the form subject:verb"
    subject = entry["subject"]
    if (
        type(subject) is not dict
        or subject.keys() != _SUBJECT_FIELDS
        or type(subject["type"]) is not str
        or type(subject["id"]) is not str
    ):
        return "has no subject with a type and an id"
    actor = entry["actor"]
    if actor is not None and type(actor) is not str:
        return "has an actor that is neither a pseudonym nor null"
    if type(entry["data"]) is not dict:
        return "has data that is not a JSON object"
    return ""


def _entry_body_problem(body: bytes, seq: int) -> str:
    """The slow, precise check of one body: why it is not a canonical Civic entry."""
    try:
        text = body.decode("utf-8")
        value = _ENTRY_DECODER.decode(text)
    except UnicodeDecodeError:
        return "is not UTF-8"
    except ValueError as exc:
        return f"is not JSON Civic logs ({exc})"
    if _CANONICAL.encode(value) != text:
        return "is not canonical JSON (RFC 8785)"
    return entry_problem(value, seq)


def check_bundle(first_seq: int, bundle: bytes, width: int) -> tuple[bytes, tuple[int, str] | None]:
    """Check an entry bundle's entries and hash them: (leaf hashes, first problem or None).

    The problem is (seq, reason). Fast path: every body is parsed where it sits in one
    JSON array and the whole array is re-serialised once; since each body must parse as
    exactly one object spanning all its bytes, the array matching byte for byte means each
    body is canonical on its own. Anything else falls back to checking body by body, so the
    first bad entry is named precisely. Pure and picklable, so it can run in a process pool.
    """
    try:
        bodies = parse_entry_bundle(bundle)
    except ValueError as exc:
        return b"", (first_seq, f"its entry bundle is damaged ({exc})")
    sha256, prefix = hashlib.sha256, _LEAF_PREFIX
    leaves = b"".join([sha256(prefix + body).digest() for body in bodies])
    if len(bodies) != width:
        where = first_seq + min(len(bodies), width)
        return leaves, (where, f"its entry bundle holds {len(bodies)} entries, not {width}")
    values: list[object] | None = []
    try:
        texts = [body.decode("utf-8") for body in bodies]
        text = "[" + ",".join(texts) + "]"
        decode, offset = _ENTRY_DECODER.raw_decode, 1
        for body_text in texts:
            value, end = decode(text, offset)
            offset += len(body_text)
            if end != offset:  # the body is not exactly one JSON value
                values = None
                break
            values.append(value)
            offset += 1  # the comma
        if values is not None and _CANONICAL.encode(values) != text:
            values = None
    except ValueError:  # UnicodeDecodeError included
        values = None
    if values is None:
        for index, body in enumerate(bodies):
            problem = _entry_body_problem(body, first_seq + index)
            if problem:
                return leaves, (first_seq + index, problem)
        return leaves, (first_seq, "its entry bundle could not be read")  # not reached
    for index, value in enumerate(values):
        problem = entry_problem(value, first_seq + index)
        if problem:
            return leaves, (first_seq + index, problem)
    return leaves, None


# --- Fetching from a Civic site --------------------------------------------------------

MAX_RESPONSE_BYTES = 64 * 1024 * 1024


class FetchError(Exception):
    """A page or file could not be fetched (network, HTTP status, or too large).

    `status` is the HTTP status when the site answered one: a 404 for a tile that a signed
    checkpoint covers is the site contradicting itself, not a network failure."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class _KeptAlive:
    """One persistent HTTP(S) connection per thread to one site.

    A full check asks for two files per 256 entries; opening a new TLS connection for each
    would cost more than checking them. Redirects are not followed: the caller says where
    the site moved. HTTPS certificates are verified (the default SSL context)."""

    def __init__(self, base: str, timeout: float) -> None:
        parts = urllib.parse.urlsplit(base)
        self.https = parts.scheme == "https"
        self.host, self.prefix, self.timeout = parts.netloc, parts.path.rstrip("/"), timeout
        self.local = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        connection = getattr(self.local, "connection", None)
        if connection is None:
            kind = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
            connection = kind(self.host, timeout=self.timeout)
            self.local.connection = connection
        return connection

    def _drop(self) -> None:
        connection = getattr(self.local, "connection", None)
        if connection is not None:
            connection.close()
            self.local.connection = None

    def request(self, path: str, body: bytes | None) -> tuple[int, str, bytes]:
        """(status, Location header, at most MAX_RESPONSE_BYTES + 1 bytes of the body)."""
        headers = {"User-Agent": "civic-verifier/1"}
        if body is not None:
            headers["Content-Type"] = "text/plain; charset=utf-8"
        target = f"{self.prefix}/{path.lstrip('/')}"
        # A kept connection the server has since closed fails on first use: retry once on a
        # new one (GETs only: a POST might have arrived).
        for attempt in range(2):
            try:
                connection = self._connection()
                connection.request("GET" if body is None else "POST", target, body, headers)
                response = connection.getresponse()
                data = response.read(MAX_RESPONSE_BYTES + 1)
                if response.will_close or len(data) > MAX_RESPONSE_BYTES:
                    self._drop()
                return response.status, response.getheader("Location") or "", data
            except (http.client.HTTPException, OSError) as exc:
                self._drop()
                if attempt or body is not None:
                    raise FetchError(f"{self.host}{target}: {exc}") from None
        raise AssertionError("not reached")


@dataclass(frozen=True)
class Site:
    """A Civic site to check: its base URL and how to GET (and POST) a path on it.

    `get` and `post` are replaceable so tests can point the verifier at a Flask test
    client; the defaults (`Site.at`) keep one connection per thread alive, with a timeout
    and a size cap, so a hostile server cannot hang or exhaust the checker. `workers` is
    how many fetches may run at once (the defaults are thread-safe; a test client may not
    be)."""

    base: str
    get: Callable[[str], bytes]
    post: Callable[[str, bytes], tuple[int, bytes]] | None = None
    workers: int = 1

    @classmethod
    def at(cls, base: str, timeout: float = 30.0, workers: int = 8) -> Site:
        base = base.rstrip("/")
        scheme = urllib.parse.urlsplit(base).scheme
        if scheme not in ("http", "https"):
            raise FetchError(f"{base}: give an http:// or https:// address")

        connections = _KeptAlive(base, timeout)

        def _open(path: str, body: bytes | None) -> tuple[int, bytes]:
            url = f"{base}/{path.lstrip('/')}"
            status, location, data = connections.request(path, body)
            if len(data) > MAX_RESPONSE_BYTES:
                raise FetchError(f"{url}: larger than {MAX_RESPONSE_BYTES} bytes")
            if body is None and status != 200:
                moved = f" (moved to {location}: give that address)" if location else ""
                raise FetchError(f"{url}: HTTP {status}{moved}", status)
            return status, data

        def get(path: str) -> bytes:
            return _open(path, None)[1]

        def post(path: str, body: bytes) -> tuple[int, bytes]:
            return _open(path, body)

        return cls(base, get, post, max(1, workers))

    def get_json(self, path: str) -> object:
        try:
            return json.loads(self.get(path))
        except ValueError:
            raise FetchError(f"{self.base}/{path.lstrip('/')}: not JSON") from None


# --- Checking the log from its tiles ---------------------------------------------------

CHECKPOINT_PATH = "audit/log/checkpoint"
LOG_PATH = "audit/log/"
CONSISTENCY_PATH = "audit/proof/consistency"


class LogMismatch(Exception):
    """What the site serves contradicts a signature, a hash, or what was verified before.

    The message starts with what is wrong: "entry <seq>: ..." or "checkpoint: ...".
    """


class StateError(Exception):
    """The state directory cannot be used (unreadable, or saved under another key)."""


@dataclass(frozen=True)
class VerifiedLog:
    """What one successful check established; a witness cosigns `checkpoint`."""

    note: Note
    checkpoint: Checkpoint
    previous: Checkpoint | None
    cosigners: tuple[str, ...]
    report: tuple[str, ...]


def fetch_checkpoint(site: Site, log_key: Verifier) -> tuple[Note, Checkpoint]:
    """The site's newest checkpoint, signed by the pinned key; anything else is a mismatch."""
    raw = site.get(CHECKPOINT_PATH)
    try:
        note = parse_note(raw)
        checkpoint = parse_checkpoint(note.text)
    except NoteError as exc:
        raise LogMismatch(f"checkpoint: {exc}") from None
    if not note.signed_by(log_key):
        raise LogMismatch(f"checkpoint: not signed by the pinned key {log_key.vkey}")
    if checkpoint.origin != log_key.name:
        raise LogMismatch(
            f"checkpoint: its origin {checkpoint.origin!r} is not the key's name {log_key.name!r}"
        )
    return note, checkpoint


def _tile_widths(size: int) -> list[int]:
    """The width of each level-0 tile (and entry bundle) a tree of `size` leaves has."""
    full, rest = divmod(size, TILE_WIDTH)
    return [TILE_WIDTH] * full + ([rest] if rest else [])


def _first_difference(a: bytes, b: bytes) -> int | None:
    """Index of the first differing hash in two runs of concatenated hashes, if any."""
    common = min(len(a), len(b))
    if a[:common] == b[:common]:
        return None
    for index in range(common // HASH_SIZE):
        start, end = index * HASH_SIZE, (index + 1) * HASH_SIZE
        if a[start:end] != b[start:end]:
            return index
    return None


def _subtree_root(hashes: bytes) -> bytes:
    """Root over concatenated hashes (a tile, or part of one)."""
    return _root_unchecked([hashes[i : i + HASH_SIZE] for i in range(0, len(hashes), HASH_SIZE)])


class _StateDir:
    """What the last successful check saved, so the next one fetches only what is new.

    - `checkpoint`: the signed checkpoint verified last (written last, atomically);
    - `hashes`: the leaf hashes of that tree, 32 bytes each (the level-0 tiles, packed);
    - `entries/<first>-<last>`: the entries each check fetched, as an entry bundle, so the
      directory is also a plain copy of the log.

    Only the first `checkpoint.size` hashes are ever trusted, so a check that fails or
    is killed half-way leaves nothing that a later one would believe.
    """

    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(path)
        self.entries_dir = os.path.join(self.path, "entries")
        self.incoming = os.path.join(self.entries_dir, ".incoming")
        try:
            os.makedirs(self.entries_dir, mode=0o700, exist_ok=True)
            self._lock = open(os.path.join(self.path, ".lock"), "wb")  # noqa: SIM115 (see close)
        except OSError as exc:
            raise StateError(f"{path}: {exc.strerror or exc}") from None
        if fcntl is not None:  # one check at a time per directory (a witness run from cron)
            try:
                fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                self._lock.close()
                raise StateError(f"{path} is in use by another check") from None
        self._staged: BinaryIO | None = None
        self.staged_range = (0, 0)

    def close(self) -> None:
        """Release the directory (closing the lock file releases the lock)."""
        self._lock.close()

    def checkpoint(self, log_key: Verifier) -> Checkpoint | None:
        """The checkpoint verified last time, re-checked against the pinned key."""
        try:
            with open(os.path.join(self.path, "checkpoint"), "rb") as file:
                raw = file.read()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StateError(f"{self.path}/checkpoint: {exc.strerror or exc}") from None
        try:
            note = parse_note(raw)
            checkpoint = parse_checkpoint(note.text)
        except NoteError as exc:
            raise StateError(f"{self.path}/checkpoint is damaged ({exc})") from None
        if not note.signed_by(log_key) or checkpoint.origin != log_key.name:
            raise StateError(
                f"{self.path}/checkpoint was saved for another log or key: use another --state"
            )
        return checkpoint

    def hashes(self, size: int) -> bytes:
        """The verified leaf hashes of the first `size` entries (fewer if some are missing)."""
        try:
            with open(os.path.join(self.path, "hashes"), "rb") as file:
                data = file.read(size * HASH_SIZE)
        except OSError:
            return b""
        return data[: len(data) - len(data) % HASH_SIZE]

    def stage_entries(self, first: int, count: int, bundle: bytes) -> None:
        """Keep new entries (a bundle of `count` from seq `first`) for the copy, if the check
        passes."""
        if self._staged is None:
            self._staged = open(self.incoming, "wb")  # noqa: SIM115 (closed in commit/discard)
            self.staged_range = (first, first)
        if first != self.staged_range[1]:
            raise ValueError("entries are staged in order")
        self._staged.write(bundle)
        self.staged_range = (self.staged_range[0], first + count)

    def commit(self, note: Note, hashes: bytes, rewrite_from: int, old_size: int) -> None:
        """Save the new tree's hashes and entries, then the checkpoint that vouches for them."""
        path = os.path.join(self.path, "hashes")
        mode = "r+b" if os.path.exists(path) else "wb"
        with open(path, mode) as file:
            file.seek(rewrite_from * HASH_SIZE)
            file.write(hashes[rewrite_from * HASH_SIZE :])
            file.truncate(len(hashes))
            file.flush()
            os.fsync(file.fileno())
        for name in os.listdir(self.entries_dir):  # left by checks that did not finish
            first = name.partition("-")[0]
            if first.isdigit() and int(first) >= old_size:
                os.remove(os.path.join(self.entries_dir, name))
        if self._staged is not None:
            self._staged.close()
            self._staged = None
            first, end = self.staged_range
            if end > first:
                name = f"{first:012d}-{end - 1:012d}"
                os.replace(self.incoming, os.path.join(self.entries_dir, name))
        _write_atomically(os.path.join(self.path, "checkpoint"), note.serialise().encode())

    def discard(self) -> None:
        if self._staged is not None:
            self._staged.close()
            self._staged = None
        with contextlib.suppress(FileNotFoundError):
            os.remove(self.incoming)


def _write_atomically(path: str, data: bytes, mode: int = 0o600) -> None:
    temporary = f"{path}.{os.getpid()}.tmp"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)


def _fetch_in_order(site: Site, paths: Iterable[str]) -> Iterator[bytes | FetchError]:
    """GET each path, `site.workers` at a time, yielding the answers in order.

    At most a few fetches run ahead of the consumer, so memory stays bounded however long
    the log is."""
    if site.workers <= 1:
        for path in paths:
            try:
                yield site.get(path)
            except FetchError as exc:
                yield exc
        return

    def fetch(path: str) -> bytes | FetchError:
        try:
            return site.get(path)
        except FetchError as exc:
            return exc

    window: deque[Future[bytes | FetchError]] = deque()
    with ThreadPoolExecutor(max_workers=site.workers) as pool:
        for path in paths:
            window.append(pool.submit(fetch, path))
            if len(window) >= 4 * site.workers:
                yield window.popleft().result()
        while window:
            yield window.popleft().result()


_POOL_MIN_BUNDLES = 64  # below this, starting processes costs more than it saves
_POOL_BATCH = 32


def _check_bundle_task(task: tuple[int, bytes, int]) -> tuple[bytes, tuple[int, str] | None]:
    return check_bundle(*task)


def _checked_bundles(
    tasks: Iterator[tuple[int, int, bytes, bytes]], count: int
) -> Iterator[tuple[int, int, bytes, bytes, bytes, tuple[int, str] | None]]:
    """check_bundle for each (index, width, bundle, tile), in order; on long logs in a pool
    of processes (one per core), while the next batch is being fetched."""
    cores = os.cpu_count() or 1
    if count < _POOL_MIN_BUNDLES or cores < 2:
        for index, width, bundle, tile in tasks:
            yield index, width, bundle, tile, *check_bundle(index * TILE_WIDTH, bundle, width)
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with context.Pool(cores) as pool:
        pending: tuple[list[tuple[int, int, bytes, bytes]], Any] | None = None
        while True:
            batch = list(itertools.islice(tasks, _POOL_BATCH))
            job = None
            if batch:
                work = [(index * TILE_WIDTH, bundle, width) for index, width, bundle, _ in batch]
                job = pool.map_async(_check_bundle_task, work)
            if pending is not None:
                for task, result in zip(pending[0], pending[1].get(), strict=True):
                    yield *task, *result
            if not batch:
                return
            pending = (batch, job)


class _LogCheck:
    """One run of the check: the steps of `verify_log`, sharing what they fetched."""

    def __init__(self, site: Site, log_key: Verifier, state: _StateDir) -> None:
        self.site, self.log_key, self.state = site, log_key, state
        self.fetched = {"entry bundles": 0, "level-0 tiles": 0, "higher tiles": 0}
        self.from_copy = 0
        self.checked_entries = 0
        self.notes: list[str] = []
        self.hashes = bytearray()  # every leaf hash of the new tree, in order
        self.rewrite_from = 0  # the first entry whose hash was fetched rather than saved

    def _get_tile(self, level: int | str, index: int, width: int) -> bytes:
        path = tile_path(level, index, width)
        try:
            return self.site.get(LOG_PATH + path)
        except FetchError as exc:
            raise self._missing(exc, path, level, index, width) from None

    @staticmethod
    def _missing(exc: FetchError, path: str, level: int | str, index: int, width: int) -> Exception:
        if exc.status != 404:
            return exc
        span = TILE_WIDTH ** (0 if level == "entries" else int(level))
        first = index * TILE_WIDTH * span
        last = first + width * span - 1
        return LogMismatch(
            f"entry {first}: the checkpoint covers entries {first}-{last} but the site does "
            f"not serve {path} (HTTP 404)"
        )

    def level0(self, size: int, old_size: int) -> list[bytes]:
        """Fetch and check every level-0 tile and entry bundle not saved before; collect
        all leaf hashes in `self.hashes` and return the roots of the full tiles."""
        widths = _tile_widths(size)
        saved = self.state.hashes(old_size)
        # Whole tiles inside the tree verified before come from the saved copy.
        from_copy = min(len(saved) // HASH_SIZE, old_size) // TILE_WIDTH
        if size == old_size and len(saved) == size * HASH_SIZE:
            from_copy = len(widths)
        self.hashes += saved[: from_copy * TILE_WIDTH * HASH_SIZE]
        self.from_copy = from_copy
        self.rewrite_from = from_copy * TILE_WIDTH
        wanted = range(from_copy, len(widths))
        paths = []
        for index in wanted:
            paths += [LOG_PATH + tile_path("entries", index, widths[index])]
            paths += [LOG_PATH + tile_path(0, index, widths[index])]
        answers = _fetch_in_order(self.site, paths)

        def tasks() -> Iterator[tuple[int, int, bytes, bytes]]:
            for index in wanted:
                width, bundle, tile = widths[index], next(answers), next(answers)
                for level, data in (("entries", bundle), (0, tile)):
                    if isinstance(data, FetchError):
                        raise self._missing(
                            data, tile_path(level, index, width), level, index, width
                        )
                yield index, width, bundle, tile  # type: ignore[misc]

        for index, width, bundle, tile, leaves, problem in _checked_bundles(tasks(), len(wanted)):
            self._check_tile(index, width, bundle, tile, leaves, problem, old_size, saved)
            self.hashes += leaves
        return [
            _subtree_root(self.hashes[start : start + TILE_WIDTH * HASH_SIZE])
            for start in range(
                0, (size // TILE_WIDTH) * TILE_WIDTH * HASH_SIZE, TILE_WIDTH * HASH_SIZE
            )
        ]

    def _check_tile(
        self,
        index: int,
        width: int,
        bundle: bytes,
        tile: bytes,
        leaves: bytes,
        problem: tuple[int, str] | None,
        old_size: int,
        saved: bytes,
    ) -> None:
        first = index * TILE_WIDTH
        self.fetched["entry bundles"] += 1
        self.fetched["level-0 tiles"] += 1
        self.checked_entries += width
        found: list[tuple[int, int, str]] = []
        if problem is not None:
            found.append((problem[0], 0, problem[1]))
        verified = saved[first * HASH_SIZE : min(old_size, first + width) * HASH_SIZE]
        changed = _first_difference(leaves, verified)
        if changed is not None:
            found.append((first + changed, 1, _REWRITTEN.format(size=old_size)))
        if len(tile) != width * HASH_SIZE:
            found.append((first, 2, f"{tile_path(0, index, width)} holds {len(tile)} bytes"))
        else:
            differs = _first_difference(leaves, tile)
            if differs is not None:
                found.append((first + differs, 2, "its hash in the level-0 tile is not its body's"))
        if found:
            seq, _, reason = min(found)
            raise LogMismatch(f"entry {seq}: {reason}")
        if first >= old_size:
            self.state.stage_entries(first, width, bundle)
        elif first + width > old_size:
            new = parse_entry_bundle(bundle)[old_size - first :]
            self.state.stage_entries(old_size, len(new), format_entry_bundle(new))

    def higher_levels(self, level1: list[bytes], old_size: int) -> None:
        """Compare the level-1+ tiles covering the new part with the hashes recomputed."""
        nodes, level = level1, 1
        while nodes:
            old_count = old_size >> (TILE_HEIGHT * level)
            for index in range(old_count // TILE_WIDTH, -(-len(nodes) // TILE_WIDTH)):
                expected = b"".join(nodes[index * TILE_WIDTH : (index + 1) * TILE_WIDTH])
                width = len(expected) // HASH_SIZE
                try:
                    served = self._get_tile(level, index, width)
                except LogMismatch:
                    self.notes.append(f"level {level} tiles are not served; recomputed instead")
                    return
                self.fetched["higher tiles"] += 1
                if served != expected:
                    span = TILE_WIDTH ** (level + 1)
                    raise LogMismatch(
                        f"entry {index * span}: {tile_path(level, index, width)} disagrees "
                        "with the hashes recomputed from the entries"
                    )
            nodes = [
                root_from_leaf_hashes(nodes[i : i + TILE_WIDTH])
                for i in range(0, len(nodes) - TILE_WIDTH + 1, TILE_WIDTH)
            ]
            level += 1

    def rewritten_entry(self, old_size: int) -> int | None:
        """After a root mismatch: the first entry the site now serves differently from the
        copy verified before (tiles in the saved copy are otherwise not fetched again)."""
        widths = _tile_widths(old_size)
        for index in range(min(self.from_copy, len(widths))):
            first, width = index * TILE_WIDTH, widths[index]
            try:
                served = self.site.get(LOG_PATH + tile_path("entries", index, width))
            except FetchError:
                return first
            leaves, _ = check_bundle(first, served, width)
            verified = bytes(self.hashes[first * HASH_SIZE : (first + width) * HASH_SIZE])
            changed = _first_difference(leaves, verified)
            if changed is not None or len(leaves) != len(verified):
                return first + (changed or 0)
        return None

    def server_proof(self, previous: Checkpoint, checkpoint: Checkpoint) -> None:
        """Check the site's own consistency proof too, when it serves one."""
        query = urllib.parse.urlencode({"old": previous.size, "new": checkpoint.size})
        try:
            raw = self.site.get(f"{CONSISTENCY_PATH}?{query}")
        except FetchError as exc:
            if exc.status != 404:
                raise
            self.notes.append("the site serves no consistency proofs; recomputed instead")
            return
        where = f"checkpoint: the site's consistency proof from size {previous.size}"
        try:
            answer = json.loads(raw)
            fields = answer if isinstance(answer, dict) else {}
            encoded = fields.get("proof")
            if not isinstance(encoded, list):
                raise TypeError
            proof = [base64.b64decode(p, validate=True) for p in encoded]
            roots = {
                k: base64.b64decode(fields[k], validate=True)
                for k in ("old_root", "new_root")
                if k in fields
            }
        except (TypeError, ValueError):  # binascii.Error is a ValueError
            raise LogMismatch(f"{where} is malformed") from None
        if (
            roots.get("old_root", previous.root) != previous.root
            or roots.get("new_root", checkpoint.root) != checkpoint.root
        ):
            raise LogMismatch(f"{where} names other roots than the checkpoints")
        if not verify_consistency(
            previous.size, checkpoint.size, previous.root, checkpoint.root, proof
        ):
            raise LogMismatch(f"{where} to {checkpoint.size} does not verify")
        self.notes.append(f"the site's consistency proof from size {previous.size} verifies")


_REWRITTEN = (
    "it differs from the entry verified in the checkpoint of size {size}: history was rewritten"
)


def verify_log(site: Site, log_key: Verifier, state_dir: str) -> VerifiedLog:
    """Check the site's log against the pinned key and the state saved last time.

    Raises LogMismatch (naming the first bad entry or checkpoint), FetchError or
    StateError; saves the new state only when everything passed."""
    state = _StateDir(state_dir)
    try:
        return _verify_log(site, log_key, state)
    finally:
        state.close()


def _verify_log(site: Site, log_key: Verifier, state: _StateDir) -> VerifiedLog:
    previous = state.checkpoint(log_key)
    note, checkpoint = fetch_checkpoint(site, log_key)
    size, old_size = checkpoint.size, previous.size if previous else 0
    if previous and size < old_size:
        raise LogMismatch(
            f"checkpoint: size {size} is smaller than the {old_size} entries verified "
            "before: the log was cut back (a rollback)"
        )
    if previous and size == old_size and checkpoint.root != previous.root:
        raise LogMismatch(
            f"checkpoint: a different tree of the same size {size} was verified before: "
            "a split view (the site shows different logs to different readers or times)"
        )
    run = _LogCheck(site, log_key, state)
    try:
        level1 = run.level0(size, old_size)

        def root_of(tree_size: int) -> bytes:
            full = tree_size // TILE_WIDTH
            edge = run.hashes[full * TILE_WIDTH * HASH_SIZE : tree_size * HASH_SIZE]
            tops = level1[:full] + ([_subtree_root(bytes(edge))] if edge else [])
            return root_from_leaf_hashes(tops)

        if root_of(size) != checkpoint.root:
            changed = run.rewritten_entry(old_size) if previous else None
            if changed is not None:
                raise LogMismatch(f"entry {changed}: {_REWRITTEN.format(size=old_size)}")
            raise LogMismatch(
                f"checkpoint: its root is not the root of the {size} entries the site serves"
            )
        if previous and root_of(old_size) != previous.root:
            raise LogMismatch(
                f"checkpoint: the first {old_size} entries no longer give the root verified "
                "before: the new tree is not consistent with it"
            )
        if size > old_size:
            run.higher_levels(level1, old_size)
        if previous and old_size and size > old_size:
            run.server_proof(previous, checkpoint)
        state.commit(note, bytes(run.hashes), run.rewrite_from, old_size)
    except BaseException:
        state.discard()
        raise
    cosigners = tuple(
        s.name for s in note.signatures if (s.name, s.key_id) != (log_key.name, log_key.key_id)
    )
    report = [
        f"checkpoint: {checkpoint.origin}, size {size}, root "
        f"{base64.b64encode(checkpoint.root).decode()} (signature verified)",
        "cosigned by: "
        + (
            f"{', '.join(cosigners)} (by name: their keys are not checked here)"
            if cosigners
            else "no witness"
        ),
    ]
    if previous:
        report.append(f"consistent with the checkpoint of size {old_size} verified before")
    else:
        report.append("no checkpoint saved before: this is the first check")
    fetched = ", ".join(f"{count} {what}" for what, count in run.fetched.items())
    report += [
        f"entries: {run.checked_entries} checked (canonical JSON, numbered without gaps)",
        f"fetched: {fetched}; {run.from_copy} level-0 tiles from the saved copy",
        *run.notes,
    ]
    return VerifiedLog(note, checkpoint, previous, cosigners, tuple(report))


def check_log(site: Site, log_key: Verifier, state_dir: str) -> int:
    """Fetch and check the signed checkpoint, tiles and entries; 0 OK, 1 mismatch, 2 unable."""
    try:
        verified = verify_log(site, log_key, state_dir)
    except LogMismatch as exc:
        print(f"MISMATCH: {exc}")
        return 1
    except StateError as exc:
        print(f"could not check: {exc}")
        return 2
    for line in verified.report:
        print(line)
    print(f"OK: saved in {os.path.abspath(state_dir)}")
    return 0


# --- Witnessing (C2SP tlog-cosignature) ------------------------------------------------

COSIGN_PATH = "audit/checkpoints/cosign"
WITNESS_KEY_FILE = "witness.key"
_COSIGN_REFUSALS = {
    400: "it found the cosigned checkpoint malformed",
    403: "it does not know this witness's key (is it in CIVIC_AUDIT_WITNESS_KEYS?)",
    409: "it did not store the checkpoint it served (a split view, or a forged checkpoint)",
}


def default_witness_name() -> str:
    """This machine's host name, made a valid key name (no spaces, no '+')."""
    name = re.sub(r"[\s+]+", "-", socket.gethostname()).strip("-")
    return name or "witness"


def witness_key(state_dir: str, name: str | None = None) -> tuple[Signer, bool]:
    """The witness's own cosignature/v1 key, kept in `state_dir` (mode 0600): (key, new?).

    Created atomically on first use, so two runs starting at once end with one key."""
    path = os.path.join(state_dir, WITNESS_KEY_FILE)
    for _ in range(2):
        try:
            with open(path, encoding="utf-8") as file:
                signer = parse_skey(file.read())
        except FileNotFoundError:
            pass
        except (OSError, UnicodeDecodeError, NoteError) as exc:
            raise StateError(f"{path}: not a witness key ({exc})") from None
        else:
            if signer.alg != ALG_COSIGNATURE_V1:
                raise StateError(f"{path}: not a cosignature/v1 key")
            if name is not None and name != signer.name:
                raise StateError(f"{path} is the key of witness {signer.name!r}, not {name!r}")
            return signer, False
        try:
            signer = generate_signer(name or default_witness_name(), ALG_COSIGNATURE_V1)
        except NoteError as exc:
            raise StateError(f"witness name: {exc}") from None
        try:
            os.makedirs(state_dir, mode=0o700, exist_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue  # another run made it first: use theirs
        except OSError as exc:
            raise StateError(f"{path}: {exc.strerror or exc}") from None
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(signer.skey + "\n")
        return signer, True
    raise StateError(f"{path}: could not be read or created")


def witness(site: Site, log_key: Verifier, state_dir: str, name: str | None = None) -> int:
    """Check the log as `check_log` does, then cosign its checkpoint and send the cosignature.

    Nothing is cosigned unless everything checked: a rollback, a split view or any bad
    entry exits 1 with one line. 0 when the site accepted the cosignature; 1 when the check
    failed or the site refused it; 2 when it could not check or send."""
    try:
        signer, created = witness_key(state_dir, name)
    except StateError as exc:
        print(f"could not witness: {exc}")
        return 2
    if created:
        print(f"new witness key; give the council this verifier key: {signer.verifier.vkey}")
    try:
        verified = verify_log(site, log_key, state_dir)
    except LogMismatch as exc:
        print(f"MISMATCH, not cosigned: {exc}")
        return 1
    except (StateError, FetchError) as exc:
        print(f"could not check: {exc}")
        return 2
    for line in verified.report:
        print(line)
    note, checkpoint = verified.note, verified.checkpoint
    mine = [s for s in note.signatures if (s.name, s.key_id) == (signer.name, signer.key_id)]
    if any(cosignature_time(signer.verifier, note.text, s) is not None for s in mine):
        print(f"already cosigned by {signer.name}: size {checkpoint.size}; nothing to send")
        return 0
    others = tuple(s for s in note.signatures if s not in mine)
    cosignature = cosign(signer, note.text, int(time.time()))
    body = Note(note.text, (*others, cosignature)).serialise()
    if site.post is None:
        print("could not send the cosignature: this site cannot be posted to")
        return 2
    try:
        status, answer = site.post(COSIGN_PATH, body.encode())
    except FetchError as exc:
        print(f"could not send the cosignature: {exc}")
        return 2
    said = answer.decode("utf-8", "replace").strip().splitlines()
    reason = f" ({said[0][:200]})" if said else ""
    if status == 200:
        print(f"cosigned as {signer.name}: size {checkpoint.size}, accepted by {site.base}")
        return 0
    if status in _COSIGN_REFUSALS:
        print(f"REFUSED: {site.base} answered {status}: {_COSIGN_REFUSALS[status]}{reason}")
        return 1
    print(f"could not send the cosignature: {site.base} answered {status}{reason}")
    return 2


# --- Receipts --------------------------------------------------------------------------
#
# A receipt code is the first 80 bits of a ballot's tracker (SHA-256 of the canonical
# ballot followed by a random 32-byte nonce, DESIGN §4) in Crockford's base32, grouped in
# fours: `7KQ2-M9XD-4HVA-0TNE`. Digits and capitals without I, L, O or U, so it can be read
# out over the phone and typed from paper; typing is forgiving (case, spaces, dashes, and
# I, L, O read as 1, 1, 0, as Crockford's decoding rules say).

RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECEIPT_CHARS = 16  # 80 bits
PRINTED_RECEIPT = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(?:-[0-9A-HJKMNP-TV-Z]{4}){3}$")
_RECEIPT_LOOKALIKES = str.maketrans({"I": "1", "L": "1", "O": "0"})


class ReceiptError(ValueError):
    """Text that is not a receipt code; the message says why, in words for the person."""


def receipt_code(tracker: bytes) -> str:
    """The receipt code shown to a voter for a ballot whose tracker (a SHA-256) is given."""
    if len(tracker) * 8 < RECEIPT_CHARS * 5:
        raise ValueError("a tracker has at least 80 bits")
    number = int.from_bytes(tracker[:10], "big")
    chars = [RECEIPT_ALPHABET[(number >> (5 * i)) & 31] for i in reversed(range(RECEIPT_CHARS))]
    text = "".join(chars)
    return "-".join(text[i : i + 4] for i in range(0, RECEIPT_CHARS, 4))


def parse_receipt(text: str) -> str:
    """The receipt code in its printed form (`XXXX-XXXX-XXXX-XXXX`), from what someone typed.

    Raises ReceiptError with a reason when it cannot be a code (never guesses a near one)."""
    squeezed = "".join(str(text or "").split()).replace("-", "").upper()
    if not squeezed:
        raise ReceiptError("Enter the receipt code, like 7KQ2-M9XD-4HVA-0TNE")
    squeezed = squeezed.translate(_RECEIPT_LOOKALIKES)
    bad = sorted({c for c in squeezed if c not in RECEIPT_ALPHABET})
    if bad:
        shown = ", ".join(repr(c) for c in bad[:3])
        raise ReceiptError(
            f"A receipt code has only digits and the letters A to Z without I, L, O and U; "
            f"yours has {shown}"
        )
    if len(squeezed) != RECEIPT_CHARS:
        raise ReceiptError(
            f"A receipt code has {RECEIPT_CHARS} letters and digits; yours has {len(squeezed)}"
        )
    return "-".join(squeezed[i : i + 4] for i in range(0, RECEIPT_CHARS, 4))


def _http_status(exc: FetchError) -> int | None:
    match = re.search(r"HTTP (\d{3})$", str(exc))
    return int(match.group(1)) if match else None


def _describe_ballot(ballot: dict, titles: dict[str, str]) -> str:
    if "choice" in ballot:
        return f"a vote {ballot['choice']}"
    projects = ballot.get("projects") or []
    if not projects:
        return "a blank ballot (no project chosen)"
    points = ballot.get("points") or [1] * len(projects)
    with_points = any(p != 1 for p in points)
    named = [
        f"{titles.get(p, p)} [{p}]" + (f": {n} points" if with_points else "")
        for p, n in zip(projects, points, strict=False)
    ]
    return "; ".join(named)


def check_receipt(site: Site, code: str) -> int:
    """Find a receipt among the published ballots and print the ballot as counted.

    The site's lookup (`/receipts/<code>.json`) only says where to look; the answer comes
    from the published list of ballots itself (the one a recount uses), so a server that
    lies in its lookup but publishes honest ballots is caught. Exit 0: found and counted;
    1: not in the list, replaced, withdrawn, or not published yet; 2: the code is malformed
    or the site could not be read."""
    try:
        code = parse_receipt(code)
    except ReceiptError as exc:
        print(f"not a receipt code: {exc}")
        return 2
    try:
        return _find_receipt(site, code)
    except FetchError as exc:
        print(f"could not check: {exc}")
        return 2


def _find_receipt(site: Site, code: str) -> int:
    try:
        found = site.get_json(f"/receipts/{code}.json")
    except FetchError as exc:
        if _http_status(exc) == 404:
            print(f"{code}: {site.base} does not know this receipt code")
            return 1
        raise
    if not isinstance(found, dict):
        print(f"{code}: the site's answer is not a receipt")
        return 1
    if not isinstance(found.get("ballots_url"), str):
        # still open, or too few ballots to publish: nothing to check against yet
        print(f"{code}: {found.get('message') or 'no published list of ballots names it'}")
        return 1
    published = site.get_json(found["ballots_url"])
    ballots = published.get("ballots") if isinstance(published, dict) else published
    replaced = published.get("replaced") if isinstance(published, dict) else None
    withdrawn = None  # a budget round's codes whose voters withdrew before the close
    if replaced is None and isinstance(found.get("replaced_url"), str):
        retired = site.get_json(found["replaced_url"])
        replaced = retired.get("replaced") if isinstance(retired, dict) else retired
        withdrawn = retired.get("withdrawn") if isinstance(retired, dict) else None
    if not isinstance(ballots, list):
        print(f"{found['ballots_url']}: not a list of ballots")
        return 1
    what = found.get("title") or found.get("subject") or "the ballot box"
    mine = [b for b in ballots if isinstance(b, dict) and b.get("receipt") == code]
    if len(mine) > 1:
        print(f"{code}: listed {len(mine)} times among the published ballots of {what}")
        return 1
    if mine:
        titles = found.get("projects") if isinstance(found.get("projects"), dict) else {}
        print(f"{code}: counted in {what} ({len(ballots)} published ballots)")
        print(f"  as cast: {_describe_ballot(mine[0], titles)}")
        return 0
    if isinstance(replaced, list) and code in replaced:
        print(f"{code}: replaced by a later ballot from the same voter in {what}; not counted")
        return 1
    if isinstance(withdrawn, list) and code in withdrawn:
        print(f"{code}: withdrawn by its voter before {what} closed; not counted")
        return 1
    print(f"{code}: not among the {len(ballots)} published ballots of {what}")
    return 1


# --- Recounts --------------------------------------------------------------------------
#
# A recount reads only what a Civic site publishes and shares no code with it: a small
# Pabulib reader, the input fingerprint, and the rules Civic offers, written afresh in exact
# arithmetic (plain rather than fast: Civic's own NumPy code is checked against this one in
# tests/audit/test_recount_rules.py).


class RecountError(ValueError):
    """Published data a recount cannot read (a malformed file, a missing field)."""


PABULIB_RULES = {
    "greedy": "greedy",
    "greedy-no-skip": "greedy-no-skip",
    "greedy-threshold": "greedy-threshold",
    "equalshares": "mes",
    "equalshares/add1": "mes-add1",
}
"""Pabulib's META `rule` names for the rules Civic offers, and Civic's names for them."""

PbBallot = tuple[tuple[str, ...], tuple[int, ...] | None]

MINOR_PER_UNIT = 100
"""results.json gives money in minor units (pence, cents); rules count whole units."""


@dataclass(frozen=True)
class PabulibData:
    """What a recount needs from a `.pb` file: META, (project id, cost) in file order, and
    each ballot as it is written (projects in ballot order, points if there is a column)."""

    meta: dict[str, str]
    projects: list[tuple[str, int]]
    votes: list[PbBallot]

    @property
    def vote_type(self) -> str:
        return self.meta.get("vote_type", "approval")

    @property
    def budget(self) -> int:
        """META budget in whole units, rounded down (as Civic counts a fractional budget)."""
        return int(_pb_number(self.meta.get("budget", ""), "META budget", 0, whole=False))


def _pb_number(text: str, what: str, line: int, *, whole: bool = True) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise RecountError(f"ballots.pb line {line}: {what} {text!r} is not a number") from None
    if not value.is_finite() or (whole and value != value.to_integral_value()):
        raise RecountError(f"ballots.pb line {line}: {what} {text!r} is not a whole number")
    return value


def read_pabulib(text: str) -> PabulibData:
    """Read Pabulib text: sections META, PROJECTS and VOTES, each a title row, a header row
    and `;`-separated rows with CSV quoting. Raises RecountError naming the line."""
    sections: dict[str, tuple[list[str], list[tuple[int, list[str]]]]] = {}
    current = None
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=";")
    try:
        for row in reader:
            cells = [c.strip() for c in row]
            if not any(cells):
                continue
            title = cells[0].upper() if not any(cells[1:]) else ""
            if title in ("META", "PROJECTS", "VOTES"):
                if title in sections:
                    raise RecountError(f"ballots.pb line {reader.line_num}: second {title}")
                current = title
                sections[title] = ([], [])
            elif current is None:
                raise RecountError(f"ballots.pb line {reader.line_num}: no section title")
            elif not sections[current][0]:
                sections[current] = (cells, [])
            else:
                sections[current][1].append((reader.line_num, cells))
    except csv.Error as exc:
        raise RecountError(f"ballots.pb line {reader.line_num}: {exc}") from None
    for name in ("META", "PROJECTS", "VOTES"):
        if name not in sections:
            raise RecountError(f"ballots.pb has no {name} section")

    def rows(name: str, needed: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
        header, body = sections[name]
        missing = [c for c in needed if c not in header]
        if missing:
            raise RecountError(f"ballots.pb: the {name} header lacks {', '.join(missing)}")
        out = []
        for line, cells in body:
            if len(cells) != len(header):
                raise RecountError(
                    f"ballots.pb line {line}: {len(cells)} fields, not {len(header)}"
                )
            out.append((line, dict(zip(header, cells, strict=True))))
        return out

    meta = {r["key"]: r["value"] for _, r in rows("META", ("key", "value"))}
    projects = []
    for line, r in rows("PROJECTS", ("project_id", "cost")):
        cost = _pb_number(r["cost"], f"cost of {r['project_id']!r}", line)
        projects.append((r["project_id"], int(cost)))
    known = {p for p, _ in projects}
    if len(known) != len(projects):
        raise RecountError("ballots.pb: a project id appears twice")
    votes: list[PbBallot] = []
    for line, r in rows("VOTES", ("voter_id", "vote")):
        chosen = tuple(p.strip() for p in r["vote"].split(",")) if r["vote"] else ()
        unknown = [p for p in chosen if p not in known]
        if unknown:
            raise RecountError(f"ballots.pb line {line}: unknown project {unknown[0]!r}")
        points = None
        if "points" in r:
            items = r["points"].split(",") if r["points"] else []
            points = tuple(int(_pb_number(p, "points", line)) for p in items)
            if len(points) != len(chosen):
                raise RecountError(f"ballots.pb line {line}: points and vote differ in length")
        votes.append((chosen, points))
    return PabulibData(meta, projects, votes)


def counted_ballot(
    vote_type: str, projects: Sequence[str], points: Sequence[int] | None
) -> PbBallot:
    """A ballot as Civic counts it: approval and choose-1 a sorted set; ordinal in order, each
    project at its first place; cumulative and scoring the points per project summed and
    sorted by project id."""
    if vote_type in ("cumulative", "scoring"):
        if points is None or len(points) != len(projects):
            raise RecountError(f"{vote_type} ballots need one points value per project")
        total: dict[str, int] = {}
        for p, value in zip(projects, points, strict=True):
            total[p] = total.get(p, 0) + value
        ids = tuple(sorted(total))
        return ids, tuple(total[p] for p in ids)
    if vote_type == "ordinal":
        return tuple(dict.fromkeys(projects)), None
    return tuple(sorted(set(projects))), None


def input_fingerprint(
    budget: int, costs: Sequence[tuple[str, int]], vote_type: str, ballots: Sequence[PbBallot]
) -> str:
    """The fingerprint Civic publishes as `input_digest`, recomputed from published data.

    Recipe: take every ballot as it is counted (:func:`counted_ballot`); count how many
    voters cast each distinct one; write the JSON object
    {"budget": whole units, "costs": [[project id, whole-unit cost], ...] in ballot-paper
    order, "vote_type": ..., "ballots": [[projects], [points] or null, voters], ...]} with the
    ballots sorted (as lists compare: by projects, then points); serialise it as RFC 8785
    canonical JSON and take the SHA-256, in hex."""
    counted: dict[tuple, int] = {}
    for projects, points in ballots:
        key = counted_ballot(vote_type, projects, points)
        counted[key] = counted.get(key, 0) + 1
    body = {
        "budget": budget,
        "costs": [[p, c] for p, c in costs],
        "vote_type": vote_type,
        "ballots": sorted([list(p), list(w) if w else None, n] for (p, w), n in counted.items()),
    }
    return hashlib.sha256(canonical_json(body)).hexdigest()


@dataclass(frozen=True)
class RecountResult:
    """Winners in selection order, their total cost, each project's (votes, score or None),
    and for MES the final per-voter share and Add1's added units."""

    selected: tuple[str, ...]
    cost: int
    support: dict[str, tuple[int, int | None]]
    share: Fraction | None = None
    increment: int | None = None


def recount_rule(
    rule: str,
    costs: Sequence[tuple[str, int]],
    budget: int,
    vote_type: str,
    ballots: Sequence[PbBallot],
    *,
    threshold: int | None = None,
    borda_top: int | None = None,
) -> RecountResult:
    """Run one of Civic's rules the way Civic states it:

    - greedy forms: projects by support, most first, ties in ballot-paper order; `greedy`
      skips what no longer fits, `greedy-no-skip` stops there; a threshold (required by
      `greedy-threshold`, applied by any greedy form that has one) leaves out projects with
      less support. Support: voters (approval), points (cumulative, scoring), Borda points
      for ranked ballots (first place `borda_top`, one fewer each next place, default the
      longest ballot).
    - `mes`: the Method of Equal Shares with cost utilities (a voter's benefit from a project
      is its cost if they voted for it, its cost times their points on cumulative ballots,
      its cost for any ranked project). Every voter starts with budget / voters; each round
      funds the project whose supporters can pay for it at the lowest price per unit of
      benefit, each paying that price times their benefit or all they have left. Ties:
      lowest cost, then most votes, then ballot-paper order. Supported projects that cost
      nothing are funded first.
    - `mes-add1`: rerun MES with every voter's share one unit higher while the result still
      fits the budget; keep the last that fits (all supported projects if they all fit).
    """
    order = [p for p, _ in costs]
    cost_of = dict(costs)
    counted: dict[PbBallot, int] = {}
    for projects, points in ballots:
        key = counted_ballot(vote_type, projects, points)
        counted[key] = counted.get(key, 0) + 1
    if rule.startswith("greedy"):
        if rule == "greedy-threshold" and threshold is None:
            raise RecountError("greedy-threshold needs a threshold")
        top = borda_top or max((len(p) for p, _ in counted), default=0)
        return _greedy_recount(rule, order, cost_of, budget, vote_type, counted, threshold, top)
    if rule not in ("mes", "mes-add1"):
        raise RecountError(f"unknown rule {rule!r}")
    groups = []
    for (projects, points), n in counted.items():
        weights = points if points is not None else (1,) * len(projects)
        groups.append((n, {p: w for p, w in zip(projects, weights, strict=True) if w > 0}))
    # each project's supporters: (group, weight, voters, voters x weight)
    backers: dict[str, list[tuple[int, int, int, int]]] = {p: [] for p in order}
    for g, (n, weights) in enumerate(groups):
        for p, w in weights.items():
            backers[p].append((g, w, n, n * w))
    voters = len(ballots)
    votes = {p: sum(n for _, _, n, _ in backers[p]) for p in order}
    support = {p: (votes[p], None) for p in order}
    base = Fraction(budget, voters) if voters else Fraction(0)

    def run(share: Fraction) -> tuple[str, ...]:
        return _equal_shares(order, cost_of, backers, len(groups), votes, share)

    if rule == "mes" or not voters:
        share, increment = base, (None if rule == "mes" else 0)
    else:
        everything = sum(cost_of[p] for p in order if votes[p])
        if everything <= budget:
            increment = max(0, math.ceil(everything - base))
        else:
            increment = 0
            while sum(cost_of[p] for p in run(base + increment + 1)) <= budget:
                increment += 1
        share = base + increment
    selected = run(share)
    return RecountResult(selected, sum(cost_of[p] for p in selected), support, share, increment)


def _greedy_recount(rule, order, cost_of, budget, vote_type, counted, threshold, top):
    votes = dict.fromkeys(order, 0)
    score = dict.fromkeys(order, 0)
    for (projects, points), n in counted.items():
        if points is not None:
            weights = list(points)
        elif vote_type == "ordinal":
            weights = [max(top - place, 0) for place in range(len(projects))]
        else:
            weights = [1] * len(projects)
        for p, w in zip(projects, weights, strict=True):
            score[p] += w * n
            votes[p] += n if w > 0 else 0
    ranked = sorted(order, key=lambda p: -score[p])  # stable: ties keep ballot-paper order
    left, selected = budget, []
    for p in ranked:
        if threshold is not None and score[p] < threshold:
            continue
        if cost_of[p] <= left:
            selected.append(p)
            left -= cost_of[p]
        elif rule == "greedy-no-skip":
            break
    support = {p: (votes[p], score[p]) for p in order}
    return RecountResult(tuple(selected), budget - left, support)


def _equal_shares(order, cost_of, backers, groups, votes, share: Fraction) -> tuple[str, ...]:
    """One run of MES from `share` per voter, on `groups` groups of identical ballots, each
    project's `backers` given as (group, weight, voters, voters x weight).

    Exact, in integers: every group's money is a numerator over one common denominator,
    which grows when a price needs it. A project's price per unit of benefit (rho) never
    falls from one round to the next, since money only shrinks; so last round's rho is a
    lower bound, and projects whose bound is already worse than the best found need no
    pricing."""
    denominator = share.denominator
    money = [share.numerator] * groups
    rank = {p: (cost_of[p], -votes[p], i) for i, p in enumerate(order)}
    funded = [p for p in order if votes[p] and not cost_of[p]]
    left = [p for p in order if votes[p] and cost_of[p]]
    bound = dict.fromkeys(left, Fraction(0))
    while left:
        best = None  # (rho, project, owed, weight): the price per unit of weight is
        # owed / weight over the denominator, and rho that price / cost
        for p in sorted(left, key=bound.__getitem__):
            if best is not None and bound[p] > best[0]:
                break
            owed = cost_of[p] * denominator
            if sum(n * money[g] for g, _, n, _ in backers[p]) < owed:
                left.remove(p)
                continue
            weight = sum(nw for *_, nw in backers[p])
            # those who cannot pay the price for their weight pay all they have, which
            # raises the price for the rest: repeat until everyone left can pay it
            rich, poor = backers[p], [None]
            while poor:
                short = [money[g] * weight < owed * w for g, w, _, _ in rich]
                poor = [b for b, s in zip(rich, short, strict=True) if s]
                rich = [b for b, s in zip(rich, short, strict=True) if not s]
                owed -= sum(n * money[g] for g, _, n, _ in poor)
                weight -= sum(nw for *_, nw in poor)
            rho = bound[p] = Fraction(owed, denominator * weight * cost_of[p])
            if best is None or (rho, rank[p]) < (best[0], rank[best[1]]):
                best = (rho, p, owed, weight)
        if best is None:
            break
        _, p, owed, weight = best
        scale = weight // math.gcd(owed, weight)
        if scale > 1:
            denominator *= scale
            money = [m * scale for m in money]
        unit = owed * scale // weight  # the price per unit of weight, over the denominator
        for g, w, _, _ in backers[p]:
            money[g] = max(money[g] - unit * w, 0)
        funded.append(p)
        left.remove(p)
    return tuple(funded)


def _difference(what: str, published: object, recounted: object) -> str | None:
    return (
        None if published == recounted else f"{what}: published {published}, recounted {recounted}"
    )


def _projects_difference(
    published: Sequence[tuple[str, int]], in_file: Sequence[tuple[str, int]]
) -> str | None:
    """Name the first project whose id or cost differs between results.json and ballots.pb."""
    for n, (a, b) in enumerate(zip(published, in_file, strict=False), start=1):
        if a != b:
            return (
                f"project #{n}: results.json has {a[0]} costing {a[1]}, "
                f"ballots.pb has {b[0]} costing {b[1]}"
            )
    if len(published) != len(in_file):
        return f"results.json lists {len(published)} projects, ballots.pb {len(in_file)}"
    return None


def _winner_difference(published: Sequence[str], recounted: Sequence[str]) -> str | None:
    """Name the first winner that differs: one funded only by one side, else the order."""
    only_published = [p for p in published if p not in recounted]
    only_recounted = [p for p in recounted if p not in published]
    if only_published or only_recounted:
        parts = []
        if only_published:
            parts.append(f"published as funded but not by the recount: {', '.join(only_published)}")
        if only_recounted:
            parts.append(f"funded by the recount but not published: {', '.join(only_recounted)}")
        return "winners differ: " + "; ".join(parts)
    for n, (a, b) in enumerate(zip(published, recounted, strict=True), start=1):
        if a != b:
            return f"winners in a different order: #{n} is {a} as published, {b} recounted"
    return None


def _report(title: str, checks: Sequence[tuple[str, str | None]]) -> int:
    """Print each check (what was compared, and the difference or None); exit status."""
    print(title)
    for what, difference in checks:
        print(f"  {'DIFFERS' if difference else 'ok':8} {difference or what}")
    first = next((d for _, d in checks if d), None)
    if first:
        print(f"Recount differs from the published results: {first}")
        return 1
    print("Recount agrees with the published results.")
    return 0


def recount_round(site: Site, slug: str) -> int:
    """Recount a budget round from its `results.json` and `ballots.pb`."""
    quoted = urllib.parse.quote(slug)
    published = site.get_json(f"/budgets/{quoted}/results.json")
    try:
        pb = read_pabulib(site.get(f"/budgets/{quoted}/ballots.pb").decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise RecountError("ballots.pb is not UTF-8 text") from None
    try:
        rule = published["rule"]
        settings = published["recount"]
        listed = [(p["id"], p["cost"] // MINOR_PER_UNIT) for p in published["projects"]]
        shares = published.get("equal_shares") or {}
        claimed = (published["input_digest"], list(published["selected"]), published["cost"])
        budget_minor, ballots = published["budget"], published["ballots"]
        figures = {p["id"]: (p["votes"], p["score"]) for p in published["projects"]}
        if not isinstance(settings, dict) or not isinstance(shares, dict):
            raise TypeError
    except (KeyError, TypeError):
        raise RecountError("results.json lacks a field a recount needs") from None
    vote_type, budget = settings.get("vote_type"), pb.budget
    counted = recount_rule(
        rule,
        pb.projects,
        budget,
        vote_type,
        pb.votes,
        threshold=settings.get("threshold"),
        borda_top=settings.get("borda_top"),
    )
    digest = input_fingerprint(budget, pb.projects, vote_type, pb.votes)
    minor = {p["id"]: p["cost"] for p in published["projects"]}
    winners_minor = sum(minor.get(p, 0) for p in counted.selected)
    checks = [
        (
            "the rule in ballots.pb is the published one",
            _difference("rule", rule, PABULIB_RULES.get(pb.meta.get("rule", ""))),
        ),
        (
            "the vote type in ballots.pb is the published one",
            _difference("vote type", vote_type, pb.vote_type),
        ),
        (
            "the budget in ballots.pb is the published one",
            _difference("budget in whole units", budget_minor // MINOR_PER_UNIT, budget),
        ),
        (
            f"{len(pb.votes)} ballots, as published",
            _difference("number of ballots", ballots, len(pb.votes)),
        ),
        (
            f"{len(pb.projects)} projects with the published costs",
            _projects_difference(listed, pb.projects),
        ),
        (f"input fingerprint {digest}", _difference("input fingerprint", claimed[0], digest)),
        (
            f"winners: {', '.join(counted.selected) or 'none'}",
            _winner_difference(claimed[1], counted.selected),
        ),
        (
            f"cost of the winners {counted.cost:,}",
            _difference("cost of the winners in minor units", claimed[2], winners_minor),
        ),
    ]
    for project, (votes, score) in counted.support.items():
        if project in figures:
            said = f"{votes} voters" + ("" if score is None else f", {score} in support")
            what = f"support for {project}: {said}"
            checks.append(
                (
                    what,
                    _difference(f"support for {project}", list(figures[project]), [votes, score]),
                )
            )
    if shares:
        share = f"{counted.share.numerator}/{counted.share.denominator}"
        checks.append(
            (
                f"final share per voter {share} (about {float(counted.share):,.2f})",
                _difference("final share per voter", shares.get("share"), share),
            )
        )
        if counted.increment is not None:
            checks.append(
                (
                    f"Add1 added {counted.increment} units per voter",
                    _difference("units Add1 added", shares.get("increment"), counted.increment),
                )
            )
    title = published.get("title", slug)
    return _report(f"Recount of {title!r} by {rule}, from {site.base}:", checks)


VOTE_CHOICES = ("for", "against")


def vote_outcome(
    eligible: int, votes_for: int, votes_against: int, quorum_percent: int, majority: str
) -> str:
    """Civic's rule for a proposal vote: the quorum first (votes cast at least
    `quorum_percent` of the eligible), then the majority of votes cast: "simple" is more
    than half for, "two_thirds" at least two thirds for."""
    cast = votes_for + votes_against
    if eligible <= 0 or cast * 100 < quorum_percent * eligible:
        return "quorum_not_met"
    if majority == "simple":
        return "passed" if votes_for * 2 > cast else "rejected"
    if majority == "two_thirds":
        return "passed" if cast and votes_for * 3 >= cast * 2 else "rejected"
    raise RecountError(f"unknown majority rule {majority!r}")


def published_choices(data: object) -> list[str]:
    """The choices in a proposal's published ballots: a list of ballots (or an object whose
    "ballots" is one), each an object with a "choice" of "for" or "against"."""
    ballots = data.get("ballots") if isinstance(data, dict) else data
    if not isinstance(ballots, list):
        raise RecountError("the published ballots are not a list")
    choices = []
    for ballot in ballots:
        choice = ballot.get("choice") if isinstance(ballot, dict) else None
        if choice not in VOTE_CHOICES:
            raise RecountError(f"a published ballot has no choice of for or against: {ballot!r}")
        choices.append(choice)
    return choices


def recount_vote(site: Site, proposal_id: int) -> int:
    """Recount a proposal vote: its published ballots (if any) give the for and against
    counts, and the quorum and majority rule the outcome."""
    published = site.get_json(f"/api/v1/proposals/{proposal_id}")
    try:
        vote = published["vote"]
        claimed_for, claimed_against, outcome = vote["for"], vote["against"], vote["outcome"]
        eligible = vote["turnout"]["eligible"]
        quorum, majority = vote["quorum_percent"] or 0, vote["majority"]
    except (KeyError, TypeError):
        raise RecountError("the proposal's JSON lacks a field a recount needs") from None
    if outcome is None:
        print(f"Proposal {proposal_id} has no result yet: it is recounted once voting closes.")
        return 2
    checks = []
    try:
        choices = published_choices(site.get_json(f"/votes/{proposal_id}/ballots.json"))
    except FetchError:
        counted_for, counted_against = claimed_for, claimed_against
        checks.append(
            (
                f"no ballots are published for this vote: taking its published {counted_for} "
                f"for and {counted_against} against as they are",
                None,
            )
        )
    else:
        counted_for, counted_against = choices.count("for"), choices.count("against")
        checks.append((f"{len(choices)} published ballots", None))
        checks.append((f"{counted_for} for", _difference("votes for", claimed_for, counted_for)))
        checks.append(
            (
                f"{counted_against} against",
                _difference("votes against", claimed_against, counted_against),
            )
        )
    recounted = vote_outcome(eligible, counted_for, counted_against, quorum, majority)
    checks.append(
        (
            f"outcome {recounted} ({quorum}% quorum of {eligible}, {majority} majority)",
            _difference("outcome", outcome, recounted),
        )
    )
    title = published.get("title", proposal_id)
    return _report(f"Recount of the vote on {title!r}, from {site.base}:", checks)


_ROUND_PATH = re.compile(r"(.*)/budgets/([^/]+)(?:/results(?:\.json)?)?/?")
_VOTE_PATH = re.compile(r"(.*)/votes/([0-9]+)/?")


def recount_target(url: str) -> tuple[str, str, str]:
    """(site base URL, "round" or "vote", slug or id) from a round's or a vote's page URL."""
    parts = urllib.parse.urlsplit(url)
    for kind, pattern in (("vote", _VOTE_PATH), ("round", _ROUND_PATH)):
        if match := pattern.fullmatch(parts.path):
            base = urllib.parse.urlunsplit((parts.scheme, parts.netloc, match[1], "", ""))
            return base, kind, urllib.parse.unquote(match[2])
    raise RecountError(f"{url}: give a round's page (…/budgets/<round>) or a vote's (…/votes/<n>)")


def recount(url: str, get: Callable[[str], bytes] | None = None) -> int:
    """Recount a round or a vote from its published data; 0 agrees, 1 differs (naming the
    first difference), 2 could not recount. `get` replaces fetching over HTTP (tests)."""
    try:
        base, kind, key = recount_target(url)
        site = Site(base.rstrip("/"), get) if get else Site.at(base)
        return recount_round(site, key) if kind == "round" else recount_vote(site, int(key))
    except (RecountError, FetchError) as exc:
        print(f"could not recount: {exc}")
        return 2


# --- Command line ----------------------------------------------------------------------


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m civic.audit.verifier",
        description="Check a Civic site's public records without trusting its database.",
    )
    parser.add_argument("url", help="the site's address, e.g. https://civic.example.org")
    parser.add_argument("--key", help="the log's verifier key, as published at /audit/key")
    parser.add_argument("--state", help="directory that keeps what was checked last time")
    parser.add_argument(
        "--cosign",
        action="store_true",
        help="as a witness: after the check, cosign the checkpoint and send the cosignature "
        "(the witness key is made in --state on first use)",
    )
    parser.add_argument("--name", help="the witness's name on first use (default: host name)")
    parser.add_argument("--receipt", metavar="CODE", help="check one ballot receipt")
    parser.add_argument("--recount", action="store_true", help="recount the round or vote at URL")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Exit 0 when everything checked holds; 1 on a mismatch; 2 when it could not check."""
    args = _arguments(argv)
    try:
        if args.receipt:
            return check_receipt(Site.at(args.url), args.receipt)
        if args.recount:
            return recount(args.url)
        if not (args.key and args.state):
            print("give --key (the log's verifier key) and --state (a directory)")
            return 2
        if args.cosign:
            return witness(Site.at(args.url), parse_vkey(args.key), args.state, args.name)
        return check_log(Site.at(args.url), parse_vkey(args.key), args.state)
    except (FetchError, NoteError) as exc:
        print(f"could not check: {exc}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
