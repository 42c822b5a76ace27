"""`flask civic backup` and `flask civic restore`, on the database the suite runs on.

A populated database (the matrix world: rounds, a secret vote, a consultation, a contract
document, private acts still queued, a signed checkpoint) is backed up and restored into
an empty one, and the restored audit log must verify with the same size and root. Backups
see only committed data, so these tests build their own databases and commit for real:
SQLite files in a temporary directory, or on PostgreSQL scratch databases named after the
test database (ending `_test`), dropped afterwards.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from civic import audit, create_app
from civic.audit.checkpoints import AuditCheckpoint
from civic.backup import _libpq
from civic.contracts.document_models import DocumentBlob
from civic.extensions import db
from tests.conftest import PG_URL, on_postgres

PG_TOOLS = all(shutil.which(name) for name in ("pg_dump", "pg_restore"))
NO_PG_TOOLS = "pg_dump or pg_restore not on PATH: PostgreSQL backups untested here"


def _pg_url(name: str) -> str:
    url = re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql+psycopg://", PG_URL)
    return make_url(url).set(database=name).render_as_string(hide_password=False)


class Scratch:
    """Empty databases of the suite's kind, each made on demand and dropped at the end."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.made: list[str] = []
        self.apps: list[Flask] = []
        self.admin = None
        if on_postgres():
            if not PG_TOOLS:
                pytest.skip(NO_PG_TOOLS)
            self.admin = create_engine(
                _pg_url(make_url(PG_URL).database), isolation_level="AUTOCOMMIT"
            )

    def url(self, label: str) -> str:
        if self.admin is None:
            return f"sqlite:///{self.directory / label}.db"
        base = make_url(PG_URL).database.removesuffix("_test")
        name = f"{base}_{label}_test"
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            try:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            except DBAPIError as exc:
                pytest.skip(f"cannot create a scratch database for the restore: {exc.orig}")
        self.made.append(name)
        return _pg_url(name)

    def app(self, label: str) -> Flask:
        options = {} if self.admin is None else {"pool_size": 3, "max_overflow": 2}
        made = create_app(
            {"SQLALCHEMY_DATABASE_URI": self.url(label), "SQLALCHEMY_ENGINE_OPTIONS": options}
        )
        self.apps.append(made)
        return made

    def release(self) -> None:
        """Close every pooled connection (PostgreSQL's are shared by every suite on the
        machine); an app used again simply connects anew."""
        for made in self.apps:
            with made.app_context():
                db.engine.dispose()

    def close(self) -> None:
        self.release()
        if self.admin is not None:
            with self.admin.connect() as connection:
                for name in self.made:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            self.admin.dispose()


def _counts() -> dict[str, int]:
    """Rows in every table the models know: a restore must bring back each one."""
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


class Source:
    """The populated database and one backup of it, with what both held."""

    def __init__(self, app: Flask, path: Path) -> None:
        from tests.world import build_world

        self.app = app
        with app.app_context():
            upgrade()
            build_world()
            # the world's ballot and consultation response wait in the queue of private
            # acts; a checkpoint signs the log, then one more entry follows it
            audit.make_checkpoint("test")
            audit.record(None, "area:create", audit.Subject("area", "after-checkpoint"))
            db.session.commit()
            self.verified = audit.verify()
            self.counts = _counts()
            self.checkpoints = [
                (c.size, bytes(c.root), c.note)
                for c in db.session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id))
            ]
            self.blobs = {
                b.sha256: bytes(b.content) for b in db.session.scalars(select(DocumentBlob))
            }
        assert self.verified.ok and self.counts["audit_pending"] > 0 and self.blobs
        self.file = path
        self.output = invoke(app, "backup", str(path))


