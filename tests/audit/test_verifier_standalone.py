"""The verifier an outsider downloads: served by the site, runnable on its own, end to end.

`/audit/verifier.py` must be one file that runs with Python and `cryptography` only; the
end-to-end test downloads it from a real HTTP server and runs it in isolated mode (-I)
against that server, as a resident would.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from civic import create_app
from civic.audit import signing, verifier
from civic.extensions import db
from tests.audit.sites import checkpoint, record_some

BLOCK_FLASK = "import sys; [sys.modules.__setitem__(m, None) for m in ('flask', 'sqlalchemy')]; "


def _python(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=120, cwd=cwd, check=False
    )


def test_the_site_serves_the_verifier_file_as_a_download(client):
    response = client.get("/audit/verifier.py")
    assert response.status_code == 200
    assert response.mimetype == "text/x-python"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "verifier.py" in response.headers["Content-Disposition"]
    assert response.get_data() == Path(verifier.__file__).read_bytes()


def test_the_downloaded_file_runs_alone_without_flask(client, tmp_path):
    (tmp_path / "verifier.py").write_bytes(client.get("/audit/verifier.py").get_data())
    result = _python("-I", "verifier.py", "--help", cwd=tmp_path)
    assert result.returncode == 0 and "--state" in result.stdout, result.stderr
    code = "import runpy; sys.argv = ['verifier.py', '--help']; "
    code += "runpy.run_path('verifier.py', run_name='__main__')"
    result = _python("-I", "-c", BLOCK_FLASK + code, cwd=tmp_path)
    assert result.returncode == 0 and "--cosign" in result.stdout, result.stderr


def test_the_module_imports_neither_flask_nor_sqlalchemy():
    heavy = ("flask", "sqlalchemy", "werkzeug", "jinja2", "rfc8785")
    code = "import sys, civic.audit.verifier; "
    code += f"print(sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r}))"
    result = _python("-c", code, cwd=Path(verifier.__file__).parents[2])
    assert result.returncode == 0 and result.stdout.strip() == "[]", result.stderr
    code = "import runpy; sys.argv = ['verifier', '--help']; "
    code += "runpy.run_module('civic.audit.verifier', run_name='__main__')"
    result = _python("-c", BLOCK_FLASK + code, cwd=Path(verifier.__file__).parents[2])
    assert result.returncode == 0 and "--key" in result.stdout, result.stderr


@pytest.fixture
def live(tmp_path):
    """The app on a real HTTP server (werkzeug, threaded), on its own database file."""
    witness_dir = tmp_path / "witness"
    witness_key = verifier.witness_key(str(witness_dir), "e2e.witness")[0]
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/live.db",
            "SERVER_NAME": None,
            "AUDIT_WITNESS_KEYS": witness_key.verifier.vkey,
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        upgrade()
        record_some(300)  # a full tile and a partial one
        checkpoint()
        db.session.commit()
        key = signing.log_verifier().vkey
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{server.server_port}", key, witness_dir
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_end_to_end_over_http_with_the_downloaded_file(live, tmp_path):
    app, url, key, witness_dir = live
    with urllib.request.urlopen(f"{url}/audit/verifier.py") as response:  # noqa: S310
        (tmp_path / "verifier.py").write_bytes(response.read())
    state = str(tmp_path / "state")
    check = ["-I", "verifier.py", url, "--key", key, "--state", state]

    first = _python(*check, cwd=tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "size 300" in first.stdout and "entries: 300 checked" in first.stdout

    with app.app_context():
        record_some(20, "more")
        checkpoint()
        db.session.commit()
    second = _python(*check, cwd=tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "consistent with the checkpoint of size 300" in second.stdout
    assert "1 level-0 tiles from the saved copy" in second.stdout
    assert "the site's consistency proof from size 300 verifies" in second.stdout

    cosign = _python(*check[:-1], str(witness_dir), "--cosign", cwd=tmp_path)
    assert cosign.returncode == 0, cosign.stdout + cosign.stderr
    assert "cosigned as e2e.witness: size 320, accepted" in cosign.stdout
    with urllib.request.urlopen(f"{url}/audit/log/checkpoint") as response:  # noqa: S310
        assert "\u2014 e2e.witness " in response.read().decode()

    wrong_key = verifier.generate_signer("localhost/civic").verifier.vkey
    refused = _python("-I", "verifier.py", url, "--key", wrong_key, "--state", state, cwd=tmp_path)
    assert refused.returncode == 2 and "saved for another log or key" in refused.stdout
    fresh = str(tmp_path / "fresh")
    refused = _python("-I", "verifier.py", url, "--key", wrong_key, "--state", fresh, cwd=tmp_path)
    assert refused.returncode == 1 and "MISMATCH: checkpoint: not signed" in refused.stdout
