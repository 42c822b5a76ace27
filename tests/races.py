"""Racing casts against the decision that closes them, on PostgreSQL with real threads.

DESIGN §4a: a cast and the close (or the move to results) of the same subject serialise on
one row lock, so every cast answered with success is in the frozen count and every later
one is refused with a 409. These helpers run many casts at once, fire the close in the
middle of them, and read back what the audit log recorded.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field

import pytest
from flask import Flask
from sqlalchemy import select, text

from civic.accounts.models import Eligibility, EligibilityMethod, User
from civic.accounts.passwords import hash_password
from civic.audit.models import AuditEntry
from civic.errors import Conflict
from civic.extensions import db
from tests.conftest import on_postgres
from tests.factories import PASSWORD, UserFactory

ACCEPTED = "accepted"
REFUSED = "refused"


def skip_without_postgres() -> None:
    if not on_postgres():
        pytest.skip(
            "needs PostgreSQL: races between casts and the close need real row locks and "
            "concurrent connections; set CIVIC_TEST_DATABASE_URL (CI does)"
        )


def many_residents(area, n: int) -> list[User]:
    """n residents eligible in `area` (one password hash for all: hashing is slow)."""
    shared_hash = hash_password(PASSWORD)
    people = [UserFactory(password_hash=shared_hash) for _ in range(n)]
    db.session.add_all(
        Eligibility(user_id=p.id, area_id=area.id, method=EligibilityMethod.MODERATOR)
        for p in people
    )
    db.session.flush()
    return people


@dataclass
class Race:
    """What each racer was told: accepted, refused with a 409 (and its message), or an
    unexpected error (which a test must treat as a failure)."""

    accepted: list[Hashable] = field(default_factory=list)
    refused: dict[Hashable, str] = field(default_factory=dict)
    errors: list[tuple[Hashable, BaseException]] = field(default_factory=list)
    close_error: BaseException | None = None
    accepted_before_close: int = 0


def race(
    app: Flask,
    keys: Sequence[Hashable],
    cast: Callable[[Hashable], str],
    close: Callable[[], None],
    *,
    close_after: int,
    spread: float = 1.5,
) -> Race:
    """Start one thread per key calling `cast(key)` (ACCEPTED, REFUSED, or it raises), all
    released together and arriving over `spread` seconds, and one thread calling `close()`
    as soon as `close_after` casts were accepted, while the others are still in flight or
    yet to come.

    `cast` and `close` run in their own app context (their own session); a `cast` that
    goes through services must commit itself, as the request wrapper would.
    """
    result = Race()
    guard = threading.Lock()
    fire = threading.Event()
    start = threading.Barrier(len(keys) + 1)

    delays = random.Random(1).choices(range(1000), k=len(keys))

    def caster(key: Hashable, delay: int) -> None:
        start.wait(timeout=60)
        time.sleep(spread * delay / 1000)
        with app.app_context():
            try:
                said = cast(key)
            except Conflict as refused:
                db.session.rollback()
                with guard:
                    result.refused[key] = refused.message
            except BaseException as exc:  # reported to the test
                db.session.rollback()
                with guard:
                    result.errors.append((key, exc))
            else:
                with guard:
                    if said == ACCEPTED:
                        result.accepted.append(key)
                        if len(result.accepted) >= close_after:
                            fire.set()
                    elif said == REFUSED:
                        result.refused[key] = "409"
                    else:
                        result.errors.append((key, AssertionError(said)))
            finally:
                db.session.remove()

    def closer() -> None:
        with app.app_context():
            # hold a connection from the start, as a moderator's request in flight would:
            # casts beyond the pool's size queue for connections first come, first served,
            # and a closer queued behind all of them would only ever close after them
            db.session.execute(text("SELECT 1"))
            start.wait(timeout=60)
            fire.wait(timeout=120)
            try:
                with guard:
                    result.accepted_before_close = len(result.accepted)
                close()
            except BaseException as exc:  # reported to the test
                result.close_error = exc
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=caster, args=(key, delay))
        for key, delay in zip(keys, delays, strict=True)
    ]
    threads.append(threading.Thread(target=closer))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a racer hung"
    return result


def all_at_once(app: Flask, workers: int, work: Callable[[int], object]) -> list[BaseException]:
    """Run `work(n)` for n in range(workers), each in its own thread, app context and
    session, released together by a barrier and committed; return what any of them raised."""
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def run(n: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                work(n)
                db.session.commit()
            except BaseException as exc:  # reported to the test
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    return errors


def log_of(subject_type: str, subject_id: str) -> list[tuple[int, str, dict]]:
    """(seq, action, data) of every log entry about one subject, read from the hashed
    bodies (what the public verifies), in log order."""
    out = []
    for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
        body = json.loads(entry.body)
        subject = body["subject"]
        if (subject["type"], subject["id"]) == (subject_type, str(subject_id)):
            out.append((body["seq"], body["action"], body.get("data") or {}))
    return out


def assert_participation_before_close(
    entries: list[tuple[int, str, dict]], participation: str, close: str, accepted: int
) -> dict:
    """Exactly one close entry; as many participation entries as accepted casts, every one
    of them before the close (whether logged at cast time or released in a batch at the
    close). Returns the close entry's data."""
    closes = [(seq, data) for seq, action, data in entries if action == close]
    assert len(closes) == 1, closes
    close_seq, close_data = closes[0]
    taking_part = [seq for seq, action, _ in entries if action == participation]
    assert len(taking_part) == accepted
    assert all(seq < close_seq for seq in taking_part), "a cast was logged after the close"
    return close_data
