"""The load benchmark anyone can rerun (issue 16): Civic's pages under gunicorn against a
one-query Flask page, driven by locust, with CPU per request measured on the server.

    .venv/bin/pip install -e '.[bench]'          # locust (once)
    .venv/bin/python benchmarks/load.py          # the full run (about 10 minutes)
    .venv/bin/python benchmarks/load.py --quick  # a short run: small data, short bursts

1. Builds the data set (`benchmarks/load_data.py`, which says what goes through the
   services and what is bulk-inserted) on a fresh PostgreSQL database, dropped and
   recreated: its name must contain "bench" (default civic_bench_load on 127.0.0.1).
   Full: the Pabulib file given (default ../shared/pabulib/Poland_Warszawa_2026.pb, 61,668
   voters) as a round with frozen results, 10,000 eligible residents, a 5,000-comment
   thread, a consultation with 10,000 responses, a proposal in voting, a round in voting.
2. Starts Civic (`gunicorn -c gunicorn.conf.py`, 4 workers) and the baseline
   (`benchmarks/load_baseline.py`: one indexed query) with the same configuration file
   and worker count, each on its own port; `--max-requests 0` so no worker is replaced
   (and its CPU time lost) during a measurement.
3. For each page: a warm-up, then one headless locust process (`load_locustfile.py`),
   bounded in time (`--seconds`) and in requests (`--requests`), with `--users`
   clients asking back to back. Around it the CPU time (user + system) of the gunicorn
   workers is read with psutil; CPU per request = its growth / requests answered. The
   PostgreSQL backends serving the database are read the same way (db column).
4. Casting: `--casters` signed-in residents post a ballot at the same moment; afterwards
   the database must hold exactly that many ballots, and the round's kept count too.

Prints a table and writes it as Markdown and JSON (`--out`, default
benchmarks/load-results.{md,json}). Goals (issue 16): every page within 3x the baseline's
CPU per request; the casters all counted at >= 200 ballots/s with p95 < 1 s. Exit 1 when
a page answers errors or ballots go missing (not when a goal is missed: the table says).
Traffic goes only to 127.0.0.1. Stops its gunicorns however it ends.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/civic_bench_load"
DEFAULT_FILE = ROOT.parent / "shared" / "pabulib" / "Poland_Warszawa_2026.pb"
QUICK_FILE = ROOT.parent / "shared" / "pabulib" / "Poland_Warszawa_2024_Ursynow.pb"
REDIS = "redis://127.0.0.1:6379/9"
GOAL_RATIO = 3.0
GOAL_RATE = 200.0
GOAL_P95_MS = 1000.0
VENV = Path(sys.executable).parent


class Abort(RuntimeError):
    """The benchmark cannot go on."""


# --- the database -------------------------------------------------------------------------


def check_target(database: str) -> str:
    parts = urllib.parse.urlsplit(database)
    name = parts.path.lstrip("/")
    if "bench" not in name or not re.fullmatch(r"[a-z0-9_]+", name):
        raise SystemExit(f"the database name must contain 'bench' (it is dropped): {database}")
    if parts.hostname not in ("127.0.0.1", "localhost"):
        raise SystemExit(f"only a database on 127.0.0.1, please: {database}")
    return name


def fresh_database(database: str) -> None:
    from sqlalchemy import create_engine, text

    name = check_target(database)
    parts = urllib.parse.urlsplit(database)
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    engine = create_engine(
        admin.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


# --- servers ------------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def start_server(name: str, app: str, port: int, workers: int, env: dict, logs: Path) -> Server:
    log = logs / f"{name}.log"
    with log.open("wb") as handle:
        process = subprocess.Popen(  # noqa: S603 (our own venv's gunicorn, fixed arguments)
            [
                str(VENV / "gunicorn"),
                "-c",
                str(ROOT / "gunicorn.conf.py"),
                "--workers",
                str(workers),
                "--max-requests",
                "0",
                "--bind",
                f"127.0.0.1:{port}",
                app,
            ],
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopping it stops its workers
        )
    return Server(name, port, process, log)


def stop_server(server: Server) -> None:
    if server.process.poll() is not None:
        return
    os.killpg(server.process.pid, signal.SIGTERM)  # only the group this script started
    try:
        server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=10)


def get(url: str, cookie: str = "", timeout: float = 60) -> int:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310
    try:
        with opener.open(request, timeout=timeout) as answer:
            answer.read()
            return answer.status
    except urllib.error.HTTPError as answer:
        return answer.code
    except OSError:
        return 0


def wait_until_serving(server: Server, workers: int, limit: float = 120) -> None:
    import psutil

    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise Abort(f"{server.name} exited:\n{server.log.read_text()[-3000:]}")
        children = psutil.Process(server.process.pid).children(recursive=True)
        if len(children) >= workers and get(server.base + "/", timeout=10) == 200:
            return
        time.sleep(0.5)
    raise Abort(f"{server.name} did not serve within {limit:.0f}s")


def worker_cpu(server: Server) -> tuple[float, frozenset[int]]:
    """(user + system CPU seconds of every worker, their pids)."""
    import psutil

    total, pids = 0.0, set()
    for child in psutil.Process(server.process.pid).children(recursive=True):
        try:
            times = child.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
        pids.add(child.pid)
    return total, frozenset(pids)


def database_cpu(dbname: str) -> float:
    """CPU seconds of the PostgreSQL backends connected to `dbname` (0 if not readable)."""
    import psutil

    total = 0.0
    for process in psutil.process_iter(["cmdline"]):
        try:
            line = " ".join(process.info["cmdline"] or [])
            if line.startswith("postgres: ") and f" {dbname} " in line:
                times = process.cpu_times()
                total += times.user + times.system
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total


# --- locust -------------------------------------------------------------------------------


@dataclass
class Row:
    page: str
    path: str
    requests: int = 0
    failures: int = 0
    rps: float = 0.0
    p50: float = 0.0
    p95: float = 0.0
    p99: float = 0.0
    cpu_ms: float = 0.0
    db_ms: float = 0.0
    ratio: float = 0.0
    note: str = ""

    def goal(self) -> str:
        if self.failures:
            return "ERRORS"
        return "ok" if self.ratio <= GOAL_RATIO else "OVER 3x"


def run_locust(
    server: Server,
    user_class: str,
    env_extra: dict,
    *,
    users: int,
    seconds: float,
    workdir: Path,
    tag: str,
) -> dict:
    """One headless locust run; the aggregated row of its statistics."""
    stats = workdir / f"{tag}.json"
    env = {**os.environ, **env_extra}
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        env.pop(name, None)
    done = subprocess.run(  # noqa: S603 (our own venv's locust, fixed arguments)
        [
            str(VENV / "locust"),
            "-f",
            str(ROOT / "benchmarks" / "load_locustfile.py"),
            "--headless",
            "--host",
            server.base,
            "-u",
            str(users),
            "-r",
            str(users),
            "-t",
            f"{max(1, round(seconds))}s",
            "--stop-timeout",
            "30",
            "--json-file",
            str(stats.with_suffix("")),
            "--only-summary",
            "--loglevel",
            "WARNING",
            user_class,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=seconds + 180,
        check=False,
    )
    if not stats.exists():
        raise Abort(f"locust wrote no statistics ({tag}):\n{done.stderr[-3000:]}")
    entries = json.loads(stats.read_text())
    if len(entries) != 1:
        raise Abort(f"locust ran {len(entries)} kinds of request ({tag}), expected one")
    return entries[0]


def warm_up(server: Server, paths: list[str], cookie: str, workers: int) -> None:
    """A few requests per worker first, so templates are compiled before measuring."""

    def one() -> None:
        for path in paths[:3] * 2:
            get(server.base + path, cookie)

    threads = [threading.Thread(target=one) for _ in range(workers * 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def measure_page(
    server: Server, page: str, paths: list[str], cookie: str, args, dbname: str, workdir: Path
) -> Row:
    warm_up(server, paths, cookie, args.workers)
    before, pids_before = worker_cpu(server)
    db_before = database_cpu(dbname)
    stats = run_locust(
        server,
        "Visitor",
        {
            "LOAD_MODE": "get",
            "LOAD_PATHS": json.dumps(paths),
            "LOAD_COOKIE": cookie,
            "LOAD_MAX_REQUESTS": str(args.requests),
        },
        users=args.users,
        seconds=args.seconds,
        workdir=workdir,
        tag=re.sub(r"[^a-z0-9]+", "-", f"{server.name}-{page}".lower()),
    )
    after, pids_after = worker_cpu(server)
    db_after = database_cpu(dbname)
    row = _row(page, paths[0], stats)
    if row.requests:
        row.cpu_ms = (after - before) * 1000 / row.requests
        row.db_ms = (db_after - db_before) * 1000 / row.requests
    if pids_before != pids_after:
        row.note = "a worker was replaced during the run"
    return row


def percentile(times: dict[str, int], share: float) -> float:
    """The response time (ms, as locust rounds it) below which `share` of requests fall."""
    buckets = sorted((float(ms), n) for ms, n in times.items())
    total = sum(n for _, n in buckets)
    seen = 0
    for ms, n in buckets:
        seen += n
        if seen >= share * total:
            return ms
    return 0.0


def _row(page: str, path: str, stats: dict) -> Row:
    """A table row from locust's final statistics of one kind of request (--json-file)."""
    count = int(stats["num_requests"])
    span = float(stats["last_request_timestamp"] or 0) - float(stats["start_time"] or 0)
    times = stats["response_times"]
    return Row(
        page=page,
        path=path,
        requests=count,
        failures=int(stats["num_failures"]),
        rps=count / span if span > 0 else 0.0,
        p50=percentile(times, 0.50),
        p95=percentile(times, 0.95),
        p99=percentile(times, 0.99),
    )


