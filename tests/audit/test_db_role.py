"""The app works under a PostgreSQL role that can only SELECT and INSERT on the audit log.

The role gets exactly the privileges of civic/audit/app_role.sql (the file the README's
production set-up runs), created inside the test's transaction so it disappears with it.
"""

from __future__ import annotations

import re
import secrets

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from civic import ROOT, audit
from civic.audit.models import AuditEntry, AuditTileNode
from civic.extensions import db
from civic.votes import services as votes
from civic.votes.models import ProposalState
from tests.conftest import login, on_postgres, post_form
from tests.votes.helpers import make_proposal, residents

GRANTS = ROOT / "civic" / "audit" / "app_role.sql"


def _grant_statements(role: str) -> list[str]:
    sql = re.sub(r"--[^\n]*", "", GRANTS.read_text())
    return [s.strip().replace("civic_app", role) for s in sql.split(";") if s.strip()]


@pytest.fixture
def app_role():
    """Switch this test's connection to a fresh role holding only the app's privileges."""
    if not on_postgres():
        pytest.skip("needs PostgreSQL (roles and grants): set CIVIC_TEST_DATABASE_URL")
    role = f"civic_app_role_test_{secrets.token_hex(4)}"
    connection = db.engines[None]  # the test's outer transaction: SET LOCAL lasts until its end
    connection.execute(text(f"CREATE ROLE {role} NOLOGIN"))
    for statement in _grant_statements(role):
        connection.execute(text(statement))
    connection.execute(text(f"SET LOCAL ROLE {role}"))
    assert connection.execute(text("SELECT current_user")).scalar() == role
    return role


def _refused(statement: str) -> str:
    with pytest.raises(DBAPIError) as refused, db.session.begin_nested():
        db.session.execute(text(statement))
    return str(refused.value.orig)


def test_the_app_votes_closes_releases_and_verifies_under_the_app_role(app_role, client):
    proposal, moderator, area = make_proposal(ProposalState.VOTING, quorum=0)
    voters = residents(area, 3)
    for voter in voters[:2]:
        votes.cast_vote(voter, proposal, "for")
    db.session.flush()
    # and through a real request: sign in, take the form, vote
    login(client, voters[2])
    response = post_form(client, f"/votes/{proposal.id}/vote", {"choice": "against"})
    assert response.status_code in (200, 302, 303), response.get_data(as_text=True)[:300]
    assert audit.pending_count(proposal) == 3
    votes.close_vote(moderator, proposal, reason="Closed early for the test")
    assert audit.pending_count() == 0
    actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))
    assert actions.count("proposal:vote_cast") == 3 and actions[-1] == "proposal:close"
    assert (proposal.votes_for, proposal.votes_against) == (2, 1)
    assert audit.verify().ok
    assert client.get("/audit").status_code == 200


def test_the_app_role_cannot_change_remove_or_unguard_the_log(app_role):
    audit.record(None, "area:create", audit.Subject("area", "a"))
    audit.record(None, "proposal:vote_cast", audit.Subject("proposal", "1"))
    db.session.flush()
    for statement in (
        "UPDATE audit_entry SET actor = 'p-forged'",
        "DELETE FROM audit_entry",
        "TRUNCATE audit_entry",
        "ALTER TABLE audit_entry DISABLE TRIGGER USER",
        "UPDATE audit_pending SET actor = 'p-forged'",
        "TRUNCATE audit_pending",
        "DROP TABLE audit_entry",
        "UPDATE audit_tile_node SET hash = hash",
        "DELETE FROM audit_tile_node",
        "TRUNCATE audit_tile_node",
    ):
        reason = _refused(statement)
        # refused for want of privilege (or ownership), before any trigger runs
        assert "permission denied" in reason or "must be owner" in reason, (statement, reason)
    assert audit.release_pending() == 1  # what it may do: append, and empty the queue
    assert audit.verify().ok and audit.verify().size == 2


def test_the_app_role_stores_tile_hashes_and_serves_tiles(app_role, client):
    for n in range(256):
        audit.record(None, "area:create", audit.Subject("area", str(n)))
    db.session.flush()
    assert db.session.scalar(select(func.count()).select_from(AuditTileNode)) == 1
    assert len(client.get("/audit/log/tile/1/000.p/1").data) == 32
