"""Signed checkpoints: made on demand, by tick and by every close; stored once per tree;
published as C2SP signed notes; never signed over a log that no longer extends them."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from civic import ROOT, audit
from civic.accounts.models import utcnow
from civic.audit import signing
from civic.audit.checkpoints import AuditCheckpoint, latest, make_checkpoint
from civic.audit.models import AuditEntry
from civic.audit.verifier import EMPTY_ROOT, parse_checkpoint, parse_note, parse_vkey
from civic.budgets import services as budgets
from civic.budgets.models import Phase
from civic.budgets.pabulib import parse_file
from civic.budgets.pabulib_io import import_round
from civic.consultations import services as consultations
from civic.errors import Conflict
from civic.extensions import db
from civic.votes import services as votes
from civic.votes.models import ProposalState
from tests.budgets.rounds_helpers import make_round
from tests.conftest import drop_audit_guard, tamper_audit_entry
from tests.consultations.helpers import make_consultation
from tests.factories import AreaFactory, UserFactory
from tests.votes.helpers import make_proposal


def _log(n: int) -> None:
    for i in range(n):
        audit.record(None, "area:create", audit.Subject("area", f"a{i}"))
    db.session.flush()


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditCheckpoint))


def _entries() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry))


def _checked(note_text: str):
    """The checkpoint in a signed note, after checking Civic's signature on it."""
    note = parse_note(note_text)
    assert note.signed_by(parse_vkey(signing.log_verifier().vkey)), note_text
    return parse_checkpoint(note.text)


def _last(action: str) -> AuditEntry:
    return db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq.desc())
    )


# --- making checkpoints -----------------------------------------------------------------


def test_a_checkpoint_signs_the_log_s_size_and_root(app):
    _log(5)
    made = make_checkpoint("cli")
    checkpoint = _checked(made.note)
    result = audit.verify()
    assert (checkpoint.origin, checkpoint.size, checkpoint.root) == (
        "localhost/civic",
        5,
        result.root,
    )
    assert (made.size, bytes(made.root), made.trigger) == (5, result.root, "cli")
    assert audit.verify((made.size, bytes(made.root))).ok


def test_the_empty_log_gets_the_empty_tree_s_checkpoint(app):
    assert _entries() == 0
    checkpoint = _checked(make_checkpoint("cli").note)
    assert (checkpoint.size, checkpoint.root) == (0, EMPTY_ROOT)


def test_no_duplicate_when_nothing_changed(app):
    _log(2)
    first = make_checkpoint("cli")
    assert make_checkpoint("tick") is first and _count() == 1
    _log(1)
    second = make_checkpoint("tick")
    assert second.id != first.id and second.size == 3 and _count() == 2
    assert latest() is second


def test_checkpoints_are_not_audit_entries(app):
    _log(2)
    make_checkpoint("cli")
    assert _entries() == 2


def test_civic_will_not_sign_a_log_cut_short(app):
    _log(4)
    make_checkpoint("cli")
    drop_audit_guard()
    db.session.execute(AuditEntry.__table__.delete().where(AuditEntry.seq == 3))
    db.session.expire_all()
    with pytest.raises(Conflict, match="shorter log"):
        make_checkpoint("tick")


def test_civic_will_not_sign_a_rewritten_history(app):
    _log(4)
    signed = make_checkpoint("cli")
    _log(1)
    # someone rewrote the tree up to the signed size (as a full rehash would)
    tamper_audit_entry(signed.size - 1, root_after=b"\x07" * 32)
    with pytest.raises(Conflict, match="no longer hash"):
        make_checkpoint("tick")
    assert _count() == 1


def test_a_proposal_close_makes_a_checkpoint_covering_its_close_entry(app):
    proposal, moderator, _ = make_proposal(ProposalState.VOTING, quorum=0)
    votes.close_vote(moderator, proposal, reason="Closed early for the test")
    close = _last("proposal:close")
    made = latest()
    assert made.size == close.seq + 1 and made.trigger == f"proposal:close {proposal.id}"
    assert _checked(made.note).root == bytes(close.root_after)