# --- the pages ----------------------------------------------------------------------------


def pages(world, cookie: str) -> list[tuple[str, list[str], str]]:
    """(name, paths, cookie) of every page measured; signed-in pages carry the cookie."""
    big, voting = world.big_round, world.voting_round
    c = world.consultation_id
    anonymous = [
        ("home", ["/"]),
        ("rounds list", ["/budgets"]),
        ("consultations list", ["/consultations"]),
        ("votes list", ["/votes"]),
        ("contracts list", ["/contracts"]),
        ("round (imported city round)", [f"/budgets/{big}"]),
        ("results", [f"/budgets/{big}/results"]),
        ("project", [f"/budgets/{big}/projects/{world.big_project_id}"]),
        ("round in voting", [f"/budgets/{voting}"]),
        ("proposal", [f"/votes/{world.proposal_id}"]),
        ("consultation", [f"/consultations/{c}"]),
        ("consultation analysis", [f"/consultations/{c}/analysis"]),
        ("the big thread", [f"/discussions/{world.thread[0]}/{world.thread[1]}"]),
        ("audit list", ["/audit"]),
        ("audit entry", [f"/audit/entries/{seq}" for seq in world.audit_seqs]),
        ("results.json", [f"/budgets/{big}/results.json"]),
        ("results.csv", [f"/budgets/{big}/results.csv"]),
        ("ballots.json", [f"/budgets/{big}/ballots.json"]),
        ("ballots.csv", [f"/budgets/{big}/ballots.csv"]),
        ("ballots.pb", [f"/budgets/{big}/ballots.pb"]),
        ("replaced.json", [f"/budgets/{big}/replaced.json"]),
        ("responses.csv", [f"/consultations/{c}/responses.csv"]),
        ("consultation results API", [f"/api/v1/consultations/{c}/results"]),
        ("proposals API", ["/api/v1/proposals"]),
        ("proposal API", [f"/api/v1/proposals/{world.proposal_id}"]),
        ("contracts API", ["/api/v1/contracts"]),
        ("contracts.csv", ["/contracts.csv"]),
        ("contracts ocds.json", ["/contracts/ocds.json"]),
        ("audit checkpoint", ["/audit/log/checkpoint"]),
        ("checkpoints.json", ["/audit/checkpoints.json"]),
    ]
    signed = [("ballot page (signed in)", [f"/budgets/{voting}/ballot"])]
    return [(n, p, "") for n, p in anonymous] + [(n, p, cookie) for n, p in signed]


