"""audit.record() and audit.verify(): entries, hashing, append-only guard, tamper detection."""

from __future__ import annotations

import json

import pytest
import rfc8785
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from civic import audit
from civic.audit import log as audit_log
from civic.audit import merkle
from civic.audit.models import AuditEntry
from civic.extensions import db
from tests.conftest import drop_audit_guard, tamper_audit_entry
from tests.factories import UserFactory


def _entries() -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def test_record_appends_canonical_entries_with_gap_free_seq():
    actor = UserFactory()
    first = audit.record(actor, "area:create", audit.Subject("area", "north"), {"n": 1})
    second = audit.record(None, "area:update", audit.Subject("area", "north"), {"b": "x", "a": 2})
    audit.append_recorded()  # otherwise at commit (tests/audit/test_deferred_append.py)
    assert (first.seq, second.seq) == (0, 1)
    body = json.loads(second.body)
    assert body["seq"] == 1 and body["actor"] is None
    assert body["subject"] == {"type": "area", "id": "north"}
    # canonical: keys sorted, no whitespace, the exact bytes stored are the ones hashed
    assert second.body == rfc8785.dumps(body)
    assert second.body.index(b'"a":2') < second.body.index(b'"b":"x"')
    assert second.leaf_hash == merkle.leaf_hash(second.body)
    head = audit_log.head()
    assert head.size == 2
    assert head.root == merkle.root_hash([first.body, second.body]) == second.root_after
    # the head is the newest entry: its stored frontier gives the next append's root
    assert merkle.frontier_root(head.frontier) == head.root


def test_actor_is_a_pseudonym_not_personal_data():
    actor = UserFactory(email="private@example.org", display_name="Private Person")
    entry = audit.record(actor, "area:create", audit.Subject("area", "x"), at_once=True)
    assert entry.actor == audit.pseudonym(actor.id)
    assert b"private@example.org" not in entry.body and b"Private" not in entry.body
    assert json.loads(entry.body)["actor"] not in (actor.id, str(actor.id))
    assert audit.pseudonym(actor.id) != audit.pseudonym(actor.id + 1)


def test_floats_are_refused_before_anything_is_written():
    with pytest.raises(TypeError, match=r"data\.cost"):
        audit.record(None, "area:create", audit.Subject("t", "1"), {"cost": 1.5})
    assert _entries() == []
    assert audit_log.head().size == 0


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_entry SET action = 'x'", "DELETE FROM audit_entry"]
)
def test_database_refuses_update_and_delete(statement):
    audit.record(None, "area:create", audit.Subject("area", "a"), at_once=True)
    with pytest.raises(DatabaseError, match="append-only"), db.session.begin_nested():
        db.session.execute(text(statement))
    assert len(_entries()) == 1


def test_verify_accepts_an_untouched_log():
    for n in range(7):
        audit.record(None, "area:create", audit.Subject("area", f"a{n}"), {"n": n})
    result = audit.verify()
    assert result.ok and result.size == 7
    assert result.root == merkle.root_hash([e.body for e in _entries()])


def _log_of(size: int) -> None:
    for n in range(size):
        audit.record(None, "area:create", audit.Subject("area", f"a{n}"), {"n": n})
    db.session.flush()


def test_verify_names_the_first_entry_whose_bytes_changed():
    _log_of(6)
    body = db.session.get(AuditEntry, 3).body.replace(b'"n":3', b'"n":9')
    tamper_audit_entry(3, body=body)
    result = audit.verify()
    assert not result.ok and result.bad_seq == 3
    assert "leaf hash" in result.reason


def test_verify_catches_a_rewrite_that_also_fixes_the_leaf_hash():
    _log_of(6)
    body = db.session.get(AuditEntry, 2).body.replace(b'"n":2', b'"n":7')
    tamper_audit_entry(2, body=body, leaf_hash=merkle.leaf_hash(body))
    result = audit.verify()
    assert not result.ok and result.bad_seq == 2
    assert "root" in result.reason


def test_verify_catches_a_deleted_last_entry_against_a_saved_tree_head():
    _log_of(4)
    saved = audit.verify()
    assert saved.ok and saved.size == 4
    drop_audit_guard()
    db.session.execute(text("DELETE FROM audit_entry WHERE seq = 3"))
    db.session.expire_all()
    # a log cut short is consistent with itself; a tree head seen before exposes it
    assert audit.verify().ok
    result = audit.verify((saved.size, saved.root))
    assert not result.ok and result.bad_seq == 3
    assert "shorter" in result.reason


def test_verify_catches_a_rewrite_of_history_against_a_saved_tree_head():
    _log_of(3)
    saved = audit.verify()
    body = db.session.get(AuditEntry, 0).body.replace(b'"n":0', b'"n":5')
    tamper_audit_entry(0, body=body)
    assert not audit.verify((saved.size, saved.root)).ok
    assert audit.verify((2, saved.root)).reason  # a wrong root for size 2 is refused too


def test_verify_catches_a_changed_index_column():
    _log_of(3)
    tamper_audit_entry(1, action="area:delete")
    result = audit.verify()
    assert not result.ok and result.bad_seq == 1
