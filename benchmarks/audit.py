"""The audit log at scale on PostgreSQL: appends/s, proof time, tile serving, verification.

    .venv/bin/python benchmarks/audit.py [--entries 1000000] [--appends 2000]
        (database: CIVIC_BENCH_DATABASE_URL, default
         postgresql://postgres@127.0.0.1:5432/civic_bench_audit)

Builds a fresh database (its name must contain "bench": it is dropped first and at the
end), migrates it, then prints:

1. appends/s with 1 and 16 writers (as 16 processes, 4 x 4 threads, and 16 threads of
   one process, as web servers deploy them), each with its own connection, each append a
   named entry in its own transaction through `audit.record` and a commit, as a real
   request does; afterwards the log is checked gap-free.
1b. realistic audited writes/s with 16 writers (4 processes x 4 threads), p50 and p95:
   each write is a resident posting a comment through `discussions.services.post_comment`
   and a commit, as the request wrapper does (markdown, the pace checks, the thread's
   counter, the audit entry, the follow, the commit), each writer in its own area's
   thread so that only the audit log is shared. This is where a lock held from the
   append to the commit shows: `--realistic-only` runs just this, for before/after runs.
2. builds a log of --entries entries fast: realistic bodies, with their leaf hashes,
   roots, frontiers and tile hashes computed here and loaded with COPY (`audit verify`
   accepts the result, and the tiles are checked against it);
3. inclusion and consistency proof time (p50, p95) over random queries, in process and
   through the Flask test client;
4. tile serving rate through the Flask test client, for full level-0 tiles and full
   entry bundles;
5. the full verification of every entry by the stand-alone verifier (`check_log`, from a
   fresh state against a signed checkpoint): once fetching through the app, once with
   every file already fetched.

Goals on the 2-core development machine (issues 11 and 16): at least 1,000 appends/s and
1,000 realistic audited writes/s with 16 writers; verify 1,000,000 entries in under 10 s
(see also benchmarks/audit_verify.py for the in-app `flask civic audit verify`). Figures
only: nothing here asserts time.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import multiprocessing
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from civic.audit import verifier  # noqa: E402

DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/civic_bench_audit"
ACTIONS = [  # (action, subject type, has an actor, data) roughly as the log holds them
    ("proposal:vote_cast", "proposal", True, lambda r: {"choice": r.choice(["for", "against"])}),
    ("budget_ballot:cast", "budget_round", True, lambda r: {"projects": r.randrange(1, 9)}),
    ("comment:post", "comment", True, lambda r: {"thread": r.randrange(1, 5000)}),
    ("consultation:respond", "consultation", True, lambda r: {"answers": r.randrange(1, 20)}),
    ("eligibility:grant", "eligibility", True, lambda r: {"area": "riverside"}),
    ("comment:hide", "comment", True, lambda r: {"reason": "Personal abuse " * 4, "flags": 3}),
    ("proposal:close", "proposal", True, lambda r: {"for": r.randrange(900), "against": 40}),
]


def _sqlalchemy_url(url: str) -> str:
    return re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql+psycopg://", url)


def _plain_url(url: str) -> str:
    return re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql://", url)


def _recreate(url: str) -> None:
    base, name = _plain_url(url).rsplit("/", 1)
    if "bench" not in name:
        raise SystemExit(f"refusing to drop {name!r}: the database name must contain 'bench'")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _drop(url: str) -> None:
    base, name = _plain_url(url).rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _app(url: str, pool_size: int = 5):
    from civic import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": _sqlalchemy_url(url),
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": pool_size},
            "RATELIMIT_ENABLED": False,
        }
    )


# --- 1. appends ------------------------------------------------------------------------


def _writer(url: str, process: int, threads: int, count: int, barrier, done) -> None:
    """One process running `threads` writers, each with its own connection."""
    from civic import audit
    from civic.extensions import db

    app = _app(url, pool_size=threads)
    ready = threading.Barrier(threads + 1)
    failures: list[BaseException] = []

    def write(thread: int) -> None:
        with app.app_context():
            try:
                db.session.execute(db.text("SELECT 1"))  # connect before the clock starts
                db.session.commit()
                ready.wait()
                for i in range(count):
                    subject = audit.Subject("area", f"w{process}.{thread}-{i}")
                    audit.record(None, "area:create", subject, {"n": i})
                    db.session.commit()
            except BaseException as exc:  # reported by the parent
                failures.append(exc)
            finally:
                db.session.remove()

    pool = [threading.Thread(target=write, args=(t,)) for t in range(threads)]
    for thread in pool:
        thread.start()
    ready.wait()
    barrier.wait()
    cpu = time.process_time()  # the appends' CPU, not the app's start-up
    for thread in pool:
        thread.join()
    done.put((repr(failures[0]) if failures else "", time.process_time() - cpu))


def append_rate(url: str, processes: int, threads: int, total: int) -> tuple[float, float]:
    """Appends per second with processes x threads writers appending `total` in all, and
    the writers' CPU seconds per append (from the start signal to the last append)."""
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(processes + 1)
    done = context.Queue()
    each = total // (processes * threads)
    workers = [
        context.Process(target=_writer, args=(url, p, threads, each, barrier, done))
        for p in range(processes)
    ]
    for worker in workers:
        worker.start()
    barrier.wait()
    start = time.perf_counter()
    answers = [done.get(timeout=600) for _ in workers]
    elapsed = time.perf_counter() - start
    for worker in workers:
        worker.join()
    failures = [failure for failure, _ in answers if failure]
    if failures:
        raise SystemExit(f"a writer failed: {failures[0]}")
    appended = each * processes * threads
    return appended / elapsed, sum(cpu for _, cpu in answers) / appended


