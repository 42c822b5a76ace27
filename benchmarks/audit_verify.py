"""`flask civic audit verify` on a log of 1,000,000 entries, on PostgreSQL.

    .venv/bin/python benchmarks/audit_verify.py [--entries 1000000] [--slow 50000]
        (database: CIVIC_BENCH_DATABASE_URL, default
         postgresql://postgres@127.0.0.1:5432/civic_bench_verify)

Builds a fresh database (its name must contain "bench": it is dropped first and at the
end), migrates it and loads --entries realistic entries with COPY (bodies, leaf hashes,
roots, frontiers and tile hashes precomputed: benchmarks/audit.py's `build_log`). Then
prints:

1. the in-app verification (`civic.audit.log.verify`, what `flask civic audit verify`
   runs): seconds and microseconds per entry, in process;
2. the same through the command itself (`flask civic audit verify --size --root`, a new
   process: start-up included);
3. the entry-by-entry check verify used before issue 16 (`_check_slowly`, still its
   fallback for naming a bad entry) over the first --slow entries, for comparison;
4. that a changed body near the end is still found, and how long that takes.

The goal (issue 16): 1,000,000 entries in under 10 s on the 2-core machine. Figures
only: nothing here asserts time.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from audit import _app, _drop, _plain_url, _recreate, build_log  # noqa: E402

DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/civic_bench_verify"


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (verify's workers)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def in_app(app, size: int, workers: int) -> tuple[float, bytes]:
    from civic.audit import log
    from civic.extensions import db

    with app.app_context():
        start, cpu = time.perf_counter(), _cpu()
        result = log.verify(workers=workers)
        elapsed, cpu = time.perf_counter() - start, _cpu() - cpu
        db.session.remove()
    if not result.ok or result.size != size:
        raise SystemExit(f"verify did not accept the log: {result}")
    print(
        f"1. in-app verify, {workers} process{'es' if workers > 1 else ''}: {size:,} entries "
        f"in {elapsed:.2f} s ({elapsed / size * 1e6:.1f} µs/entry; CPU {cpu:.2f} s, "
        f"{cpu / size * 1e6:.1f} µs/entry), root {result.root.hex()[:16]}... "
        f"(load average {os.getloadavg()[0]:.1f})",
        flush=True,
    )
    return elapsed, result.root


def through_the_command(url: str, size: int, root: bytes) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": _plain_url(url),
        "FLASK_APP": "civic",
        "RATELIMIT_STORAGE_URI": os.environ.get(
            "RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0"
        ),
    }
    # the flask next to this interpreter (a worktree may have no .venv of its own)
    command = [
        str(Path(sys.executable).parent / "flask"),
        "civic",
        "audit",
        "verify",
        "--size",
        str(size),
        "--root",
        root.hex(),
    ]
    start = time.perf_counter()
    done = subprocess.run(  # noqa: S603 (our own venv's flask)
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    elapsed = time.perf_counter() - start
    said = (done.stdout or done.stderr).strip().splitlines()[-1:] or [""]
    print(
        f"2. flask civic audit verify --size --root: {elapsed:.2f} s in all "
        f"(exit {done.returncode}: {said[0][:60]})"
    )


def entry_by_entry(app, count: int) -> None:
    from civic.audit import log
    from civic.extensions import db

    with app.app_context():
        state = log._TreeState([], 0, True)
        checked = 0
        start, cpu = time.perf_counter(), time.process_time()
        for rows in log._rows_in_order(4096):
            rows = rows[: count - checked]
            if log._check_slowly(log._slow_rows(rows, True), state, None) is not None:
                raise SystemExit("the slow path refused a sound log")
            checked += len(rows)
            if checked >= count:
                break
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        db.session.remove()
    print(
        f"3. entry by entry (verify before issue 16), first {checked:,} entries: "
        f"{elapsed:.2f} s ({elapsed / checked * 1e6:.1f} µs/entry, "
        f"{elapsed / checked * 1e6:.0f} s per 1,000,000; CPU {cpu / checked * 1e6:.1f} µs/entry)"
    )


def tampered(app, url: str, size: int) -> None:
    import psycopg

    from civic.audit import log
    from civic.extensions import db

    seq = size - 10
    with psycopg.connect(_plain_url(url)) as conn:
        conn.execute("ALTER TABLE audit_entry DISABLE TRIGGER USER")
        conn.execute(
            "UPDATE audit_entry SET body = convert_to(replace(convert_from(body, 'UTF8'), "
            "'\"data\":{', '\"data\":{\"x\":1,'), 'UTF8') WHERE seq = %s",
            (seq,),
        )
        conn.execute("ALTER TABLE audit_entry ENABLE TRIGGER USER")
        conn.commit()
    with app.app_context():
        start = time.perf_counter()
        result = log.verify(workers=os.cpu_count() or 2)
        elapsed = time.perf_counter() - start
        db.session.remove()
    with psycopg.connect(_plain_url(url)) as conn:  # as it was, for a --reuse run
        conn.execute("ALTER TABLE audit_entry DISABLE TRIGGER USER")
        conn.execute(
            "UPDATE audit_entry SET body = convert_to(replace(convert_from(body, 'UTF8'), "
            "'\"data\":{\"x\":1,', '\"data\":{'), 'UTF8') WHERE seq = %s",
            (seq,),
        )
        conn.execute("ALTER TABLE audit_entry ENABLE TRIGGER USER")
        conn.commit()
    found = not result.ok and result.bad_seq == seq
    print(
        f"4. a body changed at entry {seq:,}: {'found' if found else 'NOT FOUND'} in "
        f"{elapsed:.2f} s ({result.reason or 'accepted'})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--slow", type=int, default=50_000, help="entries for part 3")
    parser.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=[1, os.cpu_count() or 2],
        help="process counts for part 1 (default: 1, then one per core)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse", action="store_true", help="use the database as it is (built by --keep)"
    )
    args = parser.parse_args()
    url = os.environ.get("CIVIC_BENCH_DATABASE_URL", DEFAULT_DB)
    if not args.reuse:
        _recreate(url)
    try:
        from flask_migrate import upgrade

        app = _app(url)
        start = time.perf_counter()
        if args.reuse:
            size = build_log(url, 0)
        else:
            with app.app_context():
                upgrade()
            size = build_log(url, args.entries)
        print(
            f"database {_plain_url(url).rsplit('/', 1)[1]}: {size:,} entries loaded with COPY "
            f"in {time.perf_counter() - start:.1f} s; {os.cpu_count()} cores, load average "
            f"{os.getloadavg()[0]:.1f}",
            flush=True,
        )
        root = b""
        for workers in args.workers:
            _, root = in_app(app, size, workers)
        through_the_command(url, size, root)
        entry_by_entry(app, min(args.slow, size))
        tampered(app, url, size)
        print(f"load average now {os.getloadavg()[0]:.1f}")
    finally:
        if not args.keep and not args.reuse:
            _drop(url)


if __name__ == "__main__":
    main()
