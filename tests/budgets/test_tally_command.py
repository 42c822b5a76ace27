"""``python -m civic.budgets.tally``: the tally command as a plain program. It must not import
Flask or SQLAlchemy (no app, no database), ``--help`` must not import NumPy (only a rule
that runs does), and it must say what ``flask civic tally`` says. Checked on real child
processes with ``python -X importtime``, which names every module a process imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from civic.budgets.pabulib import parse_file

DATA = Path(__file__).resolve().parent.parent / "data" / "pabulib"
ASSEN = DATA / "Netherlands_Assen_2024.pb"
WEB = {"flask", "flask_sqlalchemy", "sqlalchemy", "werkzeug", "alembic", "psycopg"}


def _tally(*args: str, importtime: bool = False) -> tuple[subprocess.CompletedProcess, set]:
    """Run the command in a child process: its result, and the top-level packages it
    imported (when ``importtime``)."""
    flags = ["-X", "importtime"] if importtime else []
    done = subprocess.run(
        [sys.executable, *flags, "-m", "civic.budgets.tally", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    imported = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }
    if importtime:
        assert "civic" in imported  # the listing works: our own package shows in it
    return done, imported


def _messages(done: subprocess.CompletedProcess) -> list[str]:
    return [line for line in done.stderr.splitlines() if not line.startswith("import time:")]


def test_help_imports_neither_flask_nor_numpy():
    done, imported = _tally("--help", importtime=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: python -m civic.budgets.tally")
    assert "mes-add1" in done.stdout
    assert not imported & WEB, imported & WEB
    assert "numpy" not in imported


def test_a_tally_runs_mes_without_flask_and_imports_numpy_only_then():
    done, imported = _tally(str(ASSEN), "--rule", "mes-add1", "--json", importtime=True)
    assert done.returncode == 0, _messages(done)
    report = json.loads(done.stdout)
    winners = {p.project_id for p in parse_file(ASSEN).projects if p.fields["selected"] == "1"}
    assert set(report["selected"]) == winners
    assert report["cost"] == 76_700
    assert not imported & WEB, imported & WEB
    assert "numpy" in imported  # MES ran, and brought NumPy with it

    done, imported = _tally(str(ASSEN), "--rule", "greedy", importtime=True)
    assert done.returncode == 0, _messages(done)
    assert done.stdout.startswith("greedy: ")
    assert not imported & (WEB | {"numpy"})  # greedy needs no NumPy at all


@pytest.mark.parametrize("rule", ["greedy", "mes"])
@pytest.mark.parametrize("as_json", [True, False], ids=["json", "text"])
def test_it_says_what_flask_civic_tally_says(app, rule, as_json):
    args = [str(ASSEN), "--rule", rule] + (["--json"] if as_json else [])
    done, _ = _tally(*args)
    flask = app.test_cli_runner().invoke(args=["civic", "tally", *args])
    assert done.returncode == flask.exit_code == 0

    def timeless(output: str):  # the compute time is the one thing that may differ
        if as_json:
            report = json.loads(output)
            assert report.pop("seconds") >= 0
            return report
        first, *rest = output.splitlines()
        return [first.rsplit(" (", 1)[0], *rest]

    assert timeless(done.stdout) == timeless(flask.output)


def test_a_malformed_file_exits_2_naming_the_line(tmp_path):
    text = ASSEN.read_text(encoding="utf-8")
    broken = tmp_path / "broken.pb"
    broken.write_text(text.replace("PROJECTS\n", "PROJECTS\nproject_id;cost\n", 1))
    done, _ = _tally(str(broken), "--rule", "mes")
    assert done.returncode == 2
    assert done.stdout == ""
    [message] = _messages(done)
    assert message.startswith(f"{broken}: line ") and "fields, header has" in message


def test_usage_errors_exit_2_with_the_usage_line(tmp_path):
    done, _ = _tally(str(ASSEN))
    assert done.returncode == 2
    assert "give --rule to tally a file" in done.stderr
    assert done.stderr.startswith("usage: ")
    done, _ = _tally("https://example.org/budgets/x", "--rule", "mes")
    assert done.returncode == 2
    assert "brings its own rule" in done.stderr
    done, _ = _tally(str(ASSEN), "--rule", "borda")
    assert done.returncode == 2
    assert "invalid choice: 'borda'" in done.stderr
    done, _ = _tally(str(tmp_path / "none.pb"), "--rule", "greedy")
    assert done.returncode == 2
    assert _messages(done) == [
        f"{tmp_path / 'none.pb'}: cannot read the file "
        f"([Errno 2] No such file or directory: '{tmp_path / 'none.pb'}')"
    ]


def test_the_web_app_starts_without_numpy():
    """The app imports the budget rules; MES (and NumPy) only come when a round is counted."""
    code = (
        "import sys; from civic.app import create_app; create_app({}); "
        "print(sorted({'numpy', 'zxcvbn', 'flask'} & set(sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["['flask']"]
