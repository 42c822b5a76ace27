"""`audit verify` over ranges of the log in parallel processes (PostgreSQL, issue 16).

One process checks the log at about one core's speed (canonical JSON, a leaf hash, the
frontier and the root after every entry). So the log is cut into consecutive ranges of
sequence numbers and each is checked by its own process, from its own connection:

- every process reads the same snapshot of the log (`pg_export_snapshot` in the caller's
  transaction, `SET TRANSACTION SNAPSHOT` in the process), so the ranges meet exactly;
- a range starting at entry `a` starts from the frontier stored with entry `a - 1`, which
  the range before it checks against the frontier it recomputed (every entry's stored
  frontier is compared). So when every range before range k passed whole and ended exactly
  where range k starts, range k starts from the recomputed tree, and the first failure,
  read in range order, is the first bad entry with the same reason the serial check gives;
- anything else (a range that ended short because entries are missing at its end, a start
  frontier that cannot be read) is checked again by the serial path, which says exactly
  what is wrong.

The first range has no lower bound and the last no upper bound, so an entry with an
unexpected sequence number anywhere is read by some range and named as a gap.

Only for a transaction that has written nothing (the processes cannot see uncommitted
rows), on PostgreSQL; otherwise `verify` checks serially.
"""

from __future__ import annotations

import multiprocessing
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from civic.audit import log
from civic.extensions import db

MIN_RANGE = 50_000
"""Fewer entries than this per process are checked serially: a fork and a connection
cost more than they save."""


@dataclass(frozen=True)
class _Range:
    start: int  # the first sequence number it checks; the first range reads below it too
    stop: int | None  # one past the last; None for the last range
    first: bool


@dataclass(frozen=True)
class _Passed:
    size: int  # the tree size after its last entry
    frontier: list[bytes]
    trusted_ok: bool


@dataclass(frozen=True)
class _Failed:
    verification: log.Verification


@dataclass(frozen=True)
class _Unknown:
    """The range's start could not be read: leave it to the serial check."""

    why: str


def verify_in_parallel(
    trusted: tuple[int, bytes] | None,
    *,
    batch: int,
    workers: int,
) -> log.Verification | None:
    """The serial `verify`'s answer, computed by `workers` processes; None when this log
    or transaction is not one to split (then the caller checks serially)."""
    session = db.session()
    connection = session.connection()
    if workers < 2 or connection.dialect.name != "postgresql":
        return None
    # a snapshot cannot be exported from inside a savepoint (or a connection someone
    # else's transaction holds, as in the tests' rollback fixture)
    if session.get_nested_transaction() is not None or not log._commits_itself(session):
        return None
    raw = connection.connection.dbapi_connection
    if raw.execute("SELECT pg_current_xact_id_if_assigned()").fetchone()[0] is not None:
        return None  # this transaction wrote: other processes would not see it
    # one statement, one snapshot: the one exported is the one the size was read in
    snapshot, newest = raw.execute(
        "SELECT pg_export_snapshot(), (SELECT max(seq) FROM audit_entry)"
    ).fetchone()
    if newest is None:
        return None
    size = newest + 1
    count = min(workers, size // max(MIN_RANGE, 1))
    if count < 2:
        return None
    bounds = [size * k // count for k in range(count + 1)]
    ranges = [
        _Range(bounds[k], bounds[k + 1] if k + 1 < count else None, k == 0) for k in range(count)
    ]
    url = _libpq_url(session)
    jobs = [(url, snapshot, r, trusted, batch) for r in ranges]
    try:
        with multiprocessing.get_context("fork").Pool(count) as pool:
            outcomes = pool.starmap(_check_range, jobs)
    except OSError:  # no processes to be had: check serially
        return None
    return combine(ranges, outcomes, trusted)


def combine(
    ranges: list[_Range], outcomes: list[Any], trusted: tuple[int, bytes] | None
) -> log.Verification | None:
    """The whole log's verification from its ranges' outcomes, in log order; None when a
    range's start was not confirmed by the range before it (check serially)."""
    expected = 0
    frontier: list[bytes] = []
    trusted_ok = trusted is None or trusted[0] == 0
    for piece, outcome in zip(ranges, outcomes, strict=True):
        if not piece.first and piece.start != expected:
            return None  # the range before ended short: entries are missing at its end
        if isinstance(outcome, _Failed):
            return outcome.verification
        if not isinstance(outcome, _Passed):
            return None
        expected, frontier = outcome.size, outcome.frontier
        trusted_ok = trusted_ok or outcome.trusted_ok
    root = log.merkle.frontier_root(frontier)
    if not trusted_ok:
        assert trusted is not None
        return log.Verification(
            False,
            expected,
            root,
            expected,
            f"the log is shorter than the trusted {trusted[0]} entries",
        )
    return log.Verification(True, expected, root)


def _libpq_url(session: Any) -> str:
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def _check_range(
    url: str,
    snapshot: str,
    piece: _Range,
    trusted: tuple[int, bytes] | None,
    batch: int,
) -> _Passed | _Failed | _Unknown:
    """In a worker process: check one range from the stored frontier before it. Any error
    (the connection refused, say) leaves the whole log to the serial check."""
    try:
        return _checked_range(url, snapshot, piece, trusted, batch)
    except Exception as exc:  # the serial check answers instead, and says what is wrong
        return _Unknown(f"{type(exc).__name__}: {exc}")


def _checked_range(
    url: str,
    snapshot: str,
    piece: _Range,
    trusted: tuple[int, bytes] | None,
    batch: int,
) -> _Passed | _Failed | _Unknown:
    import psycopg
    from psycopg import sql

    with psycopg.connect(url) as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        conn.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))
        frontier: list[bytes] = []
        if not piece.first:
            row = conn.execute(
                "SELECT frontier FROM audit_entry WHERE seq = %s", (piece.start - 1,)
            ).fetchone()
            if row is None:
                return _Unknown(f"no entry {piece.start - 1}")
            stored = bytes(row[0])
            if len(stored) != 32 * piece.start.bit_count():
                return _Unknown(f"entry {piece.start - 1} has a frontier of the wrong size")
            frontier = log.merkle.unpack_hashes(stored)
        # whether this range reached the trusted size with the trusted root (combine
        # reads it; a trusted size of 0 or none at all needs no range)
        state = log._TreeState(frontier, piece.start, False)
        where = []
        if not piece.first:
            where.append(f"seq >= {int(piece.start)}")
        if piece.stop is not None:
            where.append(f"seq < {int(piece.stop)}")
        for rows in log._fetched_rows(conn, batch, " AND ".join(where)):
            if not log._batch_ok(rows, state, trusted, micros=True):
                failed = log._check_slowly(log._slow_rows(rows, True), state, trusted)
                if failed is not None:
                    return _Failed(failed)
        conn.rollback()
    return _Passed(state.size, state.frontier, state.trusted_ok)
