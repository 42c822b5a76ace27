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
import hashlib
import json
import re
import struct
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

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
    if not hashes:
        return EMPTY_ROOT
    level = list(hashes)
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


def canonical_json(value: object) -> bytes:
    """RFC 8785 canonical JSON for what Civic logs (objects, arrays, strings, integers,
    booleans, null; never floats). For these, sorted keys, no spaces and unescaped
    non-ASCII are exactly RFC 8785, so the standard library suffices here."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


# --- Fetching from a Civic site --------------------------------------------------------

MAX_RESPONSE_BYTES = 64 * 1024 * 1024


class FetchError(Exception):
    """A page or file could not be fetched (network, HTTP status, or too large)."""


@dataclass(frozen=True)
class Site:
    """A Civic site to check: its base URL and how to GET a path from it.

    `get` is replaceable so tests can point the verifier at a Flask test client; the
    default uses urllib with a timeout and a size cap, so a hostile server cannot hang
    or exhaust the checker."""

    base: str
    get: Callable[[str], bytes]

    @classmethod
    def at(cls, base: str, timeout: float = 30.0) -> Site:
        base = base.rstrip("/")
        scheme = urllib.parse.urlsplit(base).scheme
        if scheme not in ("http", "https"):
            raise FetchError(f"{base}: give an http:// or https:// address")

        def get(path: str) -> bytes:
            url = f"{base}/{path.lstrip('/')}"
            request = urllib.request.Request(url, headers={"User-Agent": "civic-verifier/1"})  # noqa: S310
            try:
                with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                    data = response.read(MAX_RESPONSE_BYTES + 1)
            except urllib.error.HTTPError as exc:
                raise FetchError(f"{url}: HTTP {exc.code}") from None
            except (urllib.error.URLError, OSError) as exc:
                raise FetchError(f"{url}: {exc}") from None
            if len(data) > MAX_RESPONSE_BYTES:
                raise FetchError(f"{url}: larger than {MAX_RESPONSE_BYTES} bytes")
            return data

        return cls(base, get)

    def get_json(self, path: str) -> object:
        try:
            return json.loads(self.get(path))
        except ValueError:
            raise FetchError(f"{self.base}/{path.lstrip('/')}: not JSON") from None


# --- Checking the log from its tiles ---------------------------------------------------


def check_log(site: Site, log_key: Verifier, state_dir: str) -> int:
    """Fetch and check the signed checkpoint, tiles and entries (being built: issue 11)."""
    print("checking the log is not built yet")
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
    1: not in the list, replaced, or not published yet; 2: the code is malformed or the
    site could not be read."""
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
    if replaced is None and isinstance(found.get("replaced_url"), str):
        replaced = site.get_json(found["replaced_url"])
        replaced = replaced.get("replaced") if isinstance(replaced, dict) else replaced
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
    print(f"{code}: not among the {len(ballots)} published ballots of {what}")
    return 1


# --- Recounts --------------------------------------------------------------------------


def recount(url: str) -> int:
    """Recount a round or a vote from its published ballots (being built: issue 11)."""
    print("recounting is not built yet")
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
        return check_log(Site.at(args.url), parse_vkey(args.key), args.state)
    except (FetchError, NoteError) as exc:
        print(f"could not check: {exc}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