def _check_gap_free(url: str) -> int:
    with psycopg.connect(_plain_url(url)) as conn:
        count, newest = conn.execute("SELECT count(*), max(seq) FROM audit_entry").fetchone()
    if count != newest + 1:
        raise SystemExit(f"the log has a gap: {count} entries, newest seq {newest}")
    return count


# --- 1b. realistic audited writes --------------------------------------------------------

REALISTIC_PROCESSES, REALISTIC_THREADS = 4, 4
BENCH_PASSWORD = "a-Strong-bench-passw0rd"  # noqa: S105 (throwaway accounts, bench db)


def realistic_world(url: str, writers: int) -> list[tuple[int, str]]:
    """One area and one eligible resident per writer: (resident id, area slug)."""
    from civic.accounts import services as accounts
    from civic.accounts.models import Role
    from civic.extensions import db

    app = _app(url)
    with app.app_context():
        admin = accounts.create_user(
            None, "admin@bench.example", "Bench Admin", BENCH_PASSWORD, Role.ADMIN
        )
        moderator = accounts.create_user(
            admin, "moderator@bench.example", "Bench Moderator", BENCH_PASSWORD, Role.MODERATOR
        )
        world = []
        for n in range(writers):
            area = accounts.create_area(
                admin,
                name=f"Benchside {n}",
                slug=f"benchside-{n}",
                kind="ward",
                postcode_districts=f"LS{n + 1}",
                description="",
            )
            person = accounts.create_user(
                admin, f"resident{n}@bench.example", f"Resident {n}", BENCH_PASSWORD, Role.RESIDENT
            )
            accounts.confirm_eligibility(moderator, person, area, "Seen a council tax bill")
            world.append((person.id, area.slug))
        db.session.commit()
        db.session.remove()
    return world


def _realistic_writer(url, process, threads, count, world, barrier, done) -> None:
    """One process of `threads` writers, each posting `count` comments in its own area."""
    from civic.accounts.models import User
    from civic.discussions import services
    from civic.extensions import db

    app = _app(url, pool_size=threads)
    app.config["COMMENTS_PER_MINUTE"] = 10**9  # the pace limit is not what is measured
    ready = threading.Barrier(threads + 1)
    failures: list[BaseException] = []
    samples: list[float] = []

    def write(thread: int) -> None:
        user_id, slug = world[process * threads + thread]
        with app.app_context():
            try:
                db.session.execute(db.text("SELECT 1"))  # connect before the clock starts
                db.session.commit()
                ready.wait()
                for i in range(count):
                    began = time.perf_counter()
                    author = db.session.get(User, user_id)
                    body = f"Comment {i} from writer {process}.{thread}: **more** benches, please."
                    services.post_comment(author, "area", slug, body)
                    db.session.commit()
                    samples.append(time.perf_counter() - began)
                    db.session.close()
            except BaseException as exc:  # reported by the parent
                failures.append(exc)
            finally:
                db.session.remove()

    pool = [threading.Thread(target=write, args=(t,)) for t in range(threads)]
    for thread in pool:
        thread.start()
    ready.wait()
    barrier.wait()
    for thread in pool:
        thread.join()
    done.put((repr(failures[0]) if failures else "", samples))