def cast_ballots(server: Server, app, world, args, dbname: str, workdir: Path) -> dict:
    """`--casters` residents post their ballots at once; then count them in the database."""
    from benchmarks.load_data import CHOICES, ballots_in, casters, signed_in
    from civic.accounts.models import User
    from civic.extensions import db

    with app.app_context():
        before_rows, before_kept = ballots_in(world.voting_round)
        people = casters(world, args.casters)
        casts = []
        for k, user_id in enumerate(people):
            cookie, token = signed_in(app, db.session.get(User, user_id))
            chosen = [str(world.voting_project_ids[i]) for i in CHOICES[k % len(CHOICES)]]
            casts.append({"cookie": cookie, "token": token, "projects": chosen})
    casts_file = workdir / "casts.json"
    casts_file.write_text(json.dumps(casts))
    timing_file = workdir / "cast-timing.json"
    path = f"/budgets/{world.voting_round}/ballot"
    cpu_before, pids_before = worker_cpu(server)
    db_before = database_cpu(dbname)
    stats = run_locust(
        server,
        "Caster",
        {
            "LOAD_MODE": "cast",
            "LOAD_CASTS": str(casts_file),
            "LOAD_CAST_PATH": path,
            "LOAD_TIMING_OUT": str(timing_file),
        },
        users=len(casts),
        seconds=max(60.0, args.seconds),
        workdir=workdir,
        tag="civic-cast",
    )
    cpu_after, pids_after = worker_cpu(server)
    db_after = database_cpu(dbname)
    timing = json.loads(timing_file.read_text()) if timing_file.exists() else {}
    with app.app_context():
        after_rows, after_kept = ballots_in(world.voting_round)
    row = _row("cast a ballot (POST)", path, stats)
    if row.requests:
        row.cpu_ms = (cpu_after - cpu_before) * 1000 / row.requests
        row.db_ms = (db_after - db_before) * 1000 / row.requests
    if pids_before != pids_after:
        row.note = "a worker was replaced during the run"
    span = (timing.get("last_end") or 0) - (timing.get("first_start") or 0)
    succeeded = int(timing.get("succeeded", 0))
    return {
        "row": row,
        "casters": len(casts),
        "succeeded": succeeded,
        "statuses": timing.get("statuses", {}),
        "seconds": round(span, 3),
        "ballots_per_second": round(succeeded / span, 1) if span > 0 else 0.0,
        "stored": after_rows - before_rows,
        "kept_count": after_kept - before_kept,
    }