def invoke(app: Flask, *args: str):
    """Run `flask civic ARGS` against `app` (as `flask`, in an app context of its own)."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=["civic", *args])


def refused(result, *words: str) -> str:
    """A refusal: exit 1 and one line saying why."""
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1, result.output
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scratch]:
    made = Scratch(tmp_path_factory.mktemp("backup"))
    yield made
    made.close()


@pytest.fixture(autouse=True)
def _release_connections(scratch: Scratch) -> Iterator[None]:
    yield
    scratch.release()


@pytest.fixture(scope="module")
def source(scratch: Scratch, tmp_path_factory: pytest.TempPathFactory) -> Source:
    return Source(scratch.app("bsrc"), tmp_path_factory.mktemp("files") / "civic.backup")


def _is_empty(app: Flask) -> bool:
    with app.app_context():
        return inspect(db.engine).get_table_names() == []


def test_backup_reports_the_log_head_in_the_file(source):
    assert source.output.exit_code == 0, source.output.output
    size, root = source.verified.size, source.verified.root.hex()
    assert f"audit log of {size} entries, root {root}" in source.output.output
    assert f"flask civic audit verify --size {size} --root {root}" in source.output.output
    assert source.file.stat().st_mode & 0o077 == 0  # personal data: the owner's alone
    assert [p.name for p in source.file.parent.iterdir()] == [source.file.name]  # no leftovers


def test_round_trip_restores_everything_and_the_log_verifies(source, scratch):
    target = scratch.app("bdst")
    result = invoke(target, "restore", str(source.file))
    assert result.exit_code == 0, result.output
    size, root = source.verified.size, source.verified.root
    assert f"Restored {source.file}: audit log of {size} entries, root {root.hex()}" in (
        result.output
    )
    with target.app_context():
        restored = audit.verify((size, root))
        assert (restored.ok, restored.size, restored.root) == (True, size, root)
        assert _counts() == source.counts
        checkpoints = db.session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id))
        assert [(c.size, bytes(c.root), c.note) for c in checkpoints] == source.checkpoints
        for checkpoint_size, checkpoint_root, _ in source.checkpoints:
            assert audit.verify((checkpoint_size, checkpoint_root)).ok
        blobs = {b.sha256: bytes(b.content) for b in db.session.scalars(select(DocumentBlob))}
        assert blobs == source.blobs
    # the command's own check, as the operator runs it
    verified = invoke(target, "audit", "verify", "--size", str(size), "--root", root.hex())
    assert verified.exit_code == 0 and verified.output.startswith(f"OK: {size} entries")
    with target.app_context():
        # the log stays append-only after a restore (triggers on PostgreSQL, guard on SQLite)
        with pytest.raises(DBAPIError):
            db.session.execute(text("UPDATE audit_entry SET action = 'x' WHERE seq = 0"))
        db.session.rollback()
        # and the restored site carries on appending where the log left off
        entry = audit.record(None, "area:create", audit.Subject("area", "after-restore"))
        db.session.commit()
        assert entry.seq == size
        assert audit.verify((size, root)).ok


def test_restore_into_a_database_that_is_not_empty_is_refused(source):
    refused(invoke(source.app, "restore", str(source.file)), "not empty", "empty database")
    with source.app.app_context():
        assert audit.verify() == source.verified
        assert _counts() == source.counts


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"hello, this is not a backup\n", id="garbage"),
        pytest.param(b"", id="empty"),
        pytest.param(b"PGDMP\x01\x0f\x00" + b"\x00" * 64, id="postgresql-looking"),
        pytest.param(b"SQLite format 3\x00" + b"\x00" * 64, id="sqlite-looking"),
    ],
)
def test_a_file_that_is_not_a_backup_is_refused(content, scratch, tmp_path):
    path = tmp_path / "not-a-backup"
    path.write_bytes(content)
    target = scratch.app("bbad")
    line = refused(invoke(target, "restore", str(path)), str(path))
    assert "not" in line or "SQLite database" in line or "PostgreSQL database" in line
    assert _is_empty(target)


def test_a_truncated_backup_changes_nothing(source, scratch, tmp_path):
    """Cut short after its table of contents: on PostgreSQL the restore starts, creates
    tables, fails on the missing data and rolls everything back (one transaction)."""
    whole = source.file.read_bytes()
    path = tmp_path / "cut-short.backup"
    path.write_bytes(whole[:-100])
    if on_postgres():  # the file still looks whole to a listing: the restore itself fails
        listing = subprocess.run(["pg_restore", "--list", str(path)], capture_output=True)
        assert listing.returncode == 0, listing.stderr
    target = scratch.app("bcut")
    line = refused(invoke(target, "restore", str(path)))
    if on_postgres():
        assert line.startswith("Error: pg_restore failed: "), line
    assert _is_empty(target)


def test_a_backup_of_another_database_is_refused(scratch, tmp_path):
    """A well-formed file of the right kind that is not a Civic database's backup."""
    other = scratch.app("bother")
    with other.app_context():
        with db.engine.begin() as connection:
            connection.execute(text("CREATE TABLE shopping (item varchar(20))"))
        url = db.engine.url
    path = tmp_path / "other.backup"
    if on_postgres():
        with _libpq(url) as (conninfo, env):
            subprocess.run(
                ["pg_dump", "--format=custom", f"--file={path}", f"--dbname={conninfo}"],
                env=env,
                check=True,
            )
    else:
        shutil.copyfile(url.database, path)
    refused(invoke(scratch.app("bdst2"), "restore", str(path)), "not a backup of a Civic")
    # and backing up a database that is not Civic's says so in one line, writing nothing
    refused(invoke(other, "backup", str(tmp_path / "never")), "could not be read")
    assert not (tmp_path / "never").exists()