def realistic_rate(url: str, world: list[tuple[int, str]], total: int) -> str:
    """Comment posts/s with 16 writers, and the p50/p95 time of one post and commit."""
    processes, threads = REALISTIC_PROCESSES, REALISTIC_THREADS
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(processes + 1)
    done = context.Queue()
    each = total // (processes * threads)
    workers = [
        context.Process(
            target=_realistic_writer, args=(url, p, threads, each, world, barrier, done)
        )
        for p in range(processes)
    ]
    for worker in workers:
        worker.start()
    barrier.wait()
    start = time.perf_counter()
    answers = [done.get(timeout=600) for _ in workers]
    elapsed = time.perf_counter() - start
    for worker in workers:
        worker.join()
    failures = [failure for failure, _ in answers if failure]
    if failures:
        raise SystemExit(f"a writer failed: {failures[0]}")
    samples = [sample for _, mine in answers for sample in mine]
    return (
        f"{len(samples) / elapsed:,.0f} audited writes/s ({len(samples):,} comment posts, "
        f"{processes} processes x {threads} threads); per write {_percentiles(samples)}"
    )


# --- 2. a large log, fast --------------------------------------------------------------


def _bodies(start: int, count: int, rng: random.Random) -> Iterator[tuple[int, str, dict]]:
    when = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=start)
    for seq in range(start, start + count):
        action, subject_type, has_actor, data = ACTIONS[rng.randrange(len(ACTIONS))]
        body = {
            "seq": seq,
            "time": (when + timedelta(seconds=seq - start)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "action": action,
            "subject": {"type": subject_type, "id": str(rng.randrange(1, 400))},
            "actor": f"p-{rng.getrandbits(64):016x}" if has_actor else None,
            "data": data(rng),
        }
        yield seq, action, body


def build_log(url: str, entries: int, chunk: int = 50_000) -> int:
    """Append `entries` entries after the current head with COPY; returns the new size.

    Bodies are canonical JSON (verifier.canonical_json, which is RFC 8785 for what Civic
    logs); each row gets its leaf hash, root and frontier, and every completed tile
    subtree its `audit_tile_node` row, exactly as `audit.record` would write them.
    """
    rng = random.Random(2026)
    with psycopg.connect(_plain_url(url)) as conn:
        row = conn.execute(
            "SELECT seq, frontier FROM audit_entry ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        size = 0 if row is None else row[0] + 1
        frontier = [] if row is None else _unpack(bytes(row[1]))
        target = size + entries
        while size < target:
            n = min(chunk, target - size)
            with conn.cursor() as cur:
                nodes = []
                with cur.copy(
                    "COPY audit_entry (seq, recorded_at, action, subject_type, subject_id, "
                    "actor, body, leaf_hash, root_after, frontier) FROM STDIN"
                ) as copy:
                    for seq, action, parsed in _bodies(size, n, rng):
                        body = verifier.canonical_json(parsed)
                        leaf = verifier.leaf_hash(body)
                        frontier, completed = verifier.frontier_append_subtrees(frontier, seq, leaf)
                        for height in range(8, len(completed) + 1, 8):
                            nodes.append((height // 8, seq >> height, completed[height - 1]))
                        copy.write_row(
                            (
                                seq,
                                parsed["time"],
                                action,
                                parsed["subject"]["type"],
                                parsed["subject"]["id"],
                                parsed["actor"],
                                body,
                                leaf,
                                verifier.frontier_root(frontier),
                                b"".join(frontier),
                            )
                        )
                if nodes:
                    with cur.copy("COPY audit_tile_node (level, idx, hash) FROM STDIN") as copy:
                        for node in nodes:
                            copy.write_row(node)
            conn.commit()
            size += n
        conn.execute("ANALYZE audit_entry")
        conn.execute("ANALYZE audit_tile_node")
        conn.commit()
    return size


def _unpack(data: bytes) -> list[bytes]:
    return [data[i : i + 32] for i in range(0, len(data), 32)]


# --- 3, 4. proofs and tiles --------------------------------------------------------------


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"p50 {p50 * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms"


def _timed(fn: Callable[[], object], n: int) -> list[float]:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def proof_times(app, size: int, queries: int) -> None:
    from civic.audit import tiles
    from civic.extensions import db

    rng = random.Random(7)
    client = app.test_client()
    with app.app_context():

        def inclusion() -> None:
            s = rng.randint(1, size)
            tiles.inclusion_proof(rng.randrange(s), s)
            tiles.root(s)

        def consistency() -> None:
            new = rng.randint(1, size)
            old = rng.randint(1, new)
            tiles.consistency_proof(old, new)
            tiles.root(old)
            tiles.root(new)

        print(f"  inclusion proof + root, in process:   {_percentiles(_timed(inclusion, queries))}")
        print(
            f"  consistency proof + roots, in process: {_percentiles(_timed(consistency, queries))}"
        )
        db.session.remove()

    def http(path: Callable[[], str]) -> Callable[[], None]:
        def get() -> None:
            response = client.get(path())
            if response.status_code != 200:
                raise SystemExit(f"{response.status_code} from {path}")

        return get

    def inclusion_path() -> str:
        s = rng.randint(1, size)
        return f"/audit/proof/inclusion?index={rng.randrange(s)}&size={s}"

    def consistency_path() -> str:
        new = rng.randint(1, size)
        return f"/audit/proof/consistency?old={rng.randint(1, new)}&new={new}"

    print(f"  GET /audit/proof/inclusion:   {_percentiles(_timed(http(inclusion_path), queries))}")
    print(
        f"  GET /audit/proof/consistency: {_percentiles(_timed(http(consistency_path), queries))}"
    )


def tile_rate(app, size: int, seconds: float) -> None:
    client = app.test_client()
    rng = random.Random(11)
    full = size // 256
    for level in ("0", "entries"):
        count, nbytes = 0, 0
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            path = f"/audit/log/{verifier.tile_path(level, rng.randrange(full))}"
            response = client.get(path)
            if response.status_code != 200:
                raise SystemExit(f"{response.status_code} from {path}")
            count += 1
            nbytes += len(response.data)
        elapsed = time.perf_counter() - start
        print(
            f"  full {level} tiles: {count / elapsed:,.0f} requests/s "
            f"({nbytes / elapsed / 1e6:.1f} MB/s, Flask test client, one thread)"
        )


# --- 5. verification -------------------------------------------------------------------


class _CachingSite:
    """A `verifier.Site` that answers through the app's test client once per path and then
    from memory, so a second check times the verifier's own work, not the serving."""

    def __init__(self, app) -> None:
        self.client = app.test_client()
        self.answers: dict[str, bytes | verifier.FetchError] = {}

    def get(self, path: str) -> bytes:
        if path not in self.answers:
            response = self.client.get("/" + path.lstrip("/"))
            self.answers[path] = (
                response.data
                if response.status_code == 200
                else verifier.FetchError(
                    f"{path}: HTTP {response.status_code}", response.status_code
                )
            )
        answer = self.answers[path]
        if isinstance(answer, verifier.FetchError):
            raise answer
        return answer

    def site(self) -> verifier.Site:
        return verifier.Site("http://bench.invalid", self.get)


def _check_log_seconds(site: verifier.Site, key: verifier.Verifier) -> tuple[float, str]:
    with tempfile.TemporaryDirectory(prefix="civic-verifier-") as state:
        report = io.StringIO()
        start = time.perf_counter()
        with contextlib.redirect_stdout(report):
            code = verifier.check_log(site, key, state)
        elapsed = time.perf_counter() - start
    last = report.getvalue().strip().splitlines()[-1:] or [""]
    return elapsed, f"exit {code}: {last[0][:90]}"


def full_verification(app, size: int) -> None:
    """Sign a checkpoint of the whole log and run `verifier.check_log` on it, from a fresh
    state: first fetching every tile and bundle through the app (one thread, as a test
    client allows), then again with every file already fetched, as from a mirror or an HTTP
    cache: that second figure is the verification itself (the issue's goal: under 10 s)."""
    from civic.audit import signing
    from civic.audit.checkpoints import make_checkpoint
    from civic.extensions import db

    with app.app_context():
        checkpoint = make_checkpoint("benchmark")
        db.session.commit()
        key = signing.log_signer().verifier
        print(f"  checkpoint signed at size {checkpoint.size:,}")
    cache = _CachingSite(app)
    elapsed, outcome = _check_log_seconds(cache.site(), key)
    print(f"  check_log, fetching every file through the app: {elapsed:.1f} s ({outcome})")
    elapsed, outcome = _check_log_seconds(cache.site(), key)
    print(f"  check_log, every file already fetched: {elapsed:.1f} s ({outcome})")
    print(f"  CPU cores: {os.cpu_count()}; load average now {os.getloadavg()[0]:.1f}")


# --- main ------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--appends", type=int, default=2_000, help="appends per writer count")
    parser.add_argument("--queries", type=int, default=200, help="proofs of each kind")
    parser.add_argument("--seconds", type=float, default=3.0, help="per tile kind")
    parser.add_argument("--realistic", type=int, default=3_200, help="comment posts in 1b")
    parser.add_argument(
        "--realistic-only", action="store_true", help="run only 1b (before/after comparisons)"
    )
    parser.add_argument(
        "--appends-only", action="store_true", help="run only 1 (raw audited appends)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    url = os.environ.get("CIVIC_BENCH_DATABASE_URL", DEFAULT_DB)
    _recreate(url)
    try:
        from flask_migrate import upgrade

        app = _app(url)
        with app.app_context():
            upgrade()
        print(f"database {_plain_url(url).rsplit('/', 1)[1]}, {os.cpu_count()} cores")
        if args.realistic_only:
            world = realistic_world(url, REALISTIC_PROCESSES * REALISTIC_THREADS)
            print(f"1b. realistic audited writes: {realistic_rate(url, world, args.realistic)}")
            print(f"  log gap-free after the run: {_check_gap_free(url):,} entries")
            print(f"  load average now {os.getloadavg()[0]:.1f}")
            return
        print("1. appends (each its own transaction and commit, like a request)")
        for label, processes, threads in (
            (" 1 writer", 1, 1),
            ("16 writers, 16 processes", 16, 1),
            ("16 writers, 4 processes x 4 threads", 4, 4),
            ("16 writers, threads of 1 process", 1, 16),
        ):
            rate, cpu = append_rate(url, processes, threads, args.appends)
            print(
                f"  {label}: {rate:,.0f} appends/s (writers' CPU {cpu * 1e3:.2f} ms "
                f"per append; load average {os.getloadavg()[0]:.1f})",
                flush=True,
            )
        print(f"  log gap-free after the runs: {_check_gap_free(url):,} entries")
        if args.appends_only:
            return
        world = realistic_world(url, REALISTIC_PROCESSES * REALISTIC_THREADS)
        print(f"1b. realistic audited writes: {realistic_rate(url, world, args.realistic)}")
        print(f"  log gap-free after the runs: {_check_gap_free(url):,} entries")

        print(f"2. building a log of {args.entries:,} more entries with COPY")
        start = time.perf_counter()
        size = build_log(url, args.entries)
        print(f"  {size:,} entries in {time.perf_counter() - start:.1f} s")
        with app.app_context():
            from civic.audit import tiles

            root = tiles.root(size)
            start = time.perf_counter()
            if tiles.range_hash(0, size) != root:
                raise SystemExit("the stored root differs from the root over the tile hashes")
            print(
                f"  root over the stored tile hashes matches ({time.perf_counter() - start:.2f} s)"
            )

        print(f"3. proofs ({args.queries} random queries each, tree of {size:,})")
        proof_times(app, size, args.queries)
        print(f"4. tile serving ({args.seconds:.0f} s each, random full tiles)")
        tile_rate(app, size, args.seconds)

        print(f"5. full verification of {size:,} entries by the stand-alone verifier")
        full_verification(app, size)
    finally:
        if not args.keep:
            _drop(url)


if __name__ == "__main__":
    main()
