"""Witnesses (issue 11): `verifier.witness` and `flask civic audit witness` against the app.

A witness checks the log exactly as the verifier does, keeps the checkpoint it saw, and
cosigns only a checkpoint consistent with it. A split view (two different trees of the
same size, shown to different witnesses or to one witness at different times) is caught
here with two apps on two databases that share the log key.
"""

from __future__ import annotations

import os
import re

import pytest
from flask_migrate import upgrade

from civic import create_app
from civic.audit import signing, verifier
from civic.audit.log import head
from civic.extensions import db
from tests.audit.fakelog import ORIGIN, FakeLog, entry_bodies
from tests.audit.sites import checkpoint, client_site, record_some
from tests.conftest import RequestClient


def run(site, key, state, capsys, name=None) -> tuple[int, str]:
    code = verifier.witness(site, key, str(state), name)
    return code, capsys.readouterr().out


def test_a_witness_checks_cosigns_and_the_site_shows_its_cosignature(
    app, client, tmp_path, capsys, monkeypatch
):
    record_some(5)
    checkpoint()
    site, key = client_site(client), signing.log_verifier()

    code, out = run(site, key, tmp_path, capsys, "witness.test")
    # Its key is new: printed for the council, and the site does not know it yet.
    vkey = re.search(r"verifier key: (\S+)", out).group(1)
    assert verifier.parse_vkey(vkey).alg == verifier.ALG_COSIGNATURE_V1
    assert oct(os.stat(tmp_path / "witness.key").st_mode & 0o777) == "0o600"
    assert code == 1 and "REFUSED" in out and "answered 403" in out, out

    monkeypatch.setitem(app.config, "AUDIT_WITNESS_KEYS", vkey)
    code, out = run(site, key, tmp_path, capsys)
    assert code == 0 and "cosigned as witness.test: size 5, accepted" in out, out
    assert "verifier key" not in out  # the key is made once

    served = verifier.parse_note(client.get("/audit/log/checkpoint").get_data())
    mine = [s for s in served.signatures if s.name == "witness.test"]
    assert len(mine) == 1
    assert verifier.cosignature_time(verifier.parse_vkey(vkey), served.text, mine[0])

    code, out = run(site, key, tmp_path, capsys)
    assert code == 0 and "already cosigned by witness.test" in out

    record_some(3, "b")  # after the entry logging the accepted cosignature
    checkpoint()
    size = head().size
    code, out = run(site, key, tmp_path, capsys)
    assert code == 0 and "consistent with the checkpoint of size 5" in out, out
    assert f"size {size}, accepted" in out


def test_a_witness_keeps_its_name_and_refuses_another(tmp_path, capsys):
    signer, new = verifier.witness_key(str(tmp_path), "first.example")
    assert new and signer.name == "first.example"
    assert verifier.witness_key(str(tmp_path)) == (signer, False)
    log = FakeLog(entry_bodies(3), verifier.generate_signer(ORIGIN))
    code, out = run(log.site(), log.signer.verifier, tmp_path, capsys, "second.example")
    assert code == 2 and "is the key of witness 'first.example'" in out


def test_the_default_witness_name_is_a_valid_key_name():
    name = verifier.default_witness_name()
    assert name and "+" not in name and not re.search(r"\s", name)
    verifier.generate_signer(name, verifier.ALG_COSIGNATURE_V1)


def test_a_witness_never_cosigns_a_rollback(tmp_path, capsys):
    signer = verifier.generate_signer(ORIGIN)
    log = FakeLog(entry_bodies(10), signer)
    sent: list[bytes] = []
    site = verifier.Site(
        "https://civic.test", log.get, lambda p, b: (sent.append(b), (200, b""))[1]
    )
    assert run(site, signer.verifier, tmp_path, capsys, "w")[0] == 0 and len(sent) == 1
    note = verifier.parse_note(sent[0])
    assert note.text == log.checkpoint_text() and note.signatures[-1].name == "w"
    log.bodies.pop()
    code, out = run(site, signer.verifier, tmp_path, capsys)
    assert code == 1 and len(sent) == 1
    assert out.strip().splitlines() == [out.strip()]  # one line
    assert out.startswith("MISMATCH, not cosigned: checkpoint: size 9 is smaller")


