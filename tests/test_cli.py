"""`flask civic ...` commands: they call the services, commit once, and fail in one line."""

from __future__ import annotations

from sqlalchemy import func, select

from civic import audit
from civic.accounts.models import Area, Eligibility, Group, User
from civic.audit.models import AuditEntry
from civic.extensions import db
from tests.conftest import tamper_audit_entry


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_create_user_admin(app):
    result = app.test_cli_runner().invoke(
        args=[
            "civic",
            "create-user",
            "--email",
            "Boss@Council.example",
            "--name",
            "Boss",
            "--role",
            "admin",
        ],
        input="velvet-tractor-harbour\nvelvet-tractor-harbour\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalars(select(User)).one()
    assert (user.email, user.is_admin) == ("boss@council.example", True)
    assert db.session.scalars(select(AuditEntry.action)).all() == ["account:create"]


def test_create_user_weak_password_fails_in_one_line(app):
    result = app.test_cli_runner().invoke(
        args=[
            "civic",
            "create-user",
            "--email",
            "a@b.example",
            "--name",
            "A",
            "--password",
            "password123",
        ],
    )
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith("Error: ")
    assert "common passwords" in result.output
    assert _count(User) == 0


def test_audit_verify_reports_size_and_root(app):
    for n in range(3):
        audit.record(None, "area:create", audit.Subject("area", str(n)))
    db.session.flush()
    result = app.test_cli_runner().invoke(args=["civic", "audit", "verify"])
    assert result.exit_code == 0
    assert result.output.startswith("OK: 3 entries, root ")
    assert audit.verify().root.hex() in result.output


def test_audit_verify_exits_1_naming_the_first_bad_entry(app):
    for n in range(4):
        audit.record(None, "area:create", audit.Subject("area", str(n)))
    db.session.flush()
    for seq in (1, 2):
        body = db.session.get(AuditEntry, seq).body.replace(b'"id":"', b'"id":"x')
        tamper_audit_entry(seq, body=body)
    result = app.test_cli_runner().invoke(args=["civic", "audit", "verify"])
    assert result.exit_code == 1
    assert "FAILED: entry 1:" in result.output


def test_seed_is_idempotent(app, monkeypatch, tmp_path):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["civic", "seed"])
    assert first.exit_code == 0, first.output
    assert "admin@civic.example" in first.output
    counts = [_count(m) for m in (User, Area, Group, Eligibility, AuditEntry)]
    assert counts[0] >= 4 and counts[1] >= 3 and counts[2] >= 2  # elections add a group
    second = runner.invoke(args=["civic", "seed"])
    assert second.exit_code == 0 and "already loaded" in second.output
    assert [_count(m) for m in (User, Area, Group, Eligibility, AuditEntry)] == counts
    assert audit.verify().ok
    # the printed unused codes really work
    codes = second.output.split("Northgate: last three):")[1].strip().splitlines()[0].split()
    assert len(codes) == 6


def test_tick_closes_what_is_due(app):
    from datetime import timedelta

    from civic.accounts.models import utcnow
    from civic.votes.models import ProposalState
    from tests.votes.helpers import make_proposal

    proposal, _, _ = make_proposal(ProposalState.VOTING)
    proposal.voting_until = utcnow() - timedelta(minutes=1)
    db.session.flush()
    result = app.test_cli_runner().invoke(args=["civic", "tick"])
    assert result.exit_code == 0, result.output
    assert f"proposal {proposal.id}: quorum_not_met" in result.output
    assert proposal.state is ProposalState.CLOSED
