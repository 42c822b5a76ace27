"""Checkpoints and cosignatures racing appends (PostgreSQL, real threads and commits):
every checkpoint signs a tree the final log extends, no tree is signed twice, and a
cosignature sent by many connections at once is stored and audited once."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from civic import audit
from civic.audit.checkpoints import (
    AuditCheckpoint,
    AuditCosignature,
    accept_cosignatures,
    make_checkpoint,
)
from civic.audit.models import AuditEntry
from civic.audit.verifier import ALG_COSIGNATURE_V1, Note, cosign, generate_signer, parse_note
from civic.extensions import db
from tests.conftest import on_postgres
from tests.races import all_at_once

WORKERS = 16


@pytest.fixture
def postgres() -> None:
    if not on_postgres():
        pytest.skip("needs PostgreSQL (concurrent connections): set CIVIC_TEST_DATABASE_URL")


@pytest.mark.commits
def test_checkpoints_made_while_others_append_all_sign_the_one_log(app, postgres):
    def work(n: int) -> None:
        if n % 2:
            audit.record(None, "area:create", audit.Subject("area", str(n)))
        else:
            make_checkpoint("tick")

    assert all_at_once(app, WORKERS, work) == []
    with app.app_context():
        rows = list(db.session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id)))
        sizes = [r.size for r in rows]
        assert sizes == sorted(set(sizes))  # in order, and no tree signed twice
        for row in rows:
            assert audit.verify((row.size, bytes(row.root))).ok
        assert db.session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc())) == 7


@pytest.mark.commits
def test_one_cosignature_sent_at_once_by_many_is_stored_once(app, postgres, monkeypatch):
    witness = generate_signer("witness.example/w1", ALG_COSIGNATURE_V1)
    monkeypatch.setitem(app.config, "AUDIT_WITNESS_KEYS", witness.verifier.vkey)
    with app.app_context():
        audit.record(None, "area:create", audit.Subject("area", "a"))
        note = parse_note(make_checkpoint("cli").note)
        db.session.commit()
    body = Note(note.text, (cosign(witness, note.text, int(time.time())),)).serialise()
    assert all_at_once(app, WORKERS, lambda n: accept_cosignatures(body)) == []
    with app.app_context():
        assert len(db.session.scalars(select(AuditCosignature)).all()) == 1
        actions = db.session.scalars(select(AuditEntry.action)).all()
        assert actions.count("audit:cosign") == 1
