"""`audit verify`'s fast path (issue 16) rejects everything the entry-by-entry check does.

verify reads rows in batches (on PostgreSQL in binary keyset pages of `batch` rows) and checks a
batch in one tight loop; a batch that is not sound whole goes to the slow check, which
names the first bad entry. These tests put the damage in a middle batch, so a fast path
that skipped a check, or a fetch that lost or reordered rows, would let it through or
name the wrong entry.
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from civic import audit
from civic.audit import log
from civic.extensions import db
from tests.conftest import drop_audit_guard, tamper_audit_entry
from tests.factories import ModeratorFactory

ENTRIES = 11
BATCH = 4  # entries 4..7 are the middle batch


@pytest.fixture
def logged():
    moderator = ModeratorFactory()
    for n in range(ENTRIES):
        audit.record(moderator, "area:create", audit.Subject("area", f"a{n}"), {"n": n})
    audit.append_recorded()
    db.session.flush()


def _body(seq: int) -> dict:
    raw = db.session.execute(text("SELECT body FROM audit_entry WHERE seq = :s"), {"s": seq})
    return json.loads(bytes(raw.scalar_one()))


def test_small_batches_accept_the_log_with_the_same_root(logged):
    whole = audit.verify()
    batched = audit.verify(batch=BATCH)
    assert whole.ok and batched.ok
    assert (batched.size, batched.root) == (whole.size, whole.root)
    assert batched.size >= ENTRIES


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda: tamper_audit_entry(5, body=b'{"seq":5}'), "leaf hash"),
        (lambda: tamper_audit_entry(5, body=b"not json"), "not valid JSON"),
        (lambda: tamper_audit_entry(5, **_spaced(5)), "not canonical"),
        (lambda: tamper_audit_entry(5, actor="p-forged000000000"), "actor column"),
        (lambda: tamper_audit_entry(5, subject_id="elsewhere"), "subject column"),
        (lambda: tamper_audit_entry(5, leaf_hash=b"\0" * 32), "leaf hash"),
        (lambda: tamper_audit_entry(5, root_after=b"\0" * 32), "stored root"),
        (lambda: tamper_audit_entry(5, frontier=b"\0" * 32), "stored frontier"),
    ],
)
def test_damage_in_a_middle_batch_is_named_exactly(logged, damage, reason):
    damage()
    result = audit.verify(batch=BATCH)
    assert not result.ok and result.bad_seq == 5, result
    assert reason in result.reason
    # the half-read cursor is gone: the session still works and verify says the same again
    assert db.session.execute(text("SELECT count(*) FROM audit_entry")).scalar_one() >= ENTRIES
    again = audit.verify(batch=BATCH)
    assert (again.bad_seq, again.reason) == (result.bad_seq, result.reason)


def _spaced(seq: int) -> dict:
    """The same body with a space after the first colon: valid JSON, not canonical."""
    canonical = rfc8785.dumps(_body(seq))
    return {"body": canonical.replace(b":", b": ", 1)}


def test_a_gap_in_a_middle_batch_is_named(logged):
    audit.append_recorded()
    drop_audit_guard()
    db.session.execute(text("DELETE FROM audit_entry WHERE seq = 6"))
    result = audit.verify(batch=BATCH)
    assert not result.ok and result.bad_seq == 7
    assert "sequence gap" in result.reason


def test_a_wrong_trusted_root_is_caught_mid_stream(logged):
    head = audit.verify()
    assert head.ok
    result = audit.verify((6, b"\x01" * 32), batch=BATCH)
    assert not result.ok and result.bad_seq == 5
    assert "trusted tree head" in result.reason


# --- the canonical-JSON check of a batch against RFC 8785 ---------------------------------

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.floats(allow_nan=False)
    | st.text()
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


def _encodings(value: object) -> list[bytes]:
    """Ways to write `value`: RFC 8785's (if it has one) and several that are not."""
    found = [
        json.dumps(value).encode(),
        json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "replace"),
        json.dumps(value, sort_keys=True, separators=(",", ":")).encode(),
        json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode(
            "utf-8", "surrogatepass"
        ),
    ]
    # values RFC 8785 cannot encode (floats beyond it, big integers) have no canonical form
    with contextlib.suppress(Exception):
        found.append(rfc8785.dumps(value))
    return found


def _canonical(raw: bytes) -> bool:
    """What the entry-by-entry check accepts: JSON whose RFC 8785 form is these bytes."""
    try:
        return rfc8785.dumps(json.loads(raw)) == raw
    except Exception:
        return False


@settings(max_examples=300, deadline=None)
@given(st.lists(st.dictionaries(st.text(), _values, max_size=5), min_size=1, max_size=4), st.data())
def test_the_fast_check_accepts_only_canonical_bodies(objects, data):
    bodies = [data.draw(st.sampled_from(_encodings(value))) for value in objects]
    values = log._bodies_canonical(bodies)
    if values is not None:
        assert all(_canonical(body) for body in bodies)
        assert values == [json.loads(body) for body in bodies]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dictionaries(st.text(), _values, max_size=5), min_size=2, max_size=4), st.data())
def test_the_fast_check_refuses_bodies_cut_at_other_places(objects, data):
    canonical = []
    for value in objects:
        try:
            canonical.append(rfc8785.dumps(value))
        except Exception:
            return
    joined = b",".join(canonical)
    cut = data.draw(st.integers(min_value=1, max_value=len(joined) - 1))
    moved = [joined[:cut], joined[cut:]]
    if moved[0] != canonical[0] and not all(_canonical(body) for body in moved):
        assert log._bodies_canonical(moved) is None


def test_the_fast_check_leaves_unusual_bodies_to_the_slow_check():
    big = b'{"n":9007199254740993}'  # beyond 53 bits: no exact canonical form
    floaty = b'{"n":1.0}'  # RFC 8785 writes 1
    private_use = '{"\ue000":1,"\U0001f600":2}'.encode()  # UTF-16 order differs
    for body in (big, floaty, private_use):
        assert log._bodies_canonical([body]) is None
    assert log._bodies_canonical([b'{"a":1}']) == [{"a": 1}]


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(
        min_value=datetime(1, 1, 1),
        max_value=datetime(9999, 12, 31, 23, 59, 59),
        timezones=st.sampled_from([None, UTC]),
    )
)
def test_the_fast_time_text_is_the_entry_by_entry_checks(moment):
    # the fast path once padded years before 1000 ("0999-..."), which strftime does not:
    # a body tampered to the padded form would have passed the fast check alone
    assert log._time_text(moment) == log._column_time(moment)


def test_a_year_before_1000_is_written_as_the_slow_check_writes_it():
    assert log._time_text(datetime(999, 1, 2, 3, 4, 5)) == "999-01-02T03:04:05Z"