def test_a_consultation_close_makes_a_checkpoint_covering_its_close_entry(app):
    consultation, moderator, _ = make_consultation()
    consultations.close_consultation(moderator, consultation, reason="Closed early in the test")
    close = _last("consultation:close")
    made = latest()
    assert made.size == close.seq + 1
    assert made.trigger == f"consultation:close {consultation.id}"


def test_frozen_round_results_make_a_checkpoint_covering_the_results_entry(app):
    round_, moderator, _ = make_round()
    budgets.advance_phase(moderator, round_, Phase.RESULTS, reason="Counted early in the test")
    results = _last("budget_round:results")
    made = latest()
    assert made.size == results.seq + 1
    assert made.trigger == f"budget_round:results {round_.id}"


def test_a_pabulib_import_makes_a_checkpoint_covering_its_results(app):
    path = ROOT / "tests" / "data" / "pabulib" / "Poland_Warszawa_2018_Slodowiec.pb"
    round_ = import_round(parse_file(str(path)), AreaFactory())
    made = latest()
    assert made.size == _last("budget_round:results").seq + 1
    assert made.trigger == f"budget_round:results {round_.id}"


# --- commands ---------------------------------------------------------------------------


def test_the_checkpoint_command_prints_the_signed_note(app):
    _log(3)
    result = app.test_cli_runner().invoke(args=["civic", "audit", "checkpoint"])
    assert result.exit_code == 0, result.output
    assert _checked(result.output).size == 3
    again = app.test_cli_runner().invoke(args=["civic", "audit", "checkpoint"])
    assert again.output == result.output and _count() == 1


def test_the_key_command_prints_the_verifier_key(app):
    result = app.test_cli_runner().invoke(args=["civic", "audit", "key"])
    assert result.exit_code == 0
    assert result.output == signing.log_verifier().vkey + "\n"
    assert parse_vkey(result.output).name == "localhost/civic"


