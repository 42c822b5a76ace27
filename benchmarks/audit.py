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
2. builds a log of --entries entries fast: realistic bodies, with their leaf hashes,
   roots, frontiers and tile hashes computed here and loaded with COPY (`audit verify`
   accepts the result, and the tiles are checked against it);
3. inclusion and consistency proof time (p50, p95) over random queries, in process and
   through the Flask test client;
4. tile serving rate through the Flask test client, for full level-0 tiles and full
   entry bundles;
5. the full verification of every entry from the entry bundles, by the stand-alone
   verifier's code (see `full_verification`, the hook to switch to `check_log`).

Goals on the 2-core development machine (issue 11): at least 1,000 appends/s with 16
writers; verify 1,000,000 entries in under 10 s. Figures only: nothing here asserts time.
"""

from __future__ import annotations

import argparse
import json
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
    for thread in pool:
        thread.join()
    done.put(repr(failures[0]) if failures else "")


def append_rate(url: str, processes: int, threads: int, total: int) -> float:
    """Appends per second with processes x threads writers appending `total` in all."""
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
    failures = [done.get(timeout=600) for _ in workers]
    elapsed = time.perf_counter() - start
    for worker in workers:
        worker.join()
    if any(failures):
        raise SystemExit(f"a writer failed: {next(f for f in failures if f)}")
    return each * processes * threads / elapsed


def _check_gap_free(url: str) -> int:
    with psycopg.connect(_plain_url(url)) as conn:
        count, newest = conn.execute("SELECT count(*), max(seq) FROM audit_entry").fetchone()
    if count != newest + 1:
        raise SystemExit(f"the log has a gap: {count} entries, newest seq {newest}")
    return count


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


def mirror_tiles(app, size: int, directory: Path) -> float:
    """Copy every entry bundle to `directory` as a tlog-tiles mirror; returns the seconds."""
    client = app.test_client()
    start = time.perf_counter()
    for index in range((size + 255) // 256):
        width = min(256, size - index * 256)
        path = verifier.tile_path("entries", index, width)
        response = client.get(f"/audit/log/{path}")
        if response.status_code != 200:
            raise SystemExit(f"{response.status_code} from {path}")
        target = directory / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(response.data)
    return time.perf_counter() - start


def _tile_roots(site: verifier.Site, first: int, stop: int, size: int) -> list[bytes] | str:
    """The roots of bundles first..stop-1 (the last may be partial: then its perfect
    subtrees' roots, largest first), after checking every entry; or what is wrong."""
    roots: list[bytes] = []
    for index in range(first, stop):
        width = min(256, size - index * 256)
        bodies = verifier.parse_entry_bundle(site.get(verifier.tile_path("entries", index, width)))
        if len(bodies) != width:
            return f"bundle {index} holds {len(bodies)} entries, not {width}"
        leaves = []
        for seq, body in enumerate(bodies, start=index * 256):
            parsed = json.loads(body)
            if parsed.get("seq") != seq or verifier.canonical_json(parsed) != body:
                return f"entry {seq} is not canonical JSON carrying its own seq"
            leaves.append(verifier.leaf_hash(body))
        if width == 256:
            roots.append(verifier.root_from_leaf_hashes(leaves))
        else:  # the right edge: perfect subtrees of the partial tile, largest first
            start = 0
            for height in range(7, -1, -1):
                if width >> height & 1:
                    roots.append(
                        verifier.root_from_leaf_hashes(leaves[start : start + (1 << height)])
                    )
                    start += 1 << height
    return roots


_SITE: verifier.Site | None = None  # for the forked workers of full_verification


def _worker(job: tuple[int, int, int]) -> list[bytes] | str:
    assert _SITE is not None
    return _tile_roots(_SITE, *job)


def full_verification(site: verifier.Site, size: int, root: bytes, processes: int = 1) -> str:
    """Verify every entry of a tree of `size` entries against `root`, from entry bundles.

    THE HOOK TO SWITCH: once slice E's `verifier.check_log` lands, call it here instead
    (it fetches the checkpoint and tiles itself, and checks more); until then this does
    the core of that work with the verifier's own primitives: parse each bundle, check
    each entry is canonical JSON carrying the next seq, hash it, and recompute the root
    (each full bundle's 256-leaf subtree, then the tree over those). With `processes` > 1
    the bundles are shared out to forked workers, as a verifier on a multi-core machine
    may do.
    """
    global _SITE
    bundles = (size + 255) // 256
    full = size // 256
    step = 64
    jobs = [(i, min(i + step, bundles), size) for i in range(0, bundles, step)]
    if processes > 1:
        _SITE = site
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            results = pool.map(_worker, jobs)
    else:
        results = [_tile_roots(site, *job) for job in jobs]
    tile_roots: list[bytes] = []
    for result in results:
        if isinstance(result, str):
            return result
        tile_roots += result
    frontier: list[bytes] = []
    for n, tile_root in enumerate(tile_roots[:full]):  # full tiles: leaves of height 8
        frontier = verifier.frontier_append(frontier, n, tile_root)
    if verifier.frontier_root(frontier + tile_roots[full:]) != root:
        return "the recomputed root differs from the checkpoint's"
    return "ok"


def _local_site(directory: Path) -> verifier.Site:
    return verifier.Site(str(directory), lambda path: (directory / path).read_bytes())


# --- main ------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--appends", type=int, default=2_000, help="appends per writer count")
    parser.add_argument("--queries", type=int, default=200, help="proofs of each kind")
    parser.add_argument("--seconds", type=float, default=3.0, help="per tile kind")
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
        print("1. appends (each its own transaction and commit, like a request)")
        for label, processes, threads in (
            (" 1 writer", 1, 1),
            ("16 writers, 16 processes", 16, 1),
            ("16 writers, 4 processes x 4 threads", 4, 4),
            ("16 writers, threads of 1 process", 1, 16),
        ):
            rate = append_rate(url, processes, threads, args.appends)
            print(f"  {label}: {rate:,.0f} appends/s")
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

        print(f"5. full verification of {size:,} entries")
        with tempfile.TemporaryDirectory(prefix="civic-tiles-") as tmp:
            directory = Path(tmp)
            fetched = mirror_tiles(app, size, directory)
            print(f"  fetching every entry bundle through the app: {fetched:.1f} s")
            for processes in sorted({1, os.cpu_count() or 1}):
                start = time.perf_counter()
                outcome = full_verification(_local_site(directory), size, root, processes)
                elapsed = time.perf_counter() - start
                print(
                    f"  verifying from the bundles on disk, {processes} process(es): "
                    f"{elapsed:.1f} s ({outcome})"
                )
    finally:
        if not args.keep:
            _drop(url)


if __name__ == "__main__":
    main()
