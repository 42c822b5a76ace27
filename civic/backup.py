"""Backups that restore: the whole database as one consistent file, and back again.

`flask civic backup FILE` and `flask civic restore FILE` (civic.cli) call `backup` and
`restore`. The file holds every table, so the audit log, the queue of private acts, the
signed checkpoints and witnesses' cosignatures, contract documents (stored in the database)
and the mail outbox; it does not hold what lives outside the database: the checkpoint
signing key, SECRET_KEY (from which pseudonyms and voters' ballot keys are derived unless
CIVIC_AUDIT_PSEUDONYM_KEY is set) and mail written to instance/mail/ (README,
"Operations: backup and restore").

Consistent means one snapshot, however busy the site:
- PostgreSQL: `pg_dump` in its custom format dumps inside one repeatable-read transaction.
  We export that transaction's snapshot from our own connection first (pg_export_snapshot)
  and hand it to pg_dump (--snapshot), so the audit head we report is the one in the file.
- SQLite: the online backup API (sqlite3 `Connection.backup`) copies every page in one
  step, under one read transaction: in WAL mode writers carry on meanwhile and none of
  their changes is half in the copy.

The password never goes on a command line (where `ps` shows it): pg_dump and pg_restore
get it from a private temporary password file (PGPASSFILE), and the rest of the
connection as a libpq connection string. Files are written under a temporary name and
renamed into place only once complete, readable by their owner alone (they hold
personal data).

A restore goes into an empty database only, and all or nothing: pg_restore runs in a single
transaction, and SQLite's backup API writes the target in one transaction.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, func, select, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError

PG_MAGIC = b"PGDMP"
SQLITE_MAGIC = b"SQLite format 3\x00"
# tables a file must hold to count as a backup of a Civic database
REQUIRED_TABLES = ("alembic_version", "audit_entry", "audit_checkpoint")


class BackupError(Exception):
    """Why a backup or restore was refused or failed, in one readable line."""


@dataclass(frozen=True)
class Contents:
    """What a backup holds, read from the same snapshot as the file: what an operator
    notes down, so that after a restore `flask civic audit verify --size --root` proves
    the restored log is that one, whole."""

    entries: int
    root: bytes
    checkpoints: int
    newest_checkpoint: int | None  # the size it signs
    pending: int  # private acts queued for their batch
    revision: str | None

    def describe(self) -> str:
        signed = (
            f"{self.checkpoints} signed checkpoints (the newest signs {self.newest_checkpoint})"
            if self.checkpoints
            else "no signed checkpoint"
        )
        return (
            f"audit log of {self.entries} entries, root {self.root.hex()}; {signed}; "
            f"{self.pending} private acts queued; schema revision {self.revision or 'none'}"
        )


def contents(connection: Connection) -> Contents:
    """Read the audit head, checkpoints and schema revision in `connection`'s snapshot."""
    from civic.audit import merkle
    from civic.audit.checkpoints import AuditCheckpoint
    from civic.audit.models import AuditEntry, AuditPending

    last = connection.execute(
        select(AuditEntry.seq, AuditEntry.root_after).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    newest = connection.execute(
        select(AuditCheckpoint.size).order_by(AuditCheckpoint.id.desc()).limit(1)
    ).scalar()
    count = select(func.count())
    return Contents(
        entries=last.seq + 1 if last else 0,
        root=bytes(last.root_after) if last else merkle.frontier_root([]),
        checkpoints=connection.execute(count.select_from(AuditCheckpoint)).scalar_one(),
        newest_checkpoint=newest,
        pending=connection.execute(count.select_from(AuditPending)).scalar_one(),
        revision=connection.execute(text("SELECT version_num FROM alembic_version")).scalar(),
    )


@contextlib.contextmanager
def _one_line_errors() -> Iterator[None]:
    """A database that cannot be reached or holds no Civic schema, or a file that cannot
    be written, in one line rather than a traceback."""
    try:
        yield
    except (SQLAlchemyError, sqlite3.Error) as exc:
        cause = getattr(exc, "orig", None) or exc
        said = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
        raise BackupError(f"the database could not be read ({said})") from None
    except OSError as exc:
        raise BackupError(f"{exc.filename or 'a file'}: {exc.strerror or exc}") from None


def backup(engine: Engine, path: Path | str) -> Contents:
    """Write a consistent snapshot of the database behind `engine` to `path`."""
    path = Path(path)
    with _one_line_errors():
        if engine.dialect.name == "postgresql":
            return _backup_postgresql(engine, path)
        if engine.dialect.name == "sqlite":
            return _backup_sqlite(engine.url, path)
    raise BackupError(f"cannot back up a {engine.dialect.name} database")


def restore(engine: Engine, path: Path | str) -> Contents:
    """Restore the backup at `path` into the empty database behind `engine`."""
    with _one_line_errors():
        return _restore(engine, Path(path))


def _restore(engine: Engine, path: Path) -> Contents:
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    with path.open("rb") as handle:
        magic = handle.read(len(SQLITE_MAGIC))
    if engine.dialect.name == "postgresql":
        _check_kind(path, magic, PG_MAGIC, "a PostgreSQL custom-format dump", "PostgreSQL")
        _restore_postgresql(engine, path)
    elif engine.dialect.name == "sqlite":
        _check_kind(path, magic, SQLITE_MAGIC, "a SQLite database", "SQLite")
        _restore_sqlite(engine.url, path)
    else:
        raise BackupError(f"cannot restore into a {engine.dialect.name} database")
    engine.dispose()  # no pooled connection may have seen the database before the restore
    with engine.connect() as connection:
        return contents(connection)


def _check_kind(path: Path, magic: bytes, wanted: bytes, kind: str, dialect: str) -> None:
    if magic.startswith(wanted):
        return
    if magic.startswith(PG_MAGIC) or magic.startswith(SQLITE_MAGIC):
        other = "PostgreSQL" if magic.startswith(PG_MAGIC) else "SQLite"
        raise BackupError(
            f"{path} is a backup of a {other} database; this site's database is {dialect}"
        )
    raise BackupError(f"{path} is not a backup made by `flask civic backup` (not {kind})")


def _missing(names: set[str]) -> str:
    return ", ".join(t for t in REQUIRED_TABLES if t not in names)


@contextlib.contextmanager
def _written_atomically(path: Path) -> Iterator[Path]:
    """A private temporary file beside `path`, renamed onto it only if the block succeeds:
    a failed backup leaves no file behind, and never a half-written one in its place."""
    path = path.absolute()
    if path.is_dir():
        raise BackupError(f"{path} is a directory: name the backup file")
    if not path.parent.is_dir():
        raise BackupError(f"{path.parent} does not exist")
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    os.close(fd)  # mkstemp made it 0600: the backup holds personal data
    temporary = Path(name)
    try:
        yield temporary
        with temporary.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


# --- PostgreSQL -----------------------------------------------------------------------


def _program(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} was not found on PATH: install the PostgreSQL client programs "
            "(Debian: apt-get install postgresql-client) of the server's major version or newer"
        )
    return found


