"""Appending to and verifying the tamper-evident audit log (DESIGN §4).

Named acts are appended as the last step of the transaction that records them (see
"Deferred appends" below): the append lock serialises every audited write on the site, so
it is taken only for the append itself and the commit, never for the rest of a request.
Private acts (see civic/audit/actions.py) wait in `audit_pending` and are appended in
shuffled, hour-stamped batches by `release_pending`, so their place in the log says
nothing about when they happened.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, Protocol

import rfc8785
from flask import current_app
from sqlalchemy import Engine, delete, event, func, select, text
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction
from sqlalchemy.sql.util import find_tables

from civic.audit import actions, merkle, tiles
from civic.audit.models import AuditEntry, AuditPending, AuditTileNode
from civic.extensions import db

# pg_advisory_xact_lock key that serialises appends ("civic_lg" as a 64-bit integer).
APPEND_LOCK_KEY = int.from_bytes(b"civic_lg", "big")
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


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


LOGGED_TEXT_BYTES = 4096
"""Free text longer than this (as canonical JSON) is logged as its digest, not verbatim."""


def logged_text(text: str) -> str | dict[str, Any]:
    """Free text as an entry holds it: verbatim if short, else its SHA-256 and length.

    An entry must fit a tlog-tiles bundle (65,535 bytes), and one decision can carry
    several long texts (a council's reasons, an override reason). A long one is logged as
    {"sha256": hex of its UTF-8, "chars": n}: that still binds the published text, since
    anyone can hash what the page shows and compare.
    """
    if len(rfc8785.dumps(text)) <= LOGGED_TEXT_BYTES:
        return text
    return {"sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(), "chars": len(text)}


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


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


_FLUSH_AFTER_COMMIT = "civic_audit_flush_wal"  # the raw connection to flush, or _SYNCHRONOUS
_SYNCHRONOUS = "synchronous"


def _take_append_lock() -> Head:
    """Serialise appends until the caller's transaction ends; return the head under it.

    PostgreSQL: a transaction-scoped advisory lock. (SELECT ... FOR UPDATE on a head row
    would need UPDATE privilege, which the app's role does not have on the log.) SQLite
    ignores row locks, but the transaction already holds the database's write lock
    (BEGIN IMMEDIATE, see civic.database).

    Everything from here to the commit is serialised, so it is kept short. One round
    trip takes the lock and reads the head (`audit_locked_head`, migration 0013: its
    query runs after the lock is granted, so it sees the previous holder's commit).
    And a commit that waited for its WAL flush (about 4 ms of fsync here) inside the lock
    would cap appends at ~250/s however many writers there are. So on PostgreSQL the
    appending transaction commits without waiting for the flush (synchronous_commit off:
    it is written to the WAL in order and releases the lock, and a crash can only lose a
    suffix of the log, never leave a gap), and `_wait_for_wal_flush` then waits for it
    after the commit, before the caller answers: flushes of concurrent writers are
    grouped into one fsync, and no one is told "done" before their decision and its
    entry are on disk.
    """
    append_recorded()  # what this transaction recorded goes first, in the order recorded
    session = db.session()
    if session.get_bind().dialect.name != "postgresql":
        return head()
    flush_after = _FLUSH_AFTER_COMMIT not in session.info and _commits_itself(session)
    row = session.execute(
        text("SELECT seq, root_after, frontier FROM audit_locked_head(:key, :async_commit)"),
        {"key": APPEND_LOCK_KEY, "async_commit": flush_after},
    ).first()
    if flush_after:
        session.info[_FLUSH_AFTER_COMMIT] = session.connection().connection.dbapi_connection
    return _head_from(row)


def _commits_itself(session: Session) -> bool:
    """Whether the session's commit really commits (its bind is an engine, not a
    connection inside someone else's transaction, as in the tests' rollback fixture)."""
    return isinstance(session.get_bind(), Engine)


def commit_synchronously() -> None:
    """Make the current transaction's commit wait for its WAL flush before it is visible.

    For a transaction whose result others act on at once and must never lose, such as
    storing a signed checkpoint: with an asynchronous commit it would be visible for the
    few milliseconds before its flush, and a crash then would lose a checkpoint someone
    may already have seen. (Its own synchronous flush also covers every entry it signs.)
    """
    session = db.session()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit = on"))
        session.info[_FLUSH_AFTER_COMMIT] = _SYNCHRONOUS  # later appends keep it so


def flush_after_commit() -> None:
    """Let the current transaction commit without waiting for its WAL flush, and wait for
    the flush after the commit instead, before the caller answers (PostgreSQL).

    For a transaction that holds a decision's row lock (civic.database.lock_row), such as a
    ballot: a lock is held until COMMIT, and a commit that waits for its own fsync inside
    it serialises every cast of the subject on the disk (a few milliseconds each). With
    this the lock is released as soon as the commit is in the WAL, in order (a crash can
    only lose a suffix, and whatever later saw the ballot, a close included, commits
    after it in the WAL, so it is lost with it), and `_wait_for_wal_flush` then waits for
    the flush, grouped with concurrent writers' into one fsync: no one is told "done"
    before their decision is on disk. The same mechanism as the audit appends use; a
    transaction that asked for `commit_synchronously` keeps that. Does nothing on SQLite
    or when the session's commit is not a real commit (the tests' rollback fixture).
    """
    session = db.session()
    if _FLUSH_AFTER_COMMIT in session.info or session.get_bind().dialect.name != "postgresql":
        return
    if not _commits_itself(session):
        return
    session.execute(text("SET LOCAL synchronous_commit = off"))
    session.info[_FLUSH_AFTER_COMMIT] = session.connection().connection.dbapi_connection


@event.listens_for(Session, "after_commit")
def _wait_for_wal_flush(session: Session) -> None:
    """Return only once the WAL holding the committed appends is flushed to disk.

    A transactional WAL record committed synchronously flushes the WAL up to itself,
    so also every commit before it (ours, and those of concurrent writers, in one
    fsync). Run on the same connection, which the session still holds here. A released
    savepoint fires this event too: the real commit is still to come, so wait for it.
    """
    if session.get_nested_transaction() is not None:
        return
    raw = session.info.pop(_FLUSH_AFTER_COMMIT, None)
    if raw is None or raw is _SYNCHRONOUS:
        return
    # one round trip (not BEGIN, the statement, COMMIT): in autocommit the statement is
    # its own transaction, committed synchronously, as the session's default says
    previous, raw.autocommit = raw.autocommit, True
    try:
        raw.execute("SELECT pg_logical_emit_message(true, 'civic_audit', 'flush')")
    finally:
        raw.autocommit = previous


@event.listens_for(Session, "after_transaction_end")
def _forget_the_connection(session: Session, transaction: SessionTransaction) -> None:
    """Once the outermost transaction is over (committed and flushed above, rolled back,
    or closed), the connection goes back to the pool: never touch it again."""
    if transaction.parent is None:
        session.info.pop(_FLUSH_AFTER_COMMIT, None)
        _forget_all(session)


@dataclass(frozen=True)
class Head:
    """The tree after the newest entry: size, root and frontier."""

    size: int
    root: bytes
    frontier: list[bytes]


def head() -> Head:
    """The newest entry's tree, or the empty tree (root SHA-256 of nothing)."""
    return _head_from(
        db.session.execute(
            select(AuditEntry.seq, AuditEntry.root_after, AuditEntry.frontier)
            .order_by(AuditEntry.seq.desc())
            .limit(1)
        ).first()
    )


def _head_from(row: Any) -> Head:
    if row is None:
        return Head(0, merkle.frontier_root([]), [])
    return Head(row.seq + 1, bytes(row.root_after), merkle.unpack_hashes(bytes(row.frontier)))


@dataclass(frozen=True)
class _Item:
    when: datetime
    action: str
    subject_type: str
    subject_id: str
    actor: str | None
    data: Mapping[str, Any]


MAX_BODY_BYTES = 0xFFFF
"""tlog-tiles bundles entries with a 16-bit length, so no entry body may be longer."""


_LONGEST_SEQ = 2**53 - 1  # the largest integer canonical JSON holds exactly


class EntryTooLarge(ValueError):
    """An entry whose body would not fit a tlog-tiles entry bundle: log a digest instead."""


def _body(seq: int, item: _Item) -> bytes:
    body = rfc8785.dumps(
        {
            "seq": seq,
            "time": item.when.strftime(TIME_FORMAT),
            "action": item.action,
            "subject": {"type": item.subject_type, "id": item.subject_id},
            "actor": item.actor,
            "data": dict(item.data),
        }
    )
    if len(body) > MAX_BODY_BYTES:
        raise EntryTooLarge(
            f"the {item.action} entry would be {len(body):,} bytes; an entry holds at most "
            f"{MAX_BODY_BYTES:,} (log a length or a SHA-256 of long text, not the text)"
        )
    return body


def _unfilled(item: _Item) -> AuditEntry:
    """The entry an item will become; seq, body and hashes are set when it is appended."""
    return AuditEntry(
        recorded_at=item.when,
        action=item.action,
        subject_type=item.subject_type,
        subject_id=item.subject_id,
        actor=item.actor,
    )


def _append(
    current: Head, items: Iterable[_Item], entries: Iterable[AuditEntry] | None = None
) -> list[AuditEntry]:
    """Append entries after `current`, the head `_take_append_lock` returned.

    `entries`, if given, are the objects `record` handed out for these items: they are
    filled in and stored rather than new ones. Each append also stores the tile hashes
    (roots of 256**L-leaf subtrees) it completes, so tiles and proofs never need to read
    the leaves below them.
    """
    size, frontier = current.size, current.frontier
    given = iter(entries) if entries is not None else None
    added = []
    for item in items:
        body = _body(size, item)
        leaf = merkle.leaf_hash(body)
        frontier, completed = merkle.frontier_append_subtrees(frontier, size, leaf)
        entry = next(given) if given is not None else _unfilled(item)
        entry.seq = size
        entry.body = body
        entry.leaf_hash = leaf
        entry.root_after = merkle.frontier_root(frontier)
        entry.frontier = merkle.pack_hashes(frontier)
        db.session.add(entry)
        db.session.add_all(tiles.stored_nodes(size, completed))
        added.append(entry)
        size += 1
    db.session.flush()
    return added


def record(
    actor: HasId | None,
    action: str,
    subject: Subject | HasAuditSubject,
    data: Mapping[str, Any] | None = None,
    *,
    private: bool | None = None,
    at_once: bool = False,
) -> AuditEntry | AuditPending:
    """Log one act in the caller's transaction (never committed here).

    The decision and its audit entry are committed together by the request wrapper, so
    neither can exist without the other. The action's registered visibility (see
    civic/audit/actions.py) decides the actor's pseudonym and whether the entry goes to
    the log (NAMED, SCOPED) or is queued for the next shuffled batch (PRIVATE: returns
    the queued row, which no public page shows). `private`, if given, must agree with the
    registry; it is kept so an old call site cannot silently change meaning.

    A NAMED or SCOPED entry is appended when the transaction commits, or earlier if the
    transaction reads the log (see "Deferred appends"); the returned entry gets its seq,
    body and hashes then. `at_once=True` appends it (and anything recorded before it) now,
    for the rare act whose seq is stored with the change; the append lock is then held
    from here to the commit, so keep what follows short.
    """
    kind = actions.visibility(action)
    if private is not None and private != (kind is actions.PRIVATE):
        raise ValueError(f"{action} is registered as {kind.value}, not private={private}")
    if not isinstance(subject, Subject):
        subject = subject.audit_subject
    payload = dict(data or {})
    _reject_floats(payload)
    scope = actions.actor_scope(action, subject)
    actor_name = pseudonym(actor.id, scope) if actor is not None else None
    item = _Item(_now(), action, subject.type, str(subject.id), actor_name, payload)
    # Refuse an oversized entry now, with the largest seq it could get: a queued one that
    # failed only at release would hold up every private act queued after it.
    _body(_LONGEST_SEQ, item)
    if kind is actions.PRIVATE:
        queued = AuditPending(
            action=action,
            subject_type=subject.type,
            subject_id=str(subject.id),
            actor=actor_name,
            data=rfc8785.dumps(payload).decode("utf-8"),
            created_at=_now(),
        )
        db.session.add(queued)
        db.session.flush()
        return queued
    entry = _unfilled(item)
    session = db.session()
    if not session.in_transaction():
        session.begin()  # the note belongs to a transaction, and ends with it
    session.info.setdefault(_RECORDED, []).append((item, entry))
    if at_once:
        append_recorded()
    return entry


_SEQ_MARK = b',"seq":0,"subject":'


def _append_in_database(item: _Item, entry: AuditEntry) -> None:
    """Append one entry on PostgreSQL in one round trip (`audit_append`, migration 0016).

    The body is made here, canonical, with the sequence number left out: keys sort as
    action, actor, data, seq, subject, time, so the number goes between the two halves
    (the last `,"seq":0,"subject":` is the top-level one: only strings follow it). The
    function takes the lock, reads the frontier, hashes and inserts, so nothing of the
    app's runs under the lock but that one statement and the commit. `entry`, the object
    `record` returned, is filled in with what was stored.
    """
    session = db.session()
    session.flush()  # the caller's own writes go out before the lock, not under it
    body = _body(0, item)
    cut = body.rindex(_SEQ_MARK) + len(b',"seq":')
    flush_after = _FLUSH_AFTER_COMMIT not in session.info and _commits_itself(session)
    row = session.execute(
        text(
            "SELECT seq, body, leaf_hash, root_after, frontier FROM audit_append("
            ":key, :async_commit, :prefix, :suffix, :at, :action, :subject_type, "
            ":subject_id, :actor)"
        ),
        {
            "key": APPEND_LOCK_KEY,
            "async_commit": flush_after,
            "prefix": body[:cut],
            "suffix": body[cut + 1 :],
            "at": item.when,
            "action": item.action,
            "subject_type": item.subject_type,
            "subject_id": item.subject_id,
            "actor": item.actor,
        },
    ).one()
    if flush_after:
        session.info[_FLUSH_AFTER_COMMIT] = session.connection().connection.dbapi_connection
    entry.seq = row.seq
    entry.body = bytes(row.body)
    entry.leaf_hash = bytes(row.leaf_hash)
    entry.root_after = bytes(row.root_after)
    entry.frontier = bytes(row.frontier)


# --- Deferred appends ---------------------------------------------------------------------
#
# Every audited write on the site queues on one append lock (an advisory lock on
# PostgreSQL, the write lock on SQLite), and a lock taken in a transaction is held until
# it ends. Appending where `record` is called would hold it through everything the request
# does afterwards (more writes, notifications, outbox rows, the commit), which capped the
# whole site near 200 audited writes/s. So `record` only notes the entry in the session,
# and the notes are appended by `append_recorded`:
#   - in `before_commit` of the outermost transaction: the last statements before COMMIT,
#     in the same transaction as the change (every commit path, request wrapper, CLI,
#     `civic tick`, goes through Session.commit);
#   - before anything in the transaction reads the log through the ORM (as autoflush does
#     for rows), takes the append lock itself (`release_pending`, `make_checkpoint`), or
#     asks for it (`record(..., at_once=True)`), so entries keep the order they were
#     recorded in and no one in the transaction sees a log without its own entries.
# A rolled-back transaction drops its notes; a rolled-back savepoint drops the notes made
# inside it and forgets appends made inside it (the database undid them), so those
# recorded before it are appended again later. Lock order (civic.database.lock_row) is
# unchanged, only safer: subjects' row locks are taken during the request, the append
# lock at its end.

_RECORDED = "civic_audit_recorded"  # [(item, entry)] recorded in this transaction, in order
_APPENDED = "civic_audit_appended"  # how many of them are in the log (in this transaction)
_SAVEPOINTS = "civic_audit_savepoints"  # {savepoint: (recorded, appended) when it began}
_AUDIT_TABLES = frozenset({AuditEntry.__table__, AuditTileNode.__table__})


def _waiting(session: Session) -> bool:
    recorded = session.info.get(_RECORDED)
    return bool(recorded) and session.info.get(_APPENDED, 0) < len(recorded)


def append_recorded() -> None:
    """Append, now, the entries this transaction recorded and has not appended yet.

    Takes the append lock (until the transaction ends). Called for you at commit and
    before the transaction reads the log; call it yourself only to read an entry's seq.
    """
    session = db.session()
    if not _waiting(session):
        return
    recorded = session.info[_RECORDED]
    done = session.info.get(_APPENDED, 0)
    # counted first: the appends below read the log, which must not start another round
    session.info[_APPENDED] = len(recorded)
    waiting = recorded[done:]
    if session.get_bind().dialect.name == "postgresql":
        for item, entry in waiting:
            _append_in_database(item, entry)
    else:
        _append(_take_append_lock(), [i for i, _ in waiting], [e for _, e in waiting])


@event.listens_for(Session, "before_commit")
def _append_before_commit(session: Session) -> None:
    """The outermost commit appends what was recorded: the lock is held only from here to
    COMMIT. (Releasing a savepoint fires this too; its notes wait for the real commit.)"""
    if session.get_nested_transaction() is None and _waiting(session):
        append_recorded()


@event.listens_for(Session, "do_orm_execute")
def _append_before_reading_the_log(state: ORMExecuteState) -> None:
    """A transaction that reads the log sees its own entries, as autoflush shows rows."""
    if not _waiting(state.session) or not state.is_select:
        return
    if _AUDIT_TABLES.intersection(find_tables(state.statement, include_joins=True)):
        append_recorded()


@event.listens_for(Session, "after_transaction_create")
def _mark_savepoint(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        recorded = len(session.info.get(_RECORDED, ()))
        appended = session.info.get(_APPENDED, 0)
        session.info.setdefault(_SAVEPOINTS, {})[transaction] = (recorded, appended)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    """Notes made in a rolled-back savepoint are dropped; appends made in it are undone
    by the database, so the notes before it count as not appended again."""
    if not previous_transaction.nested:
        # the outermost transaction; a flush's own inner subtransaction rolling back
        # leaves the decision to the savepoint or transaction around it
        if previous_transaction.parent is None:
            _forget_all(session)
        return
    mark = session.info.get(_SAVEPOINTS, {}).pop(previous_transaction, None)
    if mark is None:
        return
    recorded, appended = mark
    if _RECORDED in session.info:
        del session.info[_RECORDED][recorded:]
    session.info[_APPENDED] = appended


def _forget_all(session: Session) -> None:
    for key in (_RECORDED, _APPENDED, _SAVEPOINTS):
        session.info.pop(key, None)


def release_pending(subject: Subject | HasAuditSubject | None = None) -> int:
    """Append queued private acts (all, or one subject's) in a shuffled order; return how many.

    Every released entry carries the release time floored to the hour, so neither its
    place nor its time can be set beside a named act. Runs in the caller's transaction:
    the appends and the removal from the queue commit together. Called by `civic tick`
    (through `release_due`) and, for their subject, right before a vote, a round's voting
    or a consultation closes, so the close entry follows every participation it counted.
    """
    current = _take_append_lock()  # taken first: two releases never see the same rows
    stmt = select(AuditPending).order_by(AuditPending.id)
    if subject is not None:
        if not isinstance(subject, Subject):
            subject = subject.audit_subject
        stmt = stmt.where(
            AuditPending.subject_type == subject.type,
            AuditPending.subject_id == str(subject.id),
        )
    rows = list(db.session.scalars(stmt))
    if not rows:
        return 0
    secrets.SystemRandom().shuffle(rows)
    when = _now().replace(minute=0, second=0)
    _append(
        current,
        (
            _Item(when, r.action, r.subject_type, r.subject_id, r.actor, json.loads(r.data))
            for r in rows
        ),
    )
    ids = [r.id for r in rows]
    for row in rows:
        db.session.expunge(row)
    removed = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        result = db.session.execute(
            delete(AuditPending)
            .where(AuditPending.id.in_(chunk))
            .execution_options(synchronize_session=False)
        )
        removed += result.rowcount
    if removed != len(ids):  # someone else released them: never append an act twice
        raise RuntimeError("queued audit entries were released twice; rolled back")
    return len(ids)


def release_due(now: datetime | None = None) -> int:
    """Release the queue if it is big enough to hide in, or if it has waited too long.

    A batch of one would date that one act to within the hour; so `civic tick` waits for
    `AUDIT_BATCH_MIN` queued acts, or until the oldest is `AUDIT_BATCH_MAX_HOURS` old.
    Closes release their own subject whatever the size.
    """
    now = now or datetime.now(UTC)
    count, oldest = db.session.execute(
        select(func.count(AuditPending.id), func.min(AuditPending.created_at))
    ).one()
    if not count:
        return 0
    minimum = int(current_app.config.get("AUDIT_BATCH_MIN", 5))
    max_age = timedelta(hours=int(current_app.config.get("AUDIT_BATCH_MAX_HOURS", 24)))
    if count >= minimum or _aware(oldest) <= now - max_age:
        return release_pending()
    return 0


def pending_count(subject: Subject | HasAuditSubject | None = None) -> int:
    """How many private acts wait for their batch (for operators and tests, not pages)."""
    stmt = select(func.count(AuditPending.id))
    if subject is not None:
        if not isinstance(subject, Subject):
            subject = subject.audit_subject
        stmt = stmt.where(
            AuditPending.subject_type == subject.type,
            AuditPending.subject_id == str(subject.id),
        )
    return int(db.session.scalar(stmt) or 0)


@dataclass(frozen=True)
class Verification:
    ok: bool
    size: int
    root: bytes
    bad_seq: int | None = None
    reason: str = ""


_VERIFY_COLUMNS = (
    AuditEntry.seq,
    AuditEntry.body,
    AuditEntry.leaf_hash,
    AuditEntry.root_after,
    AuditEntry.frontier,
    AuditEntry.recorded_at,
    AuditEntry.action,
    AuditEntry.subject_type,
    AuditEntry.subject_id,
    AuditEntry.actor,
)


def _rows_in_order(batch: int) -> Iterator[list[Any]]:
    """Every entry's columns in seq order, `batch` rows at a time, as plain rows (no ORM
    objects): the whole log never sits in memory.

    On PostgreSQL pages of `batch` rows in binary (`_fetched_rows`; psycopg builds the
    rows in C), in the session's own transaction so it sees what this transaction
    appended, up to the newest entry there is when the reading starts (the log only grows
    at its end, so the pages read the log as it was then, as one query would). Elsewhere
    SQLAlchemy's cursor with `yield_per`.
    """
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        raw = connection.connection.dbapi_connection
        newest = raw.execute("SELECT max(seq) FROM audit_entry").fetchone()[0]
        if newest is not None:
            yield from _fetched_rows(raw, batch, f"seq <= {int(newest)}")
        return
    stmt = select(*_VERIFY_COLUMNS).order_by(AuditEntry.seq)
    # options of this statement only: set on the connection, they would outlive it
    result = connection.execute(stmt, execution_options={"yield_per": batch})
    yield from result.partitions(batch)


def _fetched_rows(raw: Any, batch: int, where: str = "") -> Iterator[list[Any]]:
    """The rows of `_VERIFY_COLUMNS` from a psycopg connection in seq order, `batch` a
    query; `where` (SQL made by the caller from integers) limits them to a range of the
    log.

    Keyset pages (`seq > the last one read ... LIMIT batch`), each one plain query: the
    same rows in the same order as one query (seq is the primary key, so every row is on
    exactly one page), read in the caller's snapshot or, in READ COMMITTED, bounded by the
    caller's `where`. Not FETCH from a server-side cursor: that cost the database about
    4.3 µs of CPU a row here against 2.3 µs for these pages, and during `verify` the
    database's backends and the checking processes share the same cores.

    `recorded_at` comes as PostgreSQL sends it in binary, microseconds since
    2000-01-01 UTC (psycopg's C int8 loader, on this cursor only): `_batch_ok` makes its
    text from two small tables instead of a datetime a row (that was about 2.8 µs an
    entry), and `_slow_rows` makes datetimes of them again for the entry-by-entry check.
    """
    from psycopg.types.numeric import Int8BinaryLoader

    names = ", ".join(column.key for column in _VERIFY_COLUMNS)
    limits = [where] if where else []
    with raw.cursor(binary=True) as cursor:
        cursor.adapters.register_loader("timestamptz", Int8BinaryLoader)
        after: list[str] = []  # the first page has no lower bound: a stray seq is read too
        while True:
            condition = " AND ".join(limits + after)
            cursor.execute(
                f"SELECT {names} FROM audit_entry"  # noqa: S608 (integers only)
                f"{' WHERE ' + condition if condition else ''} ORDER BY seq LIMIT {int(batch)}"
            )
            rows = cursor.fetchall()
            if rows:
                yield rows
            if len(rows) < batch:
                return
            after = [f"seq > {int(rows[-1][0])}"]


class _Row(NamedTuple):
    """One row of `_VERIFY_COLUMNS` by name, for the entry-by-entry check."""

    seq: int
    body: Any
    leaf_hash: Any
    root_after: Any
    frontier: Any
    recorded_at: Any
    action: Any
    subject_type: Any
    subject_id: Any
    actor: Any


_PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # PostgreSQL's binary timestamps count from here
_ONE_MICROSECOND = timedelta(microseconds=1)
_FIRST_MICROS = (datetime.min.replace(tzinfo=UTC) - _PG_EPOCH) // _ONE_MICROSECOND
_END_MICROS = (datetime.max.replace(tzinfo=UTC) - _PG_EPOCH) // _ONE_MICROSECOND + 1


def _micros_time(value: object) -> object:
    """A recorded time fetched as microseconds since 2000-01-01 UTC (`_fetched_rows`) as
    the datetime psycopg would have made of it; None for a time a datetime cannot hold
    (such as infinity), which the slow check reports as not matching the body."""
    if type(value) is not int:
        return value
    if not _FIRST_MICROS <= value < _END_MICROS:
        return None
    return _PG_EPOCH + timedelta(microseconds=value)


def _slow_rows(rows: list[Any], micros: bool) -> list[_Row]:
    """Rows for `_check_slowly`; with `micros`, rows from `_fetched_rows`, whose recorded
    time is made a datetime again."""
    if not micros:
        return [_Row(*row) for row in rows]
    return [_Row(*row[:5], _micros_time(row[5]), *row[6:]) for row in rows]


def _stored_bytes(value: object) -> bytes:
    """The body as bytes even if someone rewrote the column with another type (SQLite)."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, memoryview | bytearray):
        return bytes(value)
    return str(value).encode("utf-8")


def _column_time(value: object) -> str | None:
    if isinstance(value, datetime):
        return _aware(value).astimezone(UTC).strftime(TIME_FORMAT)
    return None


def _check_entry(entry: AuditEntry, expected_seq: int, leaf: bytes) -> str:
    """Why this stored entry is inconsistent with its own bytes, or "" when it is not."""
    if entry.seq != expected_seq:
        return f"sequence gap: expected entry {expected_seq}, found {entry.seq}"
    raw = _stored_bytes(entry.body)
    try:
        body = json.loads(raw)
    except ValueError:
        return "body is not valid JSON"
    if not isinstance(body, dict) or body.get("seq") != entry.seq:
        return "body does not carry its own sequence number"
    if rfc8785.dumps(body) != raw:
        return "body is not canonical JSON"
    if _stored_bytes(entry.leaf_hash) != leaf:
        return "stored leaf hash does not match the body"
    subject = body.get("subject") if isinstance(body.get("subject"), dict) else {}
    if (body.get("action"), subject.get("type"), subject.get("id")) != (
        entry.action,
        entry.subject_type,
        entry.subject_id,
    ):
        return "action or subject column does not match the body"
    if body.get("actor") != entry.actor:
        return "actor column does not match the body"
    if body.get("time") != _column_time(entry.recorded_at):
        return "recorded time column does not match the body"
    return ""


def verify(
    trusted: tuple[int, bytes] | None = None, *, batch: int = 4096, workers: int = 1
) -> Verification:
    """Recompute the tree from the stored bytes and compare with every stored root.

    Each entry stores the root and frontier after it was appended, so the first entry
    whose recomputed values differ is the first one changed; every column a page could
    show is checked against the body too. A log cut short, or rewritten whole, looks
    consistent on its own: pass `trusted` (size, root) from a tree head seen before (a
    published checkpoint) to check that the log still contains that tree.

    Rows are checked `batch` at a time by `_batch_ok`, a tight loop that says only "all
    fine"; a batch it does not pass whole is checked again entry by entry by
    `_check_slowly`, which names the first bad entry and why. So a sound log costs a few
    microseconds an entry (1,000,000 entries within seconds) and a damaged one is
    reported exactly as precisely as before.

    With `workers` > 1 on PostgreSQL, a long log is checked in that many processes, each
    a range of it from the frontier stored before the range (civic/audit/verify_ranges.py:
    the same answer, the same first bad entry); a transaction that has written anything
    is checked serially, since other processes cannot see what it wrote.
    """
    append_recorded()  # the rows are read below the ORM: this transaction's entries first
    if workers > 1:
        from civic.audit import verify_ranges

        done = verify_ranges.verify_in_parallel(trusted, batch=batch, workers=workers)
        if done is not None:
            return done
    state = _TreeState([], 0, trusted is None or trusted[0] == 0)
    micros = db.session.connection().dialect.name == "postgresql"  # see _fetched_rows
    batches = _rows_in_order(batch)
    try:
        for rows in batches:
            if not _batch_ok(rows, state, trusted, micros=micros):
                failed = _check_slowly(_slow_rows(rows, micros), state, trusted)
                if failed is not None:
                    return failed
    finally:
        batches.close()  # its cursor is closed before the connection is reused
    root = merkle.frontier_root(state.frontier)
    if not state.trusted_ok:
        return Verification(
            False,
            state.size,
            root,
            state.size,
            f"the log is shorter than the trusted {trusted[0]} entries",
        )
    return Verification(True, state.size, root)


@dataclass
class _TreeState:
    """The recomputed tree after the entries checked so far."""

    frontier: list[bytes]
    size: int
    trusted_ok: bool


# A body is checked fast when the standard library's canonical JSON is certainly RFC
# 8785's for it: object keys sort alike unless one holds a character at or above U+E000
# (UTF-8 lead bytes EE..F4: RFC 8785 sorts by UTF-16 units), and integers agree while
# they fit in 53 bits. Floats, NaN and the like parse to strings here, so they never
# re-encode alike. Anything else takes the slow path.
_NOT_FAST = re.compile(rb"[\xee-\xf4]")
# In canonical JSON a number follows ":", "," or "[" (no spaces), so text without this has
# no integer of 16 digits or more and the plain scanner (no call per integer) is exact; a
# match, even inside a string, only means the scanner that checks each integer is used.
_LONG_INT = re.compile(rb"[:,\[]-?[0-9]{16}")


def _exact_int(text: str) -> int:
    value = int(text)
    if -_LONGEST_SEQ <= value <= _LONGEST_SEQ:
        return value
    raise ValueError("an integer RFC 8785 cannot hold exactly")


_BODY_SCAN = json.JSONDecoder(parse_float=str, parse_constant=str, parse_int=_exact_int).scan_once
_SHORT_INTS_SCAN = json.JSONDecoder(parse_float=str, parse_constant=str).scan_once
_BODY_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _bodies_canonical(bodies: list[bytes]) -> list[Any] | None:
    """The parsed bodies if each is exactly one canonical JSON object, else None.

    The bodies are parsed where they sit in one JSON array and the array re-encoded once
    (as the outside verifier does for an entry bundle): since each body must parse as one
    value spanning all its bytes, the array matching byte for byte means each body is
    canonical on its own.
    """
    joined = b",".join(bodies)
    if not joined.isascii() and _NOT_FAST.search(joined):
        return None
    try:
        text = "[" + joined.decode("utf-8") + "]"
    except UnicodeDecodeError:
        return None
    scan = _BODY_SCAN if _LONG_INT.search(joined) else _SHORT_INTS_SCAN
    offset, values = 1, []
    try:
        for body in bodies:
            value, end = scan(text, offset)
            # a body's length in characters: bytes less UTF-8 continuation bytes
            offset += len(body) if body.isascii() else len(body.decode("utf-8"))
            if end != offset or type(value) is not dict:
                return None
            values.append(value)
            offset += 1  # the comma
    except (StopIteration, ValueError):
        return None
    if offset != len(text) or _BODY_ENCODER.encode(values) != text:
        return None
    return values


def _time_text(value: object) -> str | None:
    """`_column_time`, faster for the usual case: a UTC time (isoformat is C code). Years
    before 1000 go the slow way: isoformat pads them to four digits, strftime does not, and
    the fast check must never accept a time the entry-by-entry check refuses."""
    if (
        isinstance(value, datetime)
        and value.year >= 1000
        and (value.tzinfo is None or not value.utcoffset())
    ):
        return value.isoformat()[:19] + "Z"
    return _column_time(value)


_JSON_STRING = json.encoder.encode_basestring  # what _BODY_ENCODER writes for a str
_NODE_HASH = hashlib.sha256(b"\x01")  # copied per node: saves joining the prefix each time
_LEAF_HASH = hashlib.sha256(b"\x00")
# the text of a time of day, by minute of the day and by second: `_batch_ok` joins them
_CLOCK = [b"%02d:%02d:" % divmod(minute, 60) for minute in range(24 * 60)]
_SECONDS = [b"%02dZ" % second for second in range(60)]


def _day_text(day: int) -> bytes:
    """The date part of TIME_FORMAT for a day counted from 2000-01-01, made as the slow
    check makes it (strftime), so the two agree for every year."""
    return (_PG_EPOCH + timedelta(days=day)).strftime("%Y-%m-%dT").encode("ascii")


def _json_bytes(value: object, known: dict[object, bytes]) -> bytes | None:
    """A column's value as canonical JSON (a string or null), remembered in `known`;
    None for anything else (the slow check says what)."""
    if value is None:
        return b"null"
    if type(value) is not str:
        return None
    encoded = known[value] = _JSON_STRING(value).encode("utf-8")
    return encoded


def _batch_ok(
    rows: list[Any],
    state: _TreeState,
    trusted: tuple[int, bytes] | None,
    *,
    micros: bool = False,
) -> bool:
    """Check a batch of rows and advance `state` past them; False (and `state` untouched)
    as soon as anything differs from what the slow check would accept.

    The tight loop of `verify`: one pass per entry, no ORM objects, no per-entry function
    calls beyond the hashes. Stored hashes that are not bytes (a column rewritten with
    another type) compare unequal and send the batch the slow way, which says why.

    A body is checked without parsing all of it: every entry Civic writes is
    {"action","actor","data","seq","subject":{"id","type"},"time"} in that (canonical)
    order, and all but "data" are the row's columns and the expected seq. So the canonical
    bytes of everything around "data" are made from the columns and compared with the
    body's start and end, and only the "data" values left between are parsed and
    re-encoded (`_bodies_canonical`). A body that matches is canonical JSON agreeing with
    its columns, which is what the slow check asks; any other shape goes the slow way.
    With `micros` the recorded times are integers from `_fetched_rows`; their text is
    made from the day (strftime, once a day) and two tables, not a datetime a row.

    The root after each entry is the frontier folded from the right: a node hash of each
    subtree, newest first, with the hash so far. Each subtree keeps a hasher primed with
    0x01 and its hash (made once, when it joins the frontier), so each of those ~10 node
    hashes an entry is a copy, one update and the digest.
    """
    known: dict[object, bytes] = {}
    seen = known.get
    datas = []
    size = state.size
    last_time, last_text = None, b""
    last_day, day_text = None, b""
    clock, seconds = _CLOCK, _SECONDS
    for row in rows:
        seq, body, _, _, _, at, action, kind, ident, actor = row
        if seq != size or type(body) is not bytes:
            return False
        if at != last_time:  # entries of one second (or one batch) share the text
            if micros and type(at) is int and _FIRST_MICROS <= at < _END_MICROS:
                day, second = divmod(at // 1_000_000, 86_400)
                if day != last_day:
                    last_day, day_text = day, _day_text(day)
                last_text = day_text + clock[second // 60] + seconds[second % 60]
            else:
                text = _time_text(at)
                if text is None:
                    return False
                last_text = text.encode("ascii")
            last_time = at
        action_json = seen(action) or _json_bytes(action, known)
        actor_json = seen(actor) or _json_bytes(actor, known)
        ident_json = seen(ident) or _json_bytes(ident, known)
        kind_json = seen(kind) or _json_bytes(kind, known)
        if action_json is None or actor_json is None or ident_json is None or kind_json is None:
            return False
        head = b'{"action":%b,"actor":%b,"data":' % (action_json, actor_json)
        tail = b',"seq":%d,"subject":{"id":%b,"type":%b},"time":"%b"}' % (
            size,
            ident_json,
            kind_json,
            last_text,
        )
        cut = len(body) - len(tail)
        if cut <= len(head) or not body.startswith(head) or not body.endswith(tail):
            return False
        datas.append(body[len(head) : cut])
        size += 1
    if _bodies_canonical(datas) is None:
        return False
    node_hash, leaf_hash = _NODE_HASH.copy, _LEAF_HASH.copy
    frontier, size = list(state.frontier), state.size
    primed = []  # per subtree of the frontier: a copy of 0x01 + its hash, ready to copy
    for subtree in frontier:
        hashing = node_hash()
        hashing.update(subtree)
        primed.append(hashing.copy)
    trusted_ok = state.trusted_ok
    trusted_size = trusted[0] if trusted is not None else -1
    for row in rows:
        body, stored_leaf, stored_root, stored_frontier = row[1:5]
        hashing = leaf_hash()
        hashing.update(body)
        leaf = hashing.digest()
        if stored_leaf != leaf:
            return False
        # frontier_append, inlined: each trailing 1 bit of size merges two equal subtrees
        carry, rest = leaf, size
        while rest & 1:
            frontier.pop()
            hashing = primed.pop()()
            hashing.update(carry)
            carry = hashing.digest()
            rest >>= 1
        # frontier_root, inlined: the smaller subtrees hang off the right edge
        root = carry
        for prime in primed[::-1]:
            hashing = prime()
            hashing.update(root)
            root = hashing.digest()
        frontier.append(carry)
        hashing = node_hash()
        hashing.update(carry)
        primed.append(hashing.copy)
        size += 1
        if stored_root != root or stored_frontier != b"".join(frontier):
            return False
        if size == trusted_size:
            if root != trusted[1]:  # type: ignore[index]
                return False
            trusted_ok = True
    state.frontier, state.size, state.trusted_ok = frontier, size, trusted_ok
    return True


def _check_slowly(
    rows: list[Any], state: _TreeState, trusted: tuple[int, bytes] | None
) -> Verification | None:
    """Check rows one by one from `state`: the first problem, or None (state advanced)."""
    frontier, size = state.frontier, state.size
    for entry in rows:
        leaf = merkle.leaf_hash(_stored_bytes(entry.body))
        reason = _check_entry(entry, size, leaf)
        frontier = merkle.frontier_append(frontier, size, leaf)
        size += 1
        root = merkle.frontier_root(frontier)
        if not reason and root != _stored_bytes(entry.root_after):
            reason = "stored root does not match the recomputed tree"
        if not reason and _stored_bytes(entry.frontier) != merkle.pack_hashes(frontier):
            reason = "stored frontier does not match the recomputed tree"
        if not reason and trusted is not None and size == trusted[0]:
            if root != trusted[1]:
                reason = "the tree differs from the trusted tree head of this size"
            state.trusted_ok = True
        if reason:
            return Verification(False, size, root, entry.seq, reason)
    state.frontier, state.size = frontier, size
    return None
