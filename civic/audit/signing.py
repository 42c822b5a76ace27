"""The log's signing key and the witness keys Civic accepts cosignatures from.

A checkpoint is only worth saving if it is signed by a key outsiders can pin: the key's
name is the log's origin (C2SP tlog-checkpoint), and its verifier key is published at
`/audit/key`. The key comes from `CIVIC_AUDIT_SIGNING_KEY`, or is generated once into
`instance/audit-signing.key`; changing either the key or the origin starts a new log
identity, which every witness and saved checkpoint will (rightly) refuse to follow.

Settings are checked when the app starts (`init_app`), so a malformed key stops Civic with
one readable line instead of failing on the first close.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask, current_app

from civic.audit.verifier import (
    ALG_COSIGNATURE_V1,
    ALG_ED25519,
    NoteError,
    Signer,
    Verifier,
    generate_signer,
    parse_skey,
    parse_vkey,
)
from civic.config import ConfigurationError

DEFAULT_ORIGIN = "localhost/civic"
KEY_FILE_NAME = "audit-signing.key"
MAX_WITNESS_NAME = 255  # the width of audit_cosignature.witness


def key_file(app: Flask) -> Path:
    """Where a generated key lives: AUDIT_SIGNING_KEY_FILE, or instance/audit-signing.key."""
    configured = app.config.get("AUDIT_SIGNING_KEY_FILE")
    return Path(configured) if configured else Path(app.instance_path) / KEY_FILE_NAME


def _configured_signer(app: Flask) -> Signer | None:
    """The key given in the setting, or None when the setting is empty."""
    text = (app.config.get("AUDIT_SIGNING_KEY") or "").strip()
    if not text:
        return None
    try:
        signer = parse_skey(text)
    except NoteError as exc:
        raise ConfigurationError(f"Civic will not start: CIVIC_AUDIT_SIGNING_KEY: {exc}") from None
    if signer.alg != ALG_ED25519:
        raise ConfigurationError(
            "Civic will not start: CIVIC_AUDIT_SIGNING_KEY must be an Ed25519 key (type 01)"
        )
    return signer


def origin(app: Flask | None = None) -> str:
    """The log's origin line: CIVIC_AUDIT_ORIGIN, else the configured key's name, else
    the default. It is also the signing key's name (checked in `init_app`)."""
    app = app or current_app
    if configured := (app.config.get("AUDIT_ORIGIN") or "").strip():
        return configured
    signer = _configured_signer(app)
    return signer.name if signer else DEFAULT_ORIGIN


def _read_key_file(path: Path, expected_origin: str) -> Signer:
    try:
        signer = parse_skey(path.read_text())
    except NoteError as exc:
        raise ConfigurationError(f"Civic will not start: {path}: {exc}") from None
    if signer.name != expected_origin:
        raise ConfigurationError(
            f"Civic will not start: {path} is the key of the log {signer.name!r}, but the "
            f"origin is {expected_origin!r}. Changing the origin starts a new log: move the "
            "old key file away to generate a new key, or set CIVIC_AUDIT_ORIGIN back."
        )
    return signer


def create_key_file(path: Path, name: str) -> Signer:
    """Generate the log key into `path` (mode 0600) unless it exists; return the key there.

    The key is written to a private temporary file opened with O_CREAT|O_EXCL and mode
    0600, then hard-linked into place: the link either succeeds, publishing a complete
    file, or fails because another process won, whose key is then read. So two processes
    starting together end up with one key, and nobody ever reads a half-written file.
    """
    if path.exists():
        return _read_key_file(path, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    signer = generate_signer(name)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(signer.skey + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return _read_key_file(path, name)  # another process published its key first
    finally:
        temporary.unlink(missing_ok=True)
    return signer


def log_signer() -> Signer:
    """The key that signs checkpoints, generated into the key file on first use if no
    key is configured. Cached per app, keyed by the settings it was read from."""
    app = current_app
    cache: dict[tuple[str, str, str], Signer] = app.extensions.setdefault("civic_audit_key", {})
    name = origin(app)
    path = key_file(app)
    cache_key = (app.config.get("AUDIT_SIGNING_KEY") or "", str(path), name)
    if cache_key not in cache:
        cache[cache_key] = _configured_signer(app) or create_key_file(path, name)
    return cache[cache_key]


def log_verifier() -> Verifier:
    """The public half, as published at /audit/key."""
    return log_signer().verifier


def parse_witness_keys(text: str) -> list[Verifier]:
    """Witness vkeys separated by whitespace or commas; each must be a cosignature/v1 key."""
    keys = []
    for item in text.replace(",", " ").split():
        try:
            key = parse_vkey(item)
        except NoteError as exc:
            raise ConfigurationError(
                f"Civic will not start: CIVIC_AUDIT_WITNESS_KEYS: {item[:60]!r}: {exc}"
            ) from None
        if len(key.name) > MAX_WITNESS_NAME:
            raise ConfigurationError(
                "Civic will not start: CIVIC_AUDIT_WITNESS_KEYS: a witness name is at most "
                f"{MAX_WITNESS_NAME} characters ({key.name[:40]}...)"
            )
        if key.alg != ALG_COSIGNATURE_V1:
            raise ConfigurationError(
                "Civic will not start: CIVIC_AUDIT_WITNESS_KEYS: "
                f"{key.name} is not a cosignature/v1 key (type 04)"
            )
        keys.append(key)
    return keys


def witnesses() -> dict[tuple[str, bytes], Verifier]:
    """Configured witness keys by (name, key id), the pair a signature line names."""
    keys = parse_witness_keys(current_app.config.get("AUDIT_WITNESS_KEYS") or "")
    return {(key.name, key.key_id): key for key in keys}


def init_app(app: Flask) -> None:
    """Refuse to start on a malformed log key, origin or witness key (one line, no trace)."""
    name = origin(app)
    if not name or "+" in name or any(ch.isspace() for ch in name):
        raise ConfigurationError(
            "Civic will not start: CIVIC_AUDIT_ORIGIN must be non-empty, without spaces or "
            f"'+' (for example civic.example.org/audit), not {name!r}"
        )
    signer = _configured_signer(app)
    if signer is not None and signer.name != name:
        raise ConfigurationError(
            f"Civic will not start: CIVIC_AUDIT_SIGNING_KEY is named {signer.name!r} but "
            f"CIVIC_AUDIT_ORIGIN is {name!r}: a log key's name is the log's origin"
        )
    if signer is None and key_file(app).exists():
        _read_key_file(key_file(app), name)
    parse_witness_keys(app.config.get("AUDIT_WITNESS_KEYS") or "")