def _quote(value: str) -> str:
    """A libpq connection-string value: single-quoted, with \\ and ' escaped."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


@contextlib.contextmanager
def _libpq(url: URL) -> Iterator[tuple[str, dict[str, str]]]:
    """The connection string (no password) and environment for pg_dump and pg_restore.

    The password goes into a temporary password file readable by us alone (PGPASSFILE),
    deleted afterwards; PGPASSWORD from our environment is dropped when the URL has its own
    password, since libpq would prefer it.
    """
    params: dict[str, object] = {
        "host": url.host,
        "port": url.port,
        "user": url.username,
        "dbname": url.database,
    }
    for key, value in url.query.items():  # e.g. sslmode, or host=/run/postgresql
        params[key] = value[-1] if isinstance(value, tuple) else value
    conninfo = " ".join(
        f"{key}={_quote(str(value))}" for key, value in params.items() if value not in (None, "")
    )
    env = dict(os.environ)
    if url.password is None:
        yield conninfo, env
        return
    escaped = url.password.replace("\\", "\\\\").replace(":", "\\:")
    fd, passfile = tempfile.mkstemp(prefix="civic-pgpass-")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(f"*:*:*:*:{escaped}\n")
        env.pop("PGPASSWORD", None)
        env["PGPASSFILE"] = passfile
        yield conninfo, env
    finally:
        os.unlink(passfile)


def _run(args: list[str], env: dict[str, str], **kwargs: object) -> subprocess.CompletedProcess:
    """Run a PostgreSQL client program; its complaint, if it fails, as one line."""
    result = subprocess.run(args, env=env, stderr=subprocess.PIPE, check=False, **kwargs)  # noqa: S603
    if result.returncode:
        program = Path(args[0]).name
        lines = result.stderr.decode("utf-8", "replace").splitlines()
        said = " ".join(line.removeprefix(f"{program}: ").strip() for line in lines if line)
        raise BackupError(f"{program} failed: {said[:500] or f'exit {result.returncode}'}")
    return result


def _backup_postgresql(engine: Engine, path: Path) -> Contents:
    pg_dump = _program("pg_dump")
    with (
        _written_atomically(path) as temporary,
        engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection,
        connection.begin(),
        _libpq(engine.url) as (conninfo, env),
    ):
        # pg_dump dumps exactly this transaction's snapshot, the one `contents` reads
        snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
        held = contents(connection)
        # into the file itself, not through a pipe: only then does pg_dump go back and
        # write each table's offset into the file's table of contents (pg_restore -j)
        _run(
            [
                pg_dump,
                "--format=custom",
                "--no-password",
                f"--snapshot={snapshot}",
                f"--file={temporary}",
                f"--dbname={conninfo}",
            ],
            env,
            stdout=subprocess.DEVNULL,
        )
    return held


_TOC_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE (?:\S+) (\S+) ", re.MULTILINE)

_USER_RELATIONS = """
SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
"""


def _restore_postgresql(engine: Engine, path: Path) -> None:
    pg_restore = _program("pg_restore")
    with _libpq(engine.url) as (conninfo, env):
        try:
            listing = _run([pg_restore, "--list", str(path)], env, stdout=subprocess.PIPE)
        except BackupError as exc:
            raise BackupError(f"{path} is not a readable backup ({exc})") from None
        tables = set(_TOC_TABLE.findall(listing.stdout.decode("utf-8", "replace")))
        if missing := _missing(tables):
            raise BackupError(f"{path} is not a backup of a Civic database (no {missing})")
        with engine.connect() as connection:
            relations = connection.execute(text(_USER_RELATIONS)).scalar_one()
        if relations:
            raise BackupError(
                f"the database {engine.url.database} is not empty ({relations} tables, "
                "views or sequences): restore only into a new, empty database"
            )
        # owners and grants are the target's: run civic/audit/app_role.sql afterwards
        _run(
            [
                pg_restore,
                "--single-transaction",
                "--exit-on-error",
                "--no-owner",
                "--no-privileges",
                "--no-password",
                f"--dbname={conninfo}",
                str(path),
            ],
            env,
            stdout=subprocess.DEVNULL,
        )


# --- SQLite ---------------------------------------------------------------------------


def _sqlite_file(url: URL) -> Path:
    database = url.database
    if not database or database == ":memory:" or "mode=memory" in str(url.query):
        raise BackupError("the database is in memory: there is no file to back up or restore")
    return Path(database).absolute()


def _tables(connection: sqlite3.Connection) -> set[str]:
    return {
        row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }


def _backup_sqlite(url: URL, path: Path) -> Contents:
    database = _sqlite_file(url)
    if not database.is_file():
        raise BackupError(f"the database file {database} does not exist")
    if path.resolve() in {database.resolve(), Path(f"{database.resolve()}-wal")}:
        raise BackupError(f"{path} is the database itself: name another file")
    with _written_atomically(path) as temporary:
        source = sqlite3.connect(database, timeout=30)
        target = sqlite3.connect(temporary)
        try:
            source.backup(target)  # every page in one step: one read transaction
            # a self-contained file: rollback journal, not WAL (no -wal file beside it)
            target.execute("PRAGMA journal_mode = DELETE")
        finally:
            target.close()
            source.close()
        copy = create_engine(f"sqlite:///{temporary}")
        try:
            with copy.connect() as connection:
                return contents(connection)
        finally:
            copy.dispose()


def _restore_sqlite(url: URL, path: Path) -> None:
    database = _sqlite_file(url)
    source = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    try:
        try:
            check = source.execute("PRAGMA quick_check").fetchone()[0]
            tables = _tables(source)
            pages = source.execute("PRAGMA page_count").fetchone()[0]
            page_size = source.execute("PRAGMA page_size").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{path} is not a readable backup ({exc})") from None
        if path.stat().st_size != pages * page_size:  # cut short: quick_check reads past it
            check = f"{path.stat().st_size} bytes where its header says {pages * page_size}"
        if check != "ok":
            raise BackupError(f"{path} is damaged (SQLite quick_check: {check})")
        if missing := _missing(tables):
            raise BackupError(f"{path} is not a backup of a Civic database (no {missing})")
        if database.exists() and database.stat().st_size:
            existing = sqlite3.connect(database, timeout=30)
            try:
                present = _tables(existing)
            finally:
                existing.close()
            if present:
                raise BackupError(
                    f"the database {database} is not empty ({len(present)} tables): "
                    "restore only into a new, empty database"
                )
        database.parent.mkdir(parents=True, exist_ok=True)
        target = sqlite3.connect(database, timeout=30)
        try:
            source.backup(target)  # one write transaction on the target: all or nothing
        finally:
            target.close()
    finally:
        source.close()
