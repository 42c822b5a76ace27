"""`audit verify` split over processes (issue 16) gives the serial check's answer exactly.

The log is cut into ranges, each checked by its own process from the frontier stored
before it (civic/audit/verify_ranges.py). These tests commit a real log on PostgreSQL,
damage it at and around the ranges' edges, and ask for the same verdict, the same first
bad entry and the same reason as the one-process check. And the fast per-batch check,
which now builds the canonical bytes around "data" from the columns, must never accept a
batch the entry-by-entry check refuses.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from civic import audit
from civic.audit import log, merkle, verify_ranges
from civic.extensions import db
from tests.conftest import drop_audit_guard, on_postgres

ENTRIES = 40
WORKERS = 3  # ranges [0, 13), [13, 26), [26, 40)


def _skip_without_postgres() -> None:
    if not on_postgres():
        pytest.skip(
            "needs PostgreSQL: verify's worker processes read a committed log through their "
            "own connections from an exported snapshot; set CIVIC_TEST_DATABASE_URL (CI does)"
        )


@pytest.fixture
def committed_log(monkeypatch):
    """ENTRIES committed entries, and ranges of any length (MIN_RANGE 1)."""
    _skip_without_postgres()
    monkeypatch.setattr(verify_ranges, "MIN_RANGE", 1)
    for n in range(ENTRIES):
        audit.record(None, "area:create", audit.Subject("area", f"a{n}"), {"n": n, "é": "ü"})
    db.session.commit()


def _damage(sql: str, **params: object) -> None:
    drop_audit_guard()
    db.session.execute(text(sql), params)
    db.session.commit()


def _both(trusted=None) -> tuple[log.Verification, log.Verification]:
    serial = audit.verify(trusted, batch=4)
    db.session.commit()
    split = audit.verify(trusted, batch=4, workers=WORKERS)
    db.session.commit()
    return serial, split


def test_the_ranges_meet_exactly():
    ranges = [(r.start, r.stop) for r in _ranges(ENTRIES, WORKERS)]
    assert ranges == [(0, 13), (13, 26), (26, None)]


def _ranges(size: int, count: int) -> list[verify_ranges._Range]:
    bounds = [size * k // count for k in range(count + 1)]
    return [
        verify_ranges._Range(bounds[k], bounds[k + 1] if k + 1 < count else None, k == 0)
        for k in range(count)
    ]


@pytest.mark.commits
def test_a_sound_log_gives_the_serial_root(committed_log):
    serial, split = _both()
    assert serial.ok and split.ok
    assert (split.size, split.root) == (serial.size, serial.root) == (ENTRIES, serial.root)
    # the processes gave it (None would mean "check serially")
    assert verify_ranges.verify_in_parallel(None, batch=4, workers=WORKERS) == serial
    db.session.commit()
    assert audit.verify((serial.size, serial.root), workers=WORKERS).ok
    db.session.commit()
    assert audit.verify((20, _root_at(20)), workers=WORKERS).ok


def _root_at(size: int) -> bytes:
    raw = db.session.execute(
        text("SELECT root_after FROM audit_entry WHERE seq = :s"), {"s": size - 1}
    )
    return bytes(raw.scalar_one())


@pytest.mark.commits
@pytest.mark.parametrize("seq", [0, 5, 12, 13, 14, 25, 26, 39])
@pytest.mark.parametrize(
    "column",
    ["body", "leaf_hash", "root_after", "frontier", "actor", "subject_id", "recorded_at"],
)
def test_damage_anywhere_is_named_as_the_serial_check_names_it(committed_log, seq, column):
    changes = {
        "body": "convert_to(replace(convert_from(body, 'UTF8'), '\"n\":', '\"n\": '), 'UTF8')",
        "leaf_hash": "'\\x00'::bytea || substring(leaf_hash from 2)",
        "root_after": "'\\x00'::bytea || substring(root_after from 2)",
        "frontier": "substring(frontier from 2) || '\\x00'::bytea",
        "actor": "'p-forged000000000'",
        "subject_id": "'elsewhere'",
        "recorded_at": "recorded_at + interval '1 second'",
    }
    _damage(f"UPDATE audit_entry SET {column} = {changes[column]} WHERE seq = :s", s=seq)
    serial, split = _both()
    assert not serial.ok and serial.bad_seq == seq, serial
    assert split == serial
    # decided by the ranges themselves, not by the serial check they fall back to
    assert verify_ranges.verify_in_parallel(None, batch=4, workers=WORKERS) == serial
    db.session.commit()


@pytest.mark.commits
@pytest.mark.parametrize("missing", [0, 6, 12, 13, 25, 39])
def test_a_missing_entry_is_named_as_the_serial_check_names_it(committed_log, missing):
    _damage("DELETE FROM audit_entry WHERE seq = :s", s=missing)
    serial, split = _both()
    assert not serial.ok or missing == ENTRIES - 1
    assert split == serial


@pytest.mark.commits
def test_entries_missing_at_the_end_of_a_range(committed_log):
    """Range [13, 26) ends short: the next range's start is not confirmed by it."""
    _damage("DELETE FROM audit_entry WHERE seq IN (24, 25)")
    serial, split = _both()
    assert not serial.ok and serial.bad_seq == 26 and "sequence gap" in serial.reason
    assert split == serial


