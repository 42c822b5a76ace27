"""The same package imported by several people at once is registered once (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from civic.audit.models import AuditEntry
from civic.contracts.models import Contract, Provider
from civic.contracts.ocds_import import ImportRefused, import_package
from civic.extensions import db
from tests.contracts.test_ocds import FIXTURE
from tests.factories import AreaFactory
from tests.races import skip_without_postgres


@pytest.mark.commits
def test_simultaneous_imports_of_one_file_register_it_once(app) -> None:
    skip_without_postgres()
    AreaFactory(slug="riverside")
    db.session.commit()
    raw = FIXTURE.read_bytes()
    racers = 6
    barrier = threading.Barrier(racers)
    outcomes: list[str] = []
    unexpected: list[BaseException] = []

    def work() -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=60)
                import_package(None, raw, area_slug="riverside")
                db.session.commit()
                outcomes.append("imported")
            except (ImportRefused, IntegrityError):  # already registered, or collided
                db.session.rollback()
                outcomes.append("refused")
            except BaseException as exc:  # asserted below
                unexpected.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert unexpected == []
    assert sorted(outcomes) == ["imported"] + ["refused"] * (racers - 1)
    db.session.expire_all()
    count = select(func.count())
    assert db.session.scalar(count.select_from(Contract)) == 4
    assert db.session.scalar(count.select_from(Provider)) == 4
    imports = count.select_from(AuditEntry).where(AuditEntry.action == "contract:import")
    assert db.session.scalar(imports) == 4
