"""Many residents casting budget ballots at once, through the real service, on PostgreSQL.

    .venv/bin/python benchmarks/ballots.py [--ballots 500] [--writers 16]
        [--database postgresql://postgres@127.0.0.1:5432/civic_ballots_bench]

Builds a fresh database (its name must end in _bench: it is dropped first), migrates it,
creates through the service functions an area, N eligible residents and a round in its
voting phase (benchmarks/race_close.py's set-up), then hands all N casts at once to
`--writers` threads (as gunicorn workers x threads would take them), each with its own
connection. Every cast is `budgets.services.cast_ballot` and a commit, as the request
wrapper does: the round's row lock (DESIGN §4a), the ballot upsert, the receipt, the
private audit act, the follow, the commit.

Prints ballots/s, per-cast service time (p50/p95, from a writer picking the cast up to
its commit returning) and the time each resident waited (p50/p95, from the moment all
N were handed over: what N simultaneous clicks would see with this many writers), then
checks all N were counted (ballot rows, the round's counter, the queued audit acts, and
after releasing them the log verifies). The issue's goal: >= 200 ballots/s, p95 < 1 s.
Figures only: nothing here asserts time.
"""

from __future__ import annotations

import argparse
import os
import queue
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from race_close import CHOICES, PASSWORD, World, fresh_database, new_round  # noqa: E402

DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/civic_ballots_bench"


def build_world(app, n: int) -> World:
    """An area, a moderator and n eligible residents with confirmed addresses (race_close's
    set-up; one password hash for all, since Argon2 is slow on purpose)."""
    from civic.accounts import services as accounts
    from civic.accounts.models import Role, User, utcnow
    from civic.accounts.passwords import hash_password
    from civic.extensions import db

    with app.app_context():
        admin = accounts.create_user(None, "admin@ballots.example", "Admin", PASSWORD, Role.ADMIN)
        moderator = accounts.create_user(
            admin, "moderator@ballots.example", "Moderator", PASSWORD, Role.MODERATOR
        )
        area = accounts.create_area(
            admin,
            name="Raceside",
            slug="raceside",
            kind="ward",
            postcode_districts="LS6",
            description="",
        )
        shared = hash_password(PASSWORD)
        people = [
            User(
                email=f"resident{k:04d}@ballots.example",
                display_name=f"Resident {k}",
                password_hash=shared,
                role=Role.RESIDENT,
                email_confirmed_at=utcnow(),
            )
            for k in range(n)
        ]
        db.session.add_all(people)
        db.session.flush()
        for person in people:
            accounts.confirm_eligibility(moderator, person, area, "Council tax bill seen")
        db.session.commit()
        return World(area.id, moderator.email, moderator.id, [(p.id, p.email) for p in people])


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def cast_all(app, world, round_id: int, project_ids: list[int], writers: int, barrier=None) -> dict:
    """Cast one ballot per resident with `writers` threads; return the timings. `barrier`,
    if given, is passed by all the casting processes before any starts."""
    from civic.accounts.models import User
    from civic.budgets import services
    from civic.budgets.models import BudgetRound
    from civic.extensions import db

    work: queue.Queue[tuple[int, int]] = queue.Queue()
    for k, (user_id, _) in enumerate(world.residents):
        work.put((k, user_id))
    ready = threading.Barrier(writers + 1)
    service: list[float] = []
    waited: list[float] = []
    ends: list[float] = []
    errors: list[BaseException] = []
    start = 0.0

    def writer() -> None:
        with app.app_context():
            try:
                db.session.execute(db.text("SELECT 1"))  # connect before the clock starts
                db.session.commit()
                ready.wait()
                while True:
                    try:
                        k, user_id = work.get_nowait()
                    except queue.Empty:
                        return
                    began = time.perf_counter()
                    me = db.session.get(User, user_id)
                    target = db.session.get(BudgetRound, round_id)
                    choice = [(project_ids[i], 1) for i in CHOICES[k % len(CHOICES)]]
                    services.cast_ballot(me, target, choice)
                    db.session.commit()
                    done = time.perf_counter()
                    service.append(done - began)
                    waited.append(done - start)
                    ends.append(time.time())
                    db.session.close()
            except BaseException as exc:  # reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=writer) for _ in range(writers)]
    for thread in threads:
        thread.start()
    if barrier is not None:
        barrier.wait()
    ready.wait()
    start, cpu = time.perf_counter(), time.process_time()
    for thread in threads:
        thread.join()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    if errors:
        raise SystemExit(f"a cast failed: {errors[0]!r}")
    return {"elapsed": elapsed, "service": service, "waited": waited, "ends": ends, "cpu": cpu}


def _app(database: str, pool_size: int):
    from civic import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database.replace(
                "postgresql://", "postgresql+psycopg://", 1
            ),
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": pool_size},
            "RATELIMIT_ENABLED": False,
        }
    )