def test_the_wrong_kind_of_backup_is_named(source, tmp_path):
    """A PostgreSQL dump offered to SQLite, or the other way round."""
    path = tmp_path / "wrong-kind"
    if on_postgres():
        sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.commit()
        words = ("SQLite database", "PostgreSQL")
    else:
        path.write_bytes(b"PGDMP" + b"\x00" * 100)
        words = ("PostgreSQL database", "SQLite")
    refused(invoke(source.app, "restore", str(path)), *words)


def test_a_missing_file_is_refused(source, tmp_path):
    refused(invoke(source.app, "restore", str(tmp_path / "absent")), "no such file")


def test_a_backup_taken_during_writes_is_one_snapshot(scratch, tmp_path):
    """Appends commit all through the backup; the file holds a log that verifies, of
    exactly the size and root the command reported (no entry half in)."""
    busy = scratch.app("bbusy")
    with busy.app_context():
        upgrade()
    stop = threading.Event()
    written: list[int] = []
    problems: list[BaseException] = []

    def keep_writing() -> None:
        try:
            with busy.app_context():
                while not stop.is_set() or len(written) < 20:
                    audit.record(None, "area:create", audit.Subject("writer", str(len(written))))
                    db.session.commit()
                    written.append(1)
        except BaseException as exc:  # reported below, in the test's thread
            problems.append(exc)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        while len(written) < 10 and writer.is_alive():
            stop.wait(0.01)
        before = len(written)
        result = invoke(busy, "backup", str(tmp_path / "busy.backup"))
        after = len(written)
    finally:
        stop.set()
        writer.join()
    assert problems == [] and result.exit_code == 0, (problems, result.output)
    reported = re.search(r"audit log of (\d+) entries, root ([0-9a-f]{64})", result.output)
    assert reported
    size, root = int(reported[1]), bytes.fromhex(reported[2])
    target = scratch.app("bbusydst")
    assert invoke(target, "restore", str(tmp_path / "busy.backup")).exit_code == 0
    with target.app_context():
        restored = audit.verify((size, root))
        assert (restored.ok, restored.size, restored.root) == (True, size, root)
    assert before <= size <= after and before < after  # written to all through the backup


def test_the_password_never_reaches_the_command_line():
    url = make_url(
        "postgresql+psycopg://civic:p%40ss:w0rd\\x@db.internal:5433/civic?sslmode=require"
    )
    with _libpq(url) as (conninfo, env):
        passfile = Path(env["PGPASSFILE"])
        assert "PGPASSWORD" not in env
        assert "w0rd" not in conninfo
        assert conninfo == (
            "host='db.internal' port='5433' user='civic' dbname='civic' sslmode='require'"
        )
        assert passfile.read_text() == "*:*:*:*:p@ss\\:w0rd\\\\x\n"
        assert passfile.stat().st_mode & 0o077 == 0
    assert not passfile.exists()