def test_the_flask_command_wraps_the_witness(app, client, tmp_path, monkeypatch):
    record_some(2)
    checkpoint()
    monkeypatch.setattr(verifier.Site, "at", classmethod(lambda cls, url: client_site(client)))
    runner = app.test_cli_runner()
    key = signing.log_verifier().vkey
    args = ["civic", "audit", "witness", "https://civic.test", "--key", key]
    result = runner.invoke(args=[*args, "--state", str(tmp_path), "--name", "cli.test"])
    assert result.exit_code == 1 and "answered 403" in result.output, result.output
    vkey = re.search(r"verifier key: (\S+)", result.output).group(1)
    monkeypatch.setitem(app.config, "AUDIT_WITNESS_KEYS", vkey)
    result = runner.invoke(args=[*args, "--state", str(tmp_path)])
    assert result.exit_code == 0 and "cosigned as cli.test: size 2" in result.output
    result = runner.invoke(args=[*args[:-1], "not-a-key", "--state", str(tmp_path)])
    assert result.exit_code == 2 and "verifier key" in result.output


# --- A split view: two databases behind one log key ---------------------------------------


@pytest.fixture
def second_app(app, tmp_path):
    """Another copy of the site: same key and origin, its own database and log."""
    other = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/second.db",
            "AUDIT_SIGNING_KEY": app.config["AUDIT_SIGNING_KEY"],
            "AUDIT_ORIGIN": app.config["AUDIT_ORIGIN"],
        }
    )
    other.test_client_class = RequestClient
    with other.app_context():
        upgrade()
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_split_view_is_caught_by_any_witness_that_sees_both_trees(
    app, client, second_app, tmp_path, capsys, monkeypatch
):
    record_some(5, "a")
    checkpoint()
    with second_app.app_context():
        record_some(5, "b")  # the same size, other entries
        checkpoint()
        db.session.commit()
    view1, view2 = client_site(client), client_site(second_app.test_client())
    key = signing.log_verifier()
    witnesses = {n: tmp_path / n for n in ("w1", "w2", "w3")}
    vkeys = [verifier.witness_key(str(d), n)[0].verifier.vkey for n, d in witnesses.items()]
    for configured in (app, second_app):
        monkeypatch.setitem(configured.config, "AUDIT_WITNESS_KEYS", " ".join(vkeys))

    # Each witness, shown one view, finds nothing wrong with it on its own.
    assert run(view1, key, witnesses["w1"], capsys)[0] == 0
    assert run(view2, key, witnesses["w2"], capsys)[0] == 0

    # Shown the other view later, each refuses to cosign it.
    for name, view in (("w1", view2), ("w2", view1)):
        code, out = run(view, key, witnesses[name], capsys)
        assert code == 1 and "split view" in out, out
        assert out.count("\n") == 1
    with second_app.test_client() as other:
        served = other.get("/audit/log/checkpoint").get_data(as_text=True)
    assert "\u2014 w1 " not in served and "\u2014 w2 " in served

    # A witness that saw view 2 sends its cosignature to the council's own site, which never
    # signed that checkpoint: refused with 409.
    crossed = verifier.Site(view2.base, view2.get, view1.post)
    code, out = run(crossed, key, witnesses["w3"], capsys)
    assert code == 1 and "answered 409" in out and "did not store" in out, out

    # View 2 grows, still inconsistent with view 1: w1 names the first entry that differs.
    with second_app.app_context():
        record_some(3, "c")
        checkpoint()
        db.session.commit()
    code, out = run(view2, key, witnesses["w1"], capsys)
    assert code == 1 and out.startswith("MISMATCH, not cosigned: entry 0: it differs"), out
