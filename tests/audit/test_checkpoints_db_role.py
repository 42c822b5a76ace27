"""Under the app's PostgreSQL role (civic/audit/app_role.sql), Civic signs checkpoints and
stores cosignatures, but cannot change or remove either."""

from __future__ import annotations

import time

from civic import audit
from civic.audit.checkpoints import accept_cosignatures, make_checkpoint
from civic.audit.verifier import ALG_COSIGNATURE_V1, Note, cosign, generate_signer, parse_note
from tests.audit.test_db_role import _refused
from tests.audit.test_db_role import app_role as app_role  # the fixture, re-exported


def test_the_app_role_checkpoints_and_stores_cosignatures_but_cannot_change_them(
    app,
    app_role,
    monkeypatch,
):
    witness = generate_signer("witness.example/w1", ALG_COSIGNATURE_V1)
    monkeypatch.setitem(app.config, "AUDIT_WITNESS_KEYS", witness.verifier.vkey)
    audit.record(None, "area:create", audit.Subject("area", "a"))
    checkpoint = make_checkpoint("cli")
    note = parse_note(checkpoint.note)
    line = cosign(witness, note.text, int(time.time()))
    (accepted,) = accept_cosignatures(Note(note.text, (line,)).serialise())
    assert accepted.new and checkpoint.size == 1
    for statement in (
        "UPDATE audit_checkpoint SET trigger = 'forged'",
        "DELETE FROM audit_checkpoint",
        "UPDATE audit_cosignature SET witness = 'forged'",
        "DELETE FROM audit_cosignature",
        "TRUNCATE audit_cosignature",
    ):
        reason = _refused(statement)
        assert "permission denied" in reason, (statement, reason)