@pytest.mark.commits
def test_an_entry_out_of_place_is_found(committed_log):
    """Entries below the first range's start or above the last's are still read."""
    _damage("UPDATE audit_entry SET seq = -1 WHERE seq = 0")
    serial, split = _both()
    assert not serial.ok and split == serial
    db.session.rollback()


@pytest.mark.commits
@pytest.mark.parametrize("batch", [1, 3, 4, 9, 40, 41])
def test_pages_read_every_row_once_in_order(committed_log, batch):
    """`_fetched_rows` reads keyset pages: together they are what one query reads, across
    a gap longer than a page and with an entry moved below 0, with or without bounds."""
    _damage("DELETE FROM audit_entry WHERE seq BETWEEN 10 AND 24")
    _damage("UPDATE audit_entry SET seq = -5 WHERE seq = 3")
    raw = db.session.connection().connection.dbapi_connection
    names = ", ".join(column.key for column in log._VERIFY_COLUMNS)
    for where, condition in [("", "TRUE"), ("seq >= 2 AND seq < 30", "seq >= 2 AND seq < 30")]:
        whole = raw.execute(
            f"SELECT {names} FROM audit_entry WHERE {condition} ORDER BY seq"
        ).fetchall()
        pages = list(log._fetched_rows(raw, batch, where))
        assert all(0 < len(page) <= batch for page in pages)
        read = [row for page in pages for row in page]
        assert [row[0] for row in read] == [row[0] for row in whole]
        assert [row[1:5] for row in read] == [row[1:5] for row in whole]
        assert [row[6:] for row in read] == [row[6:] for row in whole]
        # the time as PostgreSQL's microseconds, made the same datetime again
        assert [log._micros_time(row[5]) for row in read] == [row[5] for row in whole]
    db.session.rollback()


@pytest.mark.commits
def test_a_trusted_head_is_checked_in_whichever_range_holds_it(committed_log):
    for size in (5, 13, 14, 26, 40):
        root = _root_at(size)
        serial, split = _both((size, root))
        assert serial.ok and split == serial
        serial, split = _both((size, b"\x01" * 32))
        assert not serial.ok and serial.bad_seq == size - 1 and split == serial
    serial, split = _both((ENTRIES + 5, b"\x01" * 32))
    assert not serial.ok and "shorter than the trusted" in serial.reason
    assert split == serial


@pytest.mark.commits
def test_workers_that_cannot_connect_leave_it_to_the_serial_check(committed_log, monkeypatch):
    monkeypatch.setattr(
        verify_ranges, "_libpq_url", lambda session: "postgresql://nobody@127.0.0.1:1/none"
    )
    assert verify_ranges.verify_in_parallel(None, batch=4, workers=WORKERS) is None
    db.session.commit()
    serial, split = _both()
    assert serial.ok and split == serial


def test_a_transaction_that_wrote_is_checked_serially(monkeypatch):
    """Other processes could not see this transaction's own entries."""
    monkeypatch.setattr(verify_ranges, "MIN_RANGE", 1)
    for n in range(10):
        audit.record(None, "area:create", audit.Subject("area", f"b{n}"), {"n": n})
    result = audit.verify(workers=WORKERS)
    assert result.ok and result.size >= 10
    assert result == audit.verify()


# --- the fast check never accepts what the slow check refuses ---------------------------

_when = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def _log_rows(items: list[tuple[str, str, str, str | None, dict]]) -> list[tuple]:
    """Rows as verify reads them, for bodies made as `record` makes them."""
    rows, frontier = [], []
    for seq, (action, kind, ident, actor, data) in enumerate(items):
        item = log._Item(_when, action, kind, ident, actor, data)
        body = log._body(seq, item)
        rows.append(_row(seq, body, frontier, action, kind, ident, actor))
        frontier = merkle.frontier_append(frontier, seq, merkle.leaf_hash(body))
    return rows


def _row(seq, body, frontier, action, kind, ident, actor, at=_when) -> tuple:
    """One row with hashes made from `body` itself: only the JSON and columns can be wrong."""
    leaf = merkle.leaf_hash(body)
    after = merkle.frontier_append(frontier, seq, leaf)
    return (
        seq,
        body,
        leaf,
        merkle.frontier_root(after),
        merkle.pack_hashes(after),
        at,
        action,
        kind,
        ident,
        actor,
    )


_text = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=6) | st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=6
)
_items = st.lists(
    st.tuples(
        st.sampled_from(["area:create", "comment:hide", 'x"y\\z\n']),
        _text,
        _text,
        st.none() | _text,
        st.dictionaries(
            _text, st.integers(-(2**53) + 1, 2**53 - 1) | _text | st.none(), max_size=3
        ),
    ),
    min_size=1,
    max_size=5,
)


def _micros(at: object) -> object:
    """A recorded time as `_fetched_rows` reads it from PostgreSQL: microseconds since
    2000-01-01 UTC (anything else as it is)."""
    if isinstance(at, datetime):
        return (at - log._PG_EPOCH) // timedelta(microseconds=1)
    return at


