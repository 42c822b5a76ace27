"""Private acts reach the log in shuffled, hour-stamped batches; closes release them first.

The attack from issue 10: a new account's registration, area grant and ballot sat in
adjacent log entries one second apart, so anyone could tie the ballot to a named person.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from civic import audit
from civic.accounts import services as accounts
from civic.audit import log as audit_log
from civic.audit.models import AuditEntry, AuditPending
from civic.budgets import services as budgets
from civic.budgets.models import Phase
from civic.consultations import services as consultations
from civic.discussions import services as talk
from civic.extensions import db
from civic.votes import services as votes
from civic.votes.models import ProposalState
from tests.accounts.mail_links import confirm
from tests.budgets.rounds_helpers import make_round, resident_of
from tests.consultations.helpers import make_consultation
from tests.factories import ModeratorFactory
from tests.votes.helpers import make_proposal, residents


def _entries(action: str | None = None) -> list[AuditEntry]:
    stmt = select(AuditEntry).order_by(AuditEntry.seq)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return list(db.session.scalars(stmt))


def _body(entry: AuditEntry) -> dict:
    return json.loads(entry.body)


class Clock:
    """Stands in for the audit log's clock, so times in the test are exact."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def tick(self, **delta: int) -> None:
        self.now += timedelta(**delta)


def test_a_vote_is_queued_not_logged_and_no_page_shows_it(client):
    proposal, _, area = make_proposal(ProposalState.VOTING)
    (voter,) = residents(area, 1)
    before = len(_entries())
    votes.cast_vote(voter, proposal, "for")
    assert len(_entries()) == before  # nothing appended
    pending = db.session.scalars(select(AuditPending)).one()
    assert (pending.action, pending.subject_id) == ("proposal:vote_cast", str(proposal.id))
    assert pending.actor == audit.pseudonym(voter.id, f"proposal:{proposal.id}")
    db.session.flush()
    for path in (
        "/audit",
        f"/audit/subject/proposal/{proposal.id}",
        "/audit?action=proposal:vote_cast",
    ):
        page = client.get(path).get_data(as_text=True)
        # the action filter offers every registered tag, logged or not: it tells nothing
        page = re.sub(r'<select[^>]*id="action".*?</select>', "", page, flags=re.DOTALL)
        assert "vote_cast" not in page and pending.actor not in page, path


def test_release_appends_in_a_shuffled_order_with_the_hour_as_time(monkeypatch):
    clock = Clock(datetime(2026, 11, 29, 14, 37, 12, tzinfo=UTC))
    monkeypatch.setattr(audit_log, "_now", clock)
    subjects = [audit.Subject("proposal", str(n)) for n in range(40)]
    voter = ModeratorFactory()
    for subject in subjects:
        audit.record(voter, "proposal:vote_cast", subject)
        clock.tick(seconds=1)
    audit.record(None, "area:create", audit.Subject("area", "named"))  # appended at once
    clock.tick(minutes=20)  # released at 14:57:52
    assert audit.release_pending() == 40
    assert audit.pending_count() == 0
    released = _entries("proposal:vote_cast")
    order = [e.subject_id for e in released]
    assert sorted(order, key=int) == [s.id for s in subjects]
    assert order != [s.id for s in subjects]  # shuffled (40! orders: never by chance)
    assert {_body(e)["time"] for e in released} == {"2026-11-29T14:00:00Z"}
    assert {e.recorded_at.replace(tzinfo=UTC) for e in released} == {
        clock.now.replace(minute=0, second=0)
    }
    assert released[0].seq > _entries("area:create")[0].seq  # queued acts go after
    assert audit.verify().ok


def test_the_register_grant_ballot_attack_no_longer_places_the_ballot(monkeypatch):
    clock = Clock(datetime(2026, 11, 29, 14, 37, 12, tzinfo=UTC))
    monkeypatch.setattr(audit_log, "_now", clock)
    round_, moderator, (project, *_rest) = make_round()
    _, codes = accounts.generate_codes(moderator, round_.area, count=1, valid_days=30)
    others = [resident_of(round_.area) for _ in range(4)]
    for other in others[:2]:  # cast before the newcomer
        budgets.cast_ballot(other, round_, [(project.id, 1)])
    newcomer = accounts.register("new@example.org", "Nia Newcomer", "a-Strong-test-passw0rd")
    clock.tick(seconds=1)
    confirm("new@example.org")  # the emailed link: a private act too (accounts slice)
    accounts.redeem_code(newcomer, codes[0])
    clock.tick(seconds=1)
    budgets.cast_ballot(newcomer, round_, [(project.id, 1)])
    clock.tick(minutes=5)
    for other in others[2:]:  # and after
        budgets.cast_ballot(other, round_, [(project.id, 1)])
    # a named act by the same person a second after their ballot: a comment on the round
    clock.tick(seconds=1)
    comment = talk.post_comment(newcomer, "budget_round", round_.slug, "Vote for the park!")
    public = audit.pseudonym(newcomer.id)
    register = _entries("account:register")[-1]
    assert register.actor == public and _body(register)["time"] == "2026-11-29T14:37:12Z"
    # the grant and the ballot are not in the log at all yet
    assert _entries("eligibility:grant") == [] and _entries("budget_ballot:cast") == []
    clock.tick(minutes=30)  # 15:12:17
    assert audit.release_pending() == 7
    (confirmed,) = _entries("account:email_confirm")
    assert _body(confirmed)["time"] == "2026-11-29T15:00:00Z" and confirmed.actor != public
    grant = _entries("eligibility:grant")
    ballots = _entries("budget_ballot:cast")
    assert len(grant) == 1 and len(ballots) == 5
    for entry in grant + ballots:
        assert _body(entry)["time"] == "2026-11-29T15:00:00Z"  # not 14:37:13 / 14:37:14
        assert entry.actor != public and entry.seq > register.seq
        assert public not in entry.body.decode()
    # the newcomer's ballot is one of five identical-looking entries in a shuffled batch:
    # neither its time nor its place says which
    assert len({_body(e)["time"] for e in ballots}) == 1
    assert {_body(e)["data"]["paper"] for e in ballots} == {False}
    assert len({e.actor for e in ballots}) == 5
    newcomers = audit.pseudonym(newcomer.id, f"budget_round:{round_.slug}")
    assert newcomers in {e.actor for e in ballots}
    assert grant[0].actor != newcomers  # the grant and the ballot cannot be joined either
    named = _entries("comment:post")[-1]
    assert named.subject_id == str(comment.id) and named.actor == public
    assert all(e.seq > named.seq for e in grant + ballots)
    assert audit.verify().ok