def test_tick_ends_with_a_checkpoint_of_everything_it_did(app, monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_BATCH_MIN", 1)
    proposal, _, area = make_proposal(ProposalState.VOTING)
    proposal.voting_until = utcnow() - timedelta(minutes=1)
    # a private act about another subject: tick releases it after the close
    audit.record(UserFactory(), "eligibility:grant", area)
    assert audit.pending_count(area) == 1
    db.session.flush()
    result = app.test_cli_runner().invoke(args=["civic", "tick"])
    assert result.exit_code == 0, result.output
    made = latest()
    assert made.trigger == "tick" and made.size == _entries()
    assert f"Signed checkpoint {made.id}: {made.size} audit entries." in result.output
    # the close made its own checkpoint first, in the close's transaction
    close = _last("proposal:close")
    closes = db.session.scalar(
        select(AuditCheckpoint).where(AuditCheckpoint.trigger == f"proposal:close {proposal.id}")
    )
    assert closes.size == close.seq + 1 < made.size
    assert _last("eligibility:grant").seq >= closes.size
    again = app.test_cli_runner().invoke(args=["civic", "tick"])
    assert again.output.strip() == "Nothing was due." and latest().id == made.id


def test_tick_makes_a_checkpoint_when_only_entries_were_added(app):
    _log(2)
    result = app.test_cli_runner().invoke(args=["civic", "tick"])
    assert result.exit_code == 0
    assert latest().trigger == "tick" and latest().size == 2


def test_tick_refuses_in_one_line_when_the_log_was_cut_short(app):
    _log(3)
    make_checkpoint("cli")
    drop_audit_guard()
    db.session.execute(AuditEntry.__table__.delete().where(AuditEntry.seq == 2))
    result = app.test_cli_runner().invoke(args=["civic", "tick"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith("Error: The audit log holds 2")


# --- public pages -----------------------------------------------------------------------


def test_the_key_page_is_the_verifier_key(client):
    response = client.get("/audit/key")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert response.get_data(as_text=True) == signing.log_verifier().vkey + "\n"


def test_the_first_reader_of_a_fresh_log_gets_a_signed_checkpoint(client):
    assert _count() == 0
    response = client.get("/audit/log/checkpoint")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert response.headers["Cache-Control"] == "no-cache"
    assert _checked(response.get_data(as_text=True)).size == 0
    assert latest().trigger == "first request"
    assert client.get("/audit/log/checkpoint").data == response.data and _count() == 1


def test_the_log_checkpoint_is_the_newest_not_the_live_head(client):
    _log(2)
    make_checkpoint("cli")
    _log(1)
    text = client.get("/audit/log/checkpoint").get_data(as_text=True)
    assert _checked(text).size == 2  # signed trees only: the next tick signs the third


def test_the_checkpoints_page_lists_newest_first_with_roots_and_triggers(client):
    _log(1)
    older = make_checkpoint("cli")
    _log(1)
    newer = make_checkpoint("proposal:close 12")
    page = client.get("/audit/checkpoints").get_data(as_text=True)
    assert page.index(f">#{newer.id}<") < page.index(f">#{older.id}<")
    for checkpoint in (older, newer):
        assert checkpoint.root_base64 in page and bytes(checkpoint.root).hex() in page
    assert "proposal:close 12" in page and "nobody yet" in page
    assert signing.log_verifier().vkey in page
    assert f'href="/audit/checkpoints/{newer.id}"' in page
    assert 'href="/audit/log/checkpoint"' in page


def test_the_audit_log_links_to_the_checkpoints_and_shows_the_key(client):
    page = client.get("/audit").get_data(as_text=True)
    assert 'href="/audit/checkpoints"' in page and signing.log_verifier().vkey in page


NEXT_RE = re.compile(r'href="([^"]+)" rel="next"')


def test_checkpoint_pages_cover_every_checkpoint_once(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_PAGE_SIZE", 2)
    made = []
    for _ in range(5):
        _log(1)
        made.append(make_checkpoint("cli").id)
    seen, url = [], "/audit/checkpoints"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += [int(n) for n in re.findall(r'">#(\d+)</a>', html)]
        match = NEXT_RE.search(html)
        url = match.group(1).replace("&amp;", "&") if match else None
    assert seen == list(reversed(made))
    newer = client.get(f"/audit/checkpoints?after={made[0]}").get_data(as_text=True)
    assert [int(n) for n in re.findall(r'">#(\d+)</a>', newer)] == [made[2], made[1]]


def test_bad_paging_parameters_are_a_400(client):
    assert client.get("/audit/checkpoints?before=abc").status_code == 400
    assert client.get("/audit/checkpoints.json?after=-1").status_code == 400


def test_the_json_list_carries_the_notes_and_the_key(client):
    _log(3)
    made = make_checkpoint("cli")
    response = client.get("/audit/checkpoints.json")
    assert response.mimetype == "application/json"
    body = json.loads(response.data)
    assert body["key"] == signing.log_verifier().vkey and body["origin"] == "localhost/civic"
    (item,) = body["checkpoints"]
    assert item["id"] == made.id and item["size"] == 3 and item["trigger"] == "cli"
    assert item["root_hex"] == bytes(made.root).hex() == audit.verify().root.hex()
    assert _checked(item["note"]).root.hex() == item["root_hex"]
    assert item["cosigners"] == [] and body["older"] is None and body["newer"] is None


def test_a_checkpoint_has_its_own_page(client):
    _log(2)
    made = make_checkpoint("cli")
    page = client.get(f"/audit/checkpoints/{made.id}").get_data(as_text=True)
    assert made.root_base64 in page and "localhost/civic" in page
    assert 'href="/audit/entries/1"' in page
    assert client.get(f"/audit/checkpoints/{made.id + 1}").status_code == 404
