"""Every column a page shows comes from the hashed body, so editing a column is caught.

Issue 10: `audit verify` passed after the table owner disabled the trigger and changed an
entry's actor or recorded time, and the pages showed the forged values.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from civic import audit
from civic.audit.models import AuditEntry
from civic.extensions import db
from tests.conftest import tamper_audit_entry
from tests.factories import ModeratorFactory


@pytest.fixture
def logged():
    moderator = ModeratorFactory()
    for n in range(3):
        audit.record(moderator, "area:create", audit.Subject("area", f"a{n}"), {"n": n})
    db.session.flush()
    entry = db.session.get(AuditEntry, 1)
    return entry, json.loads(entry.body)


FORGED_TIME = datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("actor", "p-forged000000000", "actor column"),
        ("recorded_at", FORGED_TIME, "recorded time column"),
        ("subject_id", "elsewhere", "subject column"),
        ("action", "area:update", "action or subject column"),
    ],
)
def test_verify_fails_when_a_shown_column_disagrees_with_the_body(logged, column, value, reason):
    tamper_audit_entry(1, **{column: value})
    result = audit.verify()
    assert not result.ok and result.bad_seq == 1
    assert reason in result.reason


def test_pages_show_the_bodys_actor_and_time_not_the_forged_columns(client, logged):
    _entry, body = logged
    tamper_audit_entry(1, actor="p-forged000000000", recorded_at=FORGED_TIME)
    assert db.session.get(AuditEntry, 1).actor == "p-forged000000000"  # the row was changed
    shown_time = body["time"].replace("T", " ").rstrip("Z")
    for path in ("/audit", "/audit/entries/1", "/audit/subject/area/a1"):
        page = client.get(path).get_data(as_text=True)
        assert "p-forged" not in page and "2020-01-02" not in page, path
        assert body["actor"] in page and shown_time in page, path
    assert not audit.verify().ok


def test_a_damaged_body_is_shown_as_damaged_never_a_500(client, logged):
    tamper_audit_entry(1, body=b"not json")
    assert client.get("/audit").status_code == 200
    page = client.get("/audit/entries/1")
    assert page.status_code == 200 and "not json" in page.get_data(as_text=True)
    assert "body is not valid JSON" in audit.verify().reason