# --- the report ---------------------------------------------------------------------------


def machine() -> dict:
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        model = platform.processor() or "unknown"
    return {
        "cpus": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "system": platform.platform(),
    }


def table(rows: list[Row], baseline: Row) -> list[str]:
    lines = [
        "| page | requests | req/s | p50 ms | p95 ms | p99 ms | CPU ms/req | x baseline "
        "| db CPU ms/req | goal (<= 3x) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in [baseline, *rows]:
        goal = "baseline" if row is baseline else row.goal()
        note = f" ({row.note})" if row.note else ""
        lines.append(
            f"| {row.page} | {row.requests} | {row.rps:.0f} | {row.p50:.0f} | {row.p95:.0f} "
            f"| {row.p99:.0f} | {row.cpu_ms:.1f} | {row.ratio:.1f} | {row.db_ms:.1f} "
            f"| {goal}{note} |"
        )
    return lines


def page_cache_setting() -> str:
    """How the Civic under test caches anonymous pages (the production default: 5 s)."""
    seconds = os.environ.get("CIVIC_PAGE_CACHE_SECONDS", "").strip()
    if seconds in ("0", "0.0"):
        return "off (CIVIC_PAGE_CACHE_SECONDS=0): every request is made fresh"
    return f"{seconds or '5'} s (CIVIC_PAGE_CACHE_SECONDS; signed-in pages are always fresh)"


def report(args, info: dict, baseline: Row, rows: list[Row], cast: dict | None) -> str:
    out = [
        f"Load benchmark, {info['when']}, commit {info['commit']} "
        f"({'quick' if args.quick else 'full'} run)",
        "",
        f"Machine: {info['machine']['cpus']} CPUs ({info['machine']['cpu']}), Python "
        f"{info['machine']['python']}; load average {info['load_before']} before, "
        f"{info['load_after']} after (the machine is shared: other work runs beside this, "
        "so latencies and req/s vary between runs; CPU per request is the steadier figure).",
        f"Data: {info['data']}.",
        f"gunicorn: {args.workers} workers (gunicorn.conf.py: gthread, 2 threads) for Civic "
        f"and for the baseline; locust: {args.users} users back to back per page, at most "
        f"{args.requests} requests or {args.seconds:.0f} s each.",
        f"Page cache for visitors not signed in (civic/page_cache.py): {page_cache_setting()}.",
        "",
        *table(rows, baseline),
    ]
    if cast:
        row = cast["row"]
        met = (
            cast["succeeded"] == cast["casters"] == cast["stored"] == cast["kept_count"]
            and cast["ballots_per_second"] >= GOAL_RATE
            and row.p95 < GOAL_P95_MS
        )
        out += [
            "",
            f"Casting: {cast['casters']} signed-in residents posted a ballot at once: "
            f"{cast['succeeded']} answered with success, {cast['stored']} new ballots stored, "
            f"the round's kept count grew by {cast['kept_count']}; answers {cast['statuses']}; "
            f"{cast['seconds']:.2f} s from the first post to the last answer = "
            f"{cast['ballots_per_second']:.0f} ballots/s; p50 {row.p50:.0f} ms, "
            f"p95 {row.p95:.0f} ms, p99 {row.p99:.0f} ms; {row.cpu_ms:.1f} ms CPU per "
            f"ballot ({row.ratio:.1f}x baseline), db {row.db_ms:.1f} ms. Goal (all counted, "
            f">= {GOAL_RATE:.0f}/s, p95 < 1 s): {'met' if met else 'NOT met'}.",
        ]
    return "\n".join(out) + "\n"


# --- main ---------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data, short bursts")
    parser.add_argument("--database", default=DEFAULT_DB)
    parser.add_argument("--file", default=None, help="the city round's Pabulib file")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--users", type=int, default=None, help="locust users per page")
    parser.add_argument("--seconds", type=float, default=None, help="at most, per page")
    parser.add_argument("--requests", type=int, default=None, help="at most, per page")
    parser.add_argument("--casters", type=int, default=None)
    parser.add_argument("--only", default="", help="only pages whose name contains this")
    parser.add_argument("--port", type=int, default=5341, help="Civic; the baseline: +1")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "load-results"))
    args = parser.parse_args()
    quick = args.quick
    args.users = args.users or (4 if quick else 8)
    args.seconds = args.seconds or (4.0 if quick else 10.0)
    args.requests = args.requests or (200 if quick else 1000)
    args.casters = args.casters if args.casters is not None else (100 if quick else 500)
    pb_file = Path(args.file or (QUICK_FILE if quick else DEFAULT_FILE))
    dbname = check_target(args.database)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))  # unwinds through the finally

    env = {
        **os.environ,
        "DATABASE_URL": args.database,
        "RATELIMIT_STORAGE_URI": REDIS,
        "SECRET_KEY": secrets.token_urlsafe(32),
        "FLASK_APP": "civic",
        "GUNICORN_LOG_LEVEL": "warning",
    }
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "WEB_CONCURRENCY"):
        env.pop(name, None)
    os.environ.update(env)  # this process builds the data with the same settings

    from benchmarks.load_data import Scale, build, signed_in

    scale = (
        Scale(residents=1000, audited=50, comments=500, responses=1000, casters=args.casters)
        if quick
        else Scale(casters=args.casters)
    )
    scale.casters = min(scale.casters, scale.residents - 1)
    args.casters = scale.casters
    started = time.monotonic()
    load_before = " ".join(f"{x:.1f}" for x in os.getloadavg())
    fresh_database(args.database)
    subprocess.run(  # noqa: S603 (our own venv's flask)
        [str(VENV / "flask"), "--app", "civic", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    from civic import create_app
    from civic.accounts.models import User
    from civic.extensions import db

    app = create_app()
    with app.app_context():
        world = build(scale, pb_file)
        viewer = db.session.get(User, world.resident_ids[-1])
        cookie, _ = signed_in(app, viewer)
    data = (
        f"{pb_file.name} imported as a round with frozen results, {scale.residents:,} eligible "
        f"residents, a {scale.comments:,}-comment thread, a consultation with "
        f"{scale.responses:,} responses (built in {time.monotonic() - started:.0f} s: "
        + ", ".join(f"{k} {v:.0f} s" for k, v in world.timings.items())
        + ")"
    )
    print(f"data: {data}", flush=True)

    workdir = Path(tempfile.mkdtemp(prefix="civic-load-"))
    baseline_env = {**env, "BASELINE_MAX_ID": str(max(world.resident_ids))}
    civic = start_server("civic", "civic:create_app()", args.port, args.workers, env, workdir)
    base = start_server(
        "baseline",
        "benchmarks.load_baseline:app",
        args.port + 1,
        args.workers,
        baseline_env,
        workdir,
    )
    rows: list[Row] = []
    cast = None
    try:
        wait_until_serving(civic, args.workers)
        wait_until_serving(base, args.workers)
        baseline = measure_page(
            base, "baseline (one indexed query)", ["/"], "", args, dbname, workdir
        )
        baseline.ratio = 1.0
        print(
            f"baseline: {baseline.cpu_ms:.2f} ms CPU per request, {baseline.rps:.0f} req/s",
            flush=True,
        )
        for name, paths, page_cookie in pages(world, cookie):
            if args.only and args.only not in name:
                continue
            row = measure_page(civic, name, paths, page_cookie, args, dbname, workdir)
            row.ratio = row.cpu_ms / baseline.cpu_ms if baseline.cpu_ms else 0.0
            rows.append(row)
            print(
                f"{name:<28} {row.requests:>6} req {row.rps:>7.0f}/s p50 {row.p50:>6.0f} "
                f"p95 {row.p95:>6.0f} p99 {row.p99:>6.0f} ms  CPU {row.cpu_ms:>7.2f} ms/req "
                f"{row.ratio:>5.1f}x  db {row.db_ms:>6.2f}  {row.goal()} {row.note}",
                flush=True,
            )
        if args.casters and (not args.only or "cast" in args.only):
            cast = cast_ballots(civic, app, world, args, dbname, workdir)
            cast["row"].ratio = cast["row"].cpu_ms / baseline.cpu_ms if baseline.cpu_ms else 0
            print(f"cast: { ({k: v for k, v in cast.items() if k != 'row'}) }", flush=True)
    except Abort as stop:
        print(f"ABORTED: {stop}", flush=True)
        return 2
    finally:
        stop_server(civic)
        stop_server(base)
        tracebacks = civic.log.read_text(errors="replace").count("Traceback")
        print(f"gunicorns stopped; Civic's log {civic.log} has {tracebacks} tracebacks")

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 (which code was measured)
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    info = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit or "unknown",
        "machine": machine(),
        "load_before": load_before,
        "load_after": " ".join(f"{x:.1f}" for x in os.getloadavg()),
        "data": data,
        "took_seconds": round(time.monotonic() - started),
    }
    text = report(args, info, baseline, rows, cast)
    print()
    print(text)
    out = Path(args.out)
    out.with_suffix(".md").write_text(text)
    out.with_suffix(".json").write_text(
        json.dumps(
            {
                **info,
                "quick": quick,
                "baseline": baseline.__dict__,
                "pages": [r.__dict__ | {"goal": r.goal()} for r in rows],
                "cast": cast and {**cast, "row": cast["row"].__dict__},
            },
            indent=1,
        )
    )
    print(f"written: {out.with_suffix('.md')} and .json; {info['took_seconds']} s in all")
    missing = cast and not (cast["succeeded"] == cast["stored"] == cast["kept_count"])
    return 1 if missing or any(r.failures for r in rows) or tracebacks else 0


if __name__ == "__main__":
    sys.exit(main())
