"""Two `civic tick`s at once mark each overdue standards report once (PostgreSQL)."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from civic.audit.models import AuditEntry
from civic.contracts.performance import services
from civic.contracts.performance.models import ReportStatus, StandardsReport
from civic.extensions import db
from civic.votes.models import Standard
from tests.contracts.performance.helpers import contract_with_terms
from tests.races import skip_without_postgres

NOW = datetime(2028, 6, 1, 3, tzinfo=UTC)  # three anniversaries of the factory's contract


@pytest.mark.commits
def test_simultaneous_ticks_mark_each_overdue_report_once(app) -> None:
    skip_without_postgres()
    contract = contract_with_terms(
        Standard.GENDER_PAY_AUDIT, Standard.FAIR_WAGE, Standard.UNION_RECOGNITION
    )
    db.session.commit()
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []
    marked: list[list[str]] = []

    def tick() -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=60)
                said = services.mark_overdue_reports(NOW)
                db.session.commit()
                marked.append(said)
            except BaseException as exc:  # asserted below
                db.session.rollback()
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=tick) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    db.session.expire_all()
    rows = db.session.scalars(
        select(StandardsReport).where(StandardsReport.contract_id == contract.id)
    ).all()
    assert len(rows) == 9 and {r.status for r in rows} == {ReportStatus.OVERDUE}
    entries = [
        json.loads(e.body)["data"]
        for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "standards_report:overdue")
        )
    ]
    assert len(entries) == 9
    assert len({(e["standard"], e["due_on"]) for e in entries}) == 9
    assert sum(len(m) for m in marked) == 9  # each told once, by whichever tick marked it
