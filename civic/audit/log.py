"""Appending to and verifying the tamper-evident audit log (DESIGN §4)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import rfc8785
from flask import current_app
from sqlalchemy import select

from civic.audit import merkle
from civic.audit.models import HEAD_ID, AuditEntry, AuditHead
from civic.extensions import db


@dataclass(frozen=True)
class Subject:
    """What an entry is about: a type tag and an id, e.g. ("area", "riverside")."""

    type: str
    id: str


class HasAuditSubject(Protocol):
    @property
    def audit_subject(self) -> Subject: ...


class HasId(Protocol):
    id: int


def pseudonym(user_id: int, scope: str | None = None) -> str:
    """A stable pseudonym for a person, so leaves hold no personal data.

    HMAC with a server key: outsiders cannot link a pseudonym to an account, and erasing
    the account leaves every hash in the chain intact. With a `scope` the pseudonym is
    different in every scope: a resident's ballots, votes, responses and proofs of where
    they live cannot be joined to each other or to the comments they sign with their name.
    """
    key = current_app.config.get("AUDIT_PSEUDONYM_KEY") or current_app.config["SECRET_KEY"]
    message = f"civic-user:{user_id}" if scope is None else f"civic-user:{user_id}:{scope}"
    digest = hmac.new(key.encode(), message.encode(), hashlib.sha256)
    return "p-" + digest.hexdigest()[:16]


def _reject_floats(value: Any, path: str = "data") -> None:
    """Floats have no single canonical form across languages: money is integer pence."""
    if isinstance(value, float):
        raise TypeError(f"{path} is a float; audit entries hold integers and strings only")
    if isinstance(value, Mapping):
        for key, item in value.items():
            _reject_floats(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _reject_floats(item, f"{path}[{index}]")


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _locked_head() -> AuditHead:
    """The head row, locked until the caller's transaction ends.

    PostgreSQL takes a row lock; SQLite ignores FOR UPDATE but the transaction already
    holds the database's write lock (BEGIN IMMEDIATE, see civic.database).
    """
    stmt = (
        select(AuditHead)
        .where(AuditHead.id == HEAD_ID)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    head = db.session.execute(stmt).scalar_one_or_none()
    if head is None:
        raise RuntimeError("the audit head row is missing: run `flask db upgrade`")
    return head


def record(
    actor: HasId | None,
    action: str,
    subject: Subject | HasAuditSubject,
    data: Mapping[str, Any] | None = None,
    *,
    private: bool = False,
) -> AuditEntry:
    """Append one entry in the caller's transaction (flushed, never committed here).

    The decision and its audit entry are committed together by the request wrapper, so
    neither can exist without the other. `private` marks a resident taking part in secret
    (a ballot, a vote, a response, redeeming a letter code): the actor's pseudonym is then
    scoped to the subject, so the log still shows how many people took part, and that a
    person changed their mind, but not who. Officials acting in public keep one pseudonym.
    """
    if not isinstance(subject, Subject):
        subject = subject.audit_subject
    payload = dict(data or {})
    _reject_floats(payload)
    head = _locked_head()
    when = _now()
    scope = f"{subject.type}:{subject.id}" if private else None
    actor_name = pseudonym(actor.id, scope) if actor is not None else None
    body = rfc8785.dumps(
        {
            "seq": head.size,
            "time": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "action": action,
            "subject": {"type": subject.type, "id": str(subject.id)},
            "actor": actor_name,
            "data": payload,
        }
    )
    leaf = merkle.leaf_hash(body)
    frontier = merkle.frontier_append(merkle.unpack_hashes(head.frontier), head.size, leaf)
    root = merkle.frontier_root(frontier)
    entry = AuditEntry(
        seq=head.size,
        recorded_at=when,
        action=action,
        subject_type=subject.type,
        subject_id=str(subject.id),
        actor=actor_name,
        body=body,
        leaf_hash=leaf,
        root_after=root,
    )
    db.session.add(entry)
    head.size += 1
    head.root = root
    head.frontier = merkle.pack_hashes(frontier)
    db.session.flush()
    return entry


@dataclass(frozen=True)
class Verification:
    ok: bool
    size: int
    root: bytes
    bad_seq: int | None = None
    reason: str = ""


def _entries_in_order(batch: int = 2000) -> Iterator[AuditEntry]:
    stmt = select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=batch)
    yield from db.session.scalars(stmt)


def _stored_bytes(value: object) -> bytes:
    """The body as bytes even if someone rewrote the column with another type (SQLite)."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, memoryview | bytearray):
        return bytes(value)
    return str(value).encode("utf-8")


def _check_entry(entry: AuditEntry, expected_seq: int, leaf: bytes) -> str:
    """Why this stored entry is inconsistent with its own bytes, or "" when it is not."""
    if entry.seq != expected_seq:
        return f"sequence gap: expected entry {expected_seq}, found {entry.seq}"
    try:
        body = json.loads(entry.body)
    except ValueError:
        return "body is not valid JSON"
    if not isinstance(body, dict) or body.get("seq") != entry.seq:
        return "body does not carry its own sequence number"
    if rfc8785.dumps(body) != _stored_bytes(entry.body):
        return "body is not canonical JSON"
    if entry.leaf_hash != leaf:
        return "stored leaf hash does not match the body"
    subject = body.get("subject") or {}
    if (body.get("action"), subject.get("type"), subject.get("id")) != (
        entry.action,
        entry.subject_type,
        entry.subject_id,
    ):
        return "indexed columns do not match the body"
    return ""


def verify() -> Verification:
    """Recompute the tree from the stored bytes and compare with every stored root.

    Each entry stores the root after it was appended, so the first entry whose recomputed
    root differs is the first one changed. Detecting a rewrite of the whole log needs a
    root saved outside the database: a published checkpoint.
    """
    frontier: list[bytes] = []
    size = 0
    for entry in _entries_in_order():
        leaf = merkle.leaf_hash(_stored_bytes(entry.body))
        reason = _check_entry(entry, size, leaf)
        frontier = merkle.frontier_append(frontier, size, leaf)
        size += 1
        if not reason and merkle.frontier_root(frontier) != entry.root_after:
            reason = "stored root does not match the recomputed tree"
        if reason:
            return Verification(False, size, merkle.frontier_root(frontier), entry.seq, reason)
    root = merkle.frontier_root(frontier)
    head = db.session.get(AuditHead, HEAD_ID)
    if head is None:
        return Verification(False, size, root, None, "the audit head row is missing")
    if head.size != size or head.root != root:
        return Verification(False, size, root, size, "head does not match the entries")
    return Verification(True, size, root)