def test_closing_a_vote_logs_every_counted_vote_before_the_close():
    proposal, moderator, area = make_proposal(ProposalState.VOTING, quorum=0)
    voters = residents(area, 5)
    for n, voter in enumerate(voters):
        votes.cast_vote(voter, proposal, "for" if n % 2 else "against")
    votes.cast_vote(voters[0], proposal, "for")  # a changed mind: same scoped pseudonym
    assert _entries("proposal:vote_cast") == []
    votes.close_vote(moderator, proposal, reason="Closed early for the test")
    trail = [e for e in _entries() if e.subject_id == str(proposal.id)]
    close = next(e for e in trail if e.action == "proposal:close")
    casts = [e for e in trail if e.action in ("proposal:vote_cast", "proposal:vote_change")]
    assert len(casts) == 6 and all(e.seq < close.seq for e in casts)
    counted = _body(close)["data"]["for"] + _body(close)["data"]["against"]
    assert len({e.actor for e in casts}) == counted == 5  # participations == ballots
    # the change is logged as such, so the cast entries alone count the ballots
    assert sum(e.action == "proposal:vote_cast" for e in casts) == counted
    assert audit.pending_count(proposal) == 0


def test_moving_to_results_logs_every_ballot_before_the_results():
    round_, moderator, (a, b, *_rest) = make_round(rule="greedy")
    for choice in ([a], [a, b], [b]):
        budgets.cast_ballot(resident_of(round_.area), round_, [(p.id, 1) for p in choice])
    budgets.advance_phase(moderator, round_, Phase.RESULTS, reason="Closed early for the test")
    trail = [e for e in _entries() if e.subject_id == round_.slug]
    results = next(e for e in trail if e.action == "budget_round:results")
    phase = [e for e in trail if e.action == "budget_round:phase"][-1]
    ballots = [e for e in trail if e.action == "budget_ballot:cast"]
    assert len(ballots) == 3 and all(e.seq < phase.seq < results.seq for e in ballots)
    assert audit.pending_count(round_) == 0


def test_closing_a_consultation_logs_every_response_before_the_close():
    consultation, moderator, q = make_consultation()
    for _ in range(3):
        consultations.save_response(
            resident_of(consultation.area),
            consultation,
            {
                q["single"].id: "0",
                q["multiple"].id: [],
                q["scale"].id: "",
                q["ranking"].id: [],
                q["free_text"].id: "",
            },
            submit=True,
        )
    consultations.close_consultation(moderator, consultation, reason="Closed early for the test")
    trail = [e for e in _entries() if e.subject_type == "consultation"]
    close = next(e for e in trail if e.action == "consultation:close")
    responses = [e for e in trail if e.action == "consultation:respond"]
    assert len(responses) == _body(close)["data"]["responses"] == 3
    assert all(e.seq < close.seq for e in responses)


def test_release_of_one_subject_leaves_the_others_queued():
    voter = ModeratorFactory()
    audit.record(voter, "proposal:vote_cast", audit.Subject("proposal", "1"))
    audit.record(voter, "proposal:vote_cast", audit.Subject("proposal", "2"))
    assert audit.release_pending(audit.Subject("proposal", "1")) == 1
    assert [e.subject_id for e in _entries()] == ["1"]
    assert audit.pending_count() == 1


def test_release_due_waits_for_a_batch_or_for_a_day(app, monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_BATCH_MIN", 3)
    voter = ModeratorFactory()
    now = datetime.now(UTC)
    for n in range(2):
        audit.record(voter, "proposal:vote_cast", audit.Subject("proposal", str(n)))
    assert audit.release_due(now) == 0 and _entries() == []  # two would be easy to place
    assert audit.release_due(now + timedelta(hours=25)) == 2  # but none waits past a day
    for n in range(3):
        audit.record(voter, "proposal:vote_cast", audit.Subject("proposal", str(n)))
    assert audit.release_due(now) == 3


def test_tick_releases_a_due_batch(app, monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_BATCH_MIN", 2)
    voter = ModeratorFactory()
    for n in range(2):
        audit.record(voter, "proposal:vote_cast", audit.Subject("proposal", str(n)))
    db.session.flush()
    result = app.test_cli_runner().invoke(args=["civic", "tick"])
    assert result.exit_code == 0, result.output
    assert "Released 2 private acts" in result.output
    assert len(_entries("proposal:vote_cast")) == 2 and audit.pending_count() == 0


def test_audit_release_command_force_releases_a_small_batch(app):
    audit.record(ModeratorFactory(), "proposal:vote_cast", audit.Subject("proposal", "9"))
    db.session.flush()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["civic", "audit", "release"])
    assert "Released 0 private acts into the log; 1 still wait." in result.output
    result = runner.invoke(args=["civic", "audit", "release", "--force"])
    assert result.exit_code == 0, result.output
    assert "Released 1 private acts into the log; 0 still wait." in result.output