def _as_fetched(rows: list[tuple], micros: bool) -> list[tuple]:
    return [(*row[:5], _micros(row[5]), *row[6:]) for row in rows] if micros else rows


@settings(max_examples=400, deadline=None)
@given(_items, st.data(), st.booleans())
def test_the_fast_check_agrees_with_the_slow_check(items, data, micros):
    """`micros`: rows as read from PostgreSQL, the recorded time in microseconds."""
    rows = _log_rows(items)
    if all(json.dumps(item, ensure_ascii=False).isascii() for item in items):
        fast = log._batch_ok(
            _as_fetched(rows, micros), log._TreeState([], 0, True), None, micros=micros
        )
        assert fast  # the usual case is fast
    # one entry changed: its body (bytes moved, inserted, dropped) or one of its columns,
    # with every hash made again from the changed body
    target = data.draw(st.integers(0, len(rows) - 1))
    seq, body, _, _, _, at, action, kind, ident, actor = rows[target]
    how = data.draw(st.sampled_from(["body", "action", "kind", "ident", "actor", "time"]))
    if how == "body":
        cut = data.draw(st.integers(0, len(body)))
        extra = data.draw(st.sampled_from([b"", b" ", b'"', b",", b"0", b"}", b'"a":1,']))
        drop = data.draw(st.integers(0, 2))
        body = body[:cut] + extra + body[cut + drop :]
    elif how == "time":
        at = data.draw(
            st.sampled_from(
                [
                    _when.replace(second=31),
                    _when.replace(microsecond=1),  # the text has whole seconds: still sound
                    _when.replace(year=1999, month=12, day=31),
                    _when.replace(year=999),
                    None,
                    "2026-03-01",
                    2**63 - 1,  # PostgreSQL's infinity, read as microseconds
                    -(2**63),
                ]
            )
        )
    else:
        value = data.draw(st.none() | _text)
        action, kind, ident, actor = (
            value if how == name else old
            for name, old in zip(
                ("action", "kind", "ident", "actor"), (action, kind, ident, actor), strict=True
            )
        )
    frontier = merkle.unpack_hashes(rows[target - 1][4]) if target else []
    changed = list(rows)
    changed[target] = _row(seq, body, frontier, action, kind, ident, actor, at)
    if target + 1 < len(rows):
        changed = changed[: target + 1]  # later roots would differ anyway: stop there
    changed = _as_fetched(changed, micros)
    slow = log._check_slowly(log._slow_rows(changed, micros), log._TreeState([], 0, True), None)
    if log._batch_ok(changed, log._TreeState([], 0, True), None, micros=micros):
        assert slow is None, slow


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59, 999999)),
    st.booleans(),
)
def test_times_read_as_microseconds_give_the_slow_checks_text(when, next_second):
    """The fast check's text of a recorded time (its day by strftime, the time of day from
    tables) is the one the slow check makes from the datetime, for every year; a body
    with the next second's text is refused by both."""
    when = when.replace(tzinfo=UTC)
    item = log._Item(when, "area:create", "area", "a", None, {"n": 1})
    body = log._body(0, item)
    at = when + timedelta(seconds=1) if next_second and when.year < 9999 else when
    fetched = _as_fetched([_row(0, body, [], "area:create", "area", "a", None, at)], True)
    slow = log._check_slowly(log._slow_rows(fetched, True), log._TreeState([], 0, True), None)
    fast = log._batch_ok(fetched, log._TreeState([], 0, True), None, micros=True)
    assert (slow is None) == (at == when)
    assert fast == (slow is None)


def test_a_time_no_datetime_holds_is_named_by_the_slow_check():
    """Infinity (or any time beyond the year 9999) is reported as not matching the body."""
    (row,) = _log_rows([("area:create", "area", "a", None, {"n": 1})])
    for micros in (2**63 - 1, -(2**63)):
        rows = [(*row[:5], micros, *row[6:])]
        assert not log._batch_ok(rows, log._TreeState([], 0, True), None, micros=True)
        failed = log._check_slowly(log._slow_rows(rows, True), log._TreeState([], 0, True), None)
        assert failed is not None and failed.bad_seq == 0
        assert failed.reason == "recorded time column does not match the body"


def test_the_fast_check_refuses_long_integers_in_data():
    """2**53 + 1 has no exact RFC 8785 form: such a body is left to the slow check."""
    (sound,) = _log_rows([("area:create", "area", "a", None, {"n": 1})])
    body = sound[1].replace(b'"n":1', b'"n":9007199254740993')
    row = _row(0, body, [], "area:create", "area", "a", None)
    assert not log._batch_ok([row], log._TreeState([], 0, True), None)
    # a long run of digits inside a string only takes the careful scanner: still fast
    rows = _log_rows(
        [("area:create", "area", "a", None, {"n": 2**53 - 1, "s": ":1234567890123456"})]
    )
    assert log._batch_ok(rows, log._TreeState([], 0, True), None)
    assert json.loads(rows[0][1])["data"]["n"] == 2**53 - 1