def _caster_process(database, world, round_id, project_ids, threads, share, barrier, out):
    """One app process (as one gunicorn worker) casting its share with `threads` threads;
    sends back (error, service times, wall-clock end times)."""
    app = _app(database, threads + 2)
    ends: list[float] = []
    try:
        mine = World(world.area_id, world.moderator_email, world.moderator_id, share)
        figures = cast_all(app, mine, round_id, project_ids, threads, barrier=barrier)
        ends = figures["ends"]
        out.put(("", figures["service"], ends, figures["cpu"]))
    except BaseException as exc:  # reported by the parent
        out.put((repr(exc), [], ends, 0.0))


def cast_in_processes(database, world, round_id, project_ids, writers, processes) -> dict:
    """`processes` processes of writers/processes threads each take an equal share."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(processes + 1)
    out = context.Queue()
    shares = [world.residents[k::processes] for k in range(processes)]
    children = [
        context.Process(
            target=_caster_process,
            args=(
                database,
                world,
                round_id,
                project_ids,
                writers // processes,
                share,
                barrier,
                out,
            ),
        )
        for share in shares
    ]
    for child in children:
        child.start()
    barrier.wait()
    start = time.time()
    answers = [out.get(timeout=900) for _ in children]
    for child in children:
        child.join()
    failures = [error for error, *_ in answers if error]
    if failures:
        raise SystemExit(f"a cast failed: {failures[0]}")
    service = [t for _, mine, _, _ in answers for t in mine]
    ends = [t for _, _, mine, _ in answers for t in mine]
    return {
        "elapsed": max(ends) - start,
        "service": service,
        "waited": [end - start for end in ends],
        "cpu": sum(cpu for *_, cpu in answers),
    }


def check_counted(app, round_id: int, expected: int) -> str:
    from sqlalchemy import func, select

    from civic import audit
    from civic.audit.models import AuditEntry
    from civic.budgets import services
    from civic.budgets.models import Ballot, BudgetRound
    from civic.extensions import db

    with app.app_context():
        rows = db.session.scalar(
            select(func.count()).select_from(Ballot).where(Ballot.round_id == round_id)
        )
        round_ = db.session.get(BudgetRound, round_id)
        counter = services.ballot_count(round_)[0]
        queued = audit.pending_count(round_)
        released = audit.release_pending(round_)
        db.session.commit()
        verified = audit.verify()
        casts = db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "budget_ballot:cast")
        )
        db.session.remove()
    ok = rows == counter == queued == released == casts == expected and verified.ok
    return (
        f"{'all counted' if ok else 'MISMATCH'}: {rows} ballot rows, round counter "
        f"{counter}, {queued} queued audit acts, {casts} cast entries after release; "
        f"log verifies: {verified.ok} ({verified.size} entries)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=DEFAULT_DB)
    parser.add_argument("--ballots", type=int, default=500)
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="app processes the writers are spread over (as gunicorn workers; default 1)",
    )
    args = parser.parse_args()
    os.environ.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    fresh_database(args.database)
    from flask_migrate import upgrade

    app = _app(args.database, args.writers + 2)
    with app.app_context():
        upgrade()
    t = time.perf_counter()
    world = build_world(app, args.ballots)
    slug, project_ids = new_round(app, world, 1)
    with app.app_context():
        from civic.budgets import services

        round_id = services.get_round(slug).id
    print(
        f"set-up: {args.ballots} eligible residents and a round in voting in "
        f"{time.perf_counter() - t:.1f} s; {args.writers} writer threads in "
        f"{args.processes} process{'es' if args.processes > 1 else ''}; "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    if args.processes > 1:
        figures = cast_in_processes(
            args.database, world, round_id, project_ids, args.writers, args.processes
        )
    else:
        figures = cast_all(app, world, round_id, project_ids, args.writers)
    cpu = figures["cpu"]  # from the start signal to the last answer: no start-up
    service, waited = figures["service"], figures["waited"]
    print(
        f"{len(service)} ballots in {figures['elapsed']:.2f} s: "
        f"{len(service) / figures['elapsed']:,.0f} ballots/s"
    )
    print(
        f"  per cast (service + commit): p50 {statistics.median(service) * 1000:.1f} ms, "
        f"p95 {_percentile(service, 0.95) * 1000:.1f} ms"
    )
    print(
        f"  time to answer, all {len(waited)} handed over at once: p50 "
        f"{statistics.median(waited) * 1000:.0f} ms, p95 {_percentile(waited, 0.95) * 1000:.0f} ms"
    )
    print(
        f"  CPU of the casting processes (the app's side of the casts, all threads): "
        f"{cpu * 1000 / len(service):.1f} ms per ballot"
    )
    print("  " + check_counted(app, round_id, args.ballots))
    print(f"  load average now {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