def _fake_program(directory: Path, name: str, script: str) -> None:
    program = directory / name
    program.write_text(f"#!/bin/sh\n{script}\n")
    program.chmod(0o755)


@pytest.fixture
def postgres_only() -> None:
    if not on_postgres():
        pytest.skip("pg_dump is used on PostgreSQL only: set CIVIC_TEST_DATABASE_URL (CI does)")


def test_without_pg_dump_the_backup_says_so(postgres_only, source, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    path = tmp_path / "never.backup"
    refused(invoke(source.app, "backup", str(path)), "pg_dump was not found on PATH")
    refused(invoke(source.app, "restore", str(source.file)), "pg_restore was not found")
    assert not path.exists()


def test_a_failing_pg_dump_leaves_the_previous_file_alone(
    postgres_only, source, tmp_path, monkeypatch
):
    _fake_program(
        tmp_path,
        "pg_dump",
        'printf PGDMP-partial; echo "pg_dump: error: server version: 99.0; pg_dump version: '
        '15.2" >&2; echo "pg_dump: detail: aborting because of server version mismatch" >&2; '
        "exit 1",
    )
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    path = tmp_path / "yesterday.backup"
    path.write_bytes(b"yesterday's good backup")
    line = refused(invoke(source.app, "backup", str(path)), "pg_dump failed", "mismatch")
    assert "pg_dump: " not in line.removeprefix("Error: pg_dump failed")
    assert path.read_bytes() == b"yesterday's good backup"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pg_dump", "yesterday.backup"]


def test_sqlite_backups_are_self_contained_files(source):
    """A rollback-journal database: restoring it needs no -wal file from the live site."""
    if on_postgres():
        pytest.skip("a PostgreSQL backup is pg_dump's custom format, tested above")
    with sqlite3.connect(source.file) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_a_backup_where_no_file_can_be_written_says_so(source, tmp_path):
    refused(invoke(source.app, "backup", str(tmp_path / "absent" / "x.backup")), "does not exist")
    directory = invoke(source.app, "backup", str(tmp_path))  # click's usage error: exit 2
    assert directory.exit_code == 2 and "is a directory" in directory.output


def test_sqlite_refuses_to_back_up_onto_itself_or_from_memory(source):
    if on_postgres():
        pytest.skip("SQLite only: a PostgreSQL database is not a file")
    with source.app.app_context():
        live = db.engine.url.database
    before = Path(live).read_bytes()
    refused(invoke(source.app, "backup", live), "is the database itself")
    assert Path(live).read_bytes() == before
    memory = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    refused(invoke(memory, "backup", "anything.backup"), "in memory")
    refused(invoke(memory, "restore", str(source.file)), "in memory")


def test_pg_dump_gets_the_password_from_a_private_file(
    postgres_only, source, tmp_path, monkeypatch
):
    """The real pg_dump, wrapped to record what it was given: the password is in the
    temporary password file, never among its arguments, and the file is gone after."""
    real = shutil.which("pg_dump")
    _fake_program(
        tmp_path,
        "pg_dump",
        f'echo "$@" > {tmp_path}/argv; echo "$PGPASSFILE" > {tmp_path}/passfile-path; '
        f'cat "$PGPASSFILE" > {tmp_path}/passfile; exec {real} "$@"',
    )
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    monkeypatch.setenv("PGPASSWORD", "from-the-environment")
    with source.app.app_context():
        url = db.engine.url.set(password="s3cret-pw")  # the test server trusts: any works
    with_password = create_app(
        {"SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False)}
    )
    result = invoke(with_password, "backup", str(tmp_path / "with-password.backup"))
    with with_password.app_context():
        db.engine.dispose()
    assert result.exit_code == 0, result.output
    assert "s3cret-pw" not in (tmp_path / "argv").read_text()
    assert (tmp_path / "passfile").read_text() == "*:*:*:*:s3cret-pw\n"
    assert not Path((tmp_path / "passfile-path").read_text().strip()).exists()
    assert "s3cret-pw" not in result.output
