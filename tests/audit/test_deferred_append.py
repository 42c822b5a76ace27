"""Named entries are appended at the end of their transaction, not where they are recorded.

The append lock serialises every audited write on the site, so it is taken only for the
append and the commit (civic/audit/log.py, "Deferred appends"). What must still hold: an
entry is committed with its change or not at all, savepoints undo their own entries only,
entries keep the order they were recorded in, the transaction reads its own entries, and
on PostgreSQL two transactions that have both recorded do not wait for each other until
they commit.
"""

from __future__ import annotations

import random
import threading

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from civic import audit
from civic.accounts.models import Area
from civic.audit import log as audit_log
from civic.audit.models import AuditEntry
from civic.extensions import db
from tests.conftest import on_postgres
from tests.factories import AreaFactory
from tests.races import all_at_once


def _record(name: str) -> AuditEntry:
    return audit.record(None, "area:create", audit.Subject("area", name))  # type: ignore[return-value]


def _logged_count() -> int:
    """Entries in the table, by raw SQL: what is there, without appending anything first."""
    return db.session.execute(text("SELECT count(*) FROM audit_entry")).scalar_one()


def _subjects() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.subject_id).order_by(AuditEntry.seq)))


def test_an_entry_is_appended_when_its_transaction_commits():
    entry = _record("north")
    assert entry.seq is None and _logged_count() == 0  # recorded, not yet in the log
    db.session.commit()
    assert entry.seq == 0 and _logged_count() == 1
    assert entry.body is not None and entry.leaf_hash is not None
    assert audit.verify().ok


def test_a_rolled_back_transaction_leaves_no_entry():
    _record("north")
    db.session.rollback()
    db.session.commit()  # nothing left over to append in the next transaction
    assert _logged_count() == 0
    _record("south")
    db.session.commit()
    assert _subjects() == ["south"]


def test_the_transaction_reads_its_own_entries():
    _record("north")
    _record("south")
    # an ORM read of the log appends first, as autoflush writes pending rows first
    assert _subjects() == ["north", "south"]
    assert audit_log.head().size == 2
    _record("east")
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 3
    db.session.commit()
    assert _subjects() == ["north", "south", "east"]
    assert audit.verify().ok


def test_a_rolled_back_savepoint_drops_only_its_own_entries():
    _record("before")
    with pytest.raises(RuntimeError), db.session.begin_nested():
        _record("inside")
        raise RuntimeError("the inner step failed")
    with db.session.begin_nested():
        _record("kept")  # a released savepoint keeps its entries
    db.session.commit()
    assert _subjects() == ["before", "kept"]
    assert audit.verify().ok


def test_a_savepoint_whose_flush_fails_keeps_the_entries_before_it():
    """A failed flush rolls back its own inner transaction first: that is not the end
    of the outer one (a duplicate sign-up must not lose the first sign-up's entry)."""
    AreaFactory(slug="taken")
    _record("first")
    with pytest.raises(IntegrityError), db.session.begin_nested():
        _record("inside")
        db.session.add(Area(name="Again", slug="taken", kind="ward"))
    db.session.commit()
    assert _subjects() == ["first"]


def test_entries_appended_inside_a_rolled_back_savepoint_are_appended_again():
    """The database undoes an append made inside a savepoint it rolls back: an entry
    recorded before the savepoint must then still reach the log with its change."""
    area = AreaFactory(slug="outer")
    _record("outer")
    with pytest.raises(RuntimeError), db.session.begin_nested():
        _record("inside")
        assert _subjects() == ["outer", "inside"]  # appended here, inside the savepoint
        raise RuntimeError("the inner step failed")
    assert _logged_count() == 0  # both appends were undone with the savepoint
    db.session.commit()
    assert db.session.get(Area, area.id) is not None
    assert _subjects() == ["outer"]
    assert audit.verify().ok


def test_entries_keep_the_order_they_were_recorded_in():
    first = _record("first")
    second = audit.record(
        None, "area:create", audit.Subject("area", "second"), at_once=True
    )  # appended now: what was recorded before it goes first
    assert (first.seq, second.seq) == (0, 1)
    audit.record(None, "proposal:vote_cast", audit.Subject("proposal", "1"))  # private
    _record("third")
    assert audit.release_pending() == 1  # a batch follows what was recorded before it
    _record("fourth")
    db.session.commit()
    actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))
    assert _subjects() == ["first", "second", "third", "1", "fourth"]
    assert actions[3] == "proposal:vote_cast"
    assert audit.verify().ok


def test_a_checkpoint_signs_the_entries_recorded_before_it():
    _record("north")
    checkpoint = audit.make_checkpoint("test")
    assert checkpoint.size == 1
    db.session.commit()
    assert _logged_count() == 1


# --- PostgreSQL, real transactions and threads ------------------------------------------


def _skip_without_postgres() -> None:
    if not on_postgres():
        pytest.skip("needs PostgreSQL: advisory locks and concurrent connections")


@pytest.mark.commits
def test_the_append_lock_is_not_taken_until_commit(app):
    """Two transactions both record an entry and go on writing; neither waits for the other
    (before the change the second blocked on the first's append lock until it committed)."""
    _skip_without_postgres()
    both_recorded = threading.Barrier(3)
    may_commit = threading.Event()
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        with app.app_context():
            try:
                AreaFactory(slug=f"area-{n}")
                _record(f"area-{n}")
                db.session.flush()
                AreaFactory(slug=f"later-{n}")  # more of the request, after the record
                db.session.flush()
                both_recorded.wait(timeout=10)  # times out if one waits for the other
                assert may_commit.wait(timeout=10)
                db.session.commit()
            except BaseException as exc:  # asserted below
                errors.append(exc)
                both_recorded.abort()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    with app.app_context():
        both_recorded.wait(timeout=15)
        held = db.session.execute(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            )
        ).scalar_one()
        db.session.commit()
        may_commit.set()
        for thread in threads:
            thread.join(timeout=30)
        assert errors == []
        assert held == 0  # nobody held the append lock while the requests ran
        assert sorted(_subjects()) == ["area-0", "area-1"]
        assert audit.verify().ok
        db.session.remove()


@pytest.mark.commits
def test_concurrent_writes_commit_or_roll_back_with_their_entries(app):
    """Many writers, each creating an area and recording it, some rolling back: the log is
    gap-free and holds exactly the areas that exist."""
    _skip_without_postgres()
    outcome = random.Random(16)
    fails = {n for n in range(24) if outcome.random() < 0.3}

    def work(n: int) -> None:
        AreaFactory(slug=f"w-{n}")
        _record(f"w-{n}")
        AreaFactory(slug=f"w-{n}-more")  # work after the record, before the commit
        if n in fails:
            raise RuntimeError("rolled back")

    errors = all_at_once(app, 24, work)
    assert len(errors) == len(fails)
    with app.app_context():
        db.session.rollback()
        kept = set(db.session.scalars(select(Area.slug).where(Area.slug.like("w-%"))))
        logged = _subjects()
        assert sorted(logged) == sorted(f"w-{n}" for n in range(24) if n not in fails)
        assert kept == set(logged) | {f"{s}-more" for s in logged}
        assert audit.verify().ok
        assert _logged_count() == len(logged)
        db.session.remove()
