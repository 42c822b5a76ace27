"""Casts racing the close over real processes: every cast answered with success is counted.

    .venv/bin/python benchmarks/race_close.py [--residents 200] [--trials 5]
        [--database postgresql://postgres@127.0.0.1:5432/civic_race_bench]

An outside reviewer's attack, end to end. Builds a fresh PostgreSQL database (its name
must end in _bench: it is dropped), migrates it, creates through the service functions an
area, N eligible residents and a moderator, then starts gunicorn (4 workers) on
127.0.0.1. Each trial makes a new proposal in voting and a new budget round in voting;
every resident signs in over HTTP; then all of them post their vote at once while the
moderator, after a short random delay, posts the early close; then all of them post a
ballot while the moderator posts "Move to results". Each answer is recorded (a redirect
saying it was recorded, a 409 saying it was not counted, or anything else) and compared
with the frozen count (the proposal's JSON, results.json and ballots.json, the database)
and with the audit log (participation entries before the close entry).

Prints one line per race and a summary; exits 1 on any mismatch, any 5xx or any answer
that is neither, and always stops gunicorn. Traffic goes only to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/civic_race_bench"
REDIS = "redis://127.0.0.1:6379/7"
PASSWORD = "a-Strong-bench-passw0rd"  # noqa: S105 (throwaway accounts in a _bench db)
REASON = "The decision meeting moved forward (race benchmark)"
# approval ballots that fit the budget of 1000 (projects cost 400, 300, 300, 500)
CHOICES = [(0, 1), (1, 2), (0, 2), (3,), (1, 3), (2, 3), (0, 1, 2), (0,)]
CSRF_FORM = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CSRF_HX = re.compile(r'"X-CSRFToken":\s*"([^"]+)"')
VOTE_LATE = "before your vote arrived; it was not counted"
BALLOT_LATE = "before your ballot arrived; it was not counted"


class Abort(RuntimeError):
    """The benchmark cannot go on (set-up failed, the server died, time ran out)."""


# --- HTTP, only to 127.0.0.1 ------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a redirect is the answer we record
        return None


@dataclass
class Answer:
    status: int  # 0: no HTTP answer (timeout, connection error)
    location: str = ""
    body: str = ""
    error: str = ""


class Browser:
    """One person's browser: its own cookies, no proxies, no redirects followed."""

    def __init__(self, base: str, timeout: float) -> None:
        self.base = base
        self.timeout = timeout
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            _NoRedirect(),
        )
        self.token = ""

    def request(self, path: str, data: dict | list | None = None) -> Answer:
        url = self.base + path
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        req = urllib.request.Request(url, data=body)  # noqa: S310 (always http://127.0.0.1)
        try:
            with self.opener.open(req, timeout=self.timeout) as response:
                return Answer(response.status, body=response.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as answer:
            text = answer.read().decode("utf-8", "replace")
            return Answer(answer.code, answer.headers.get("Location", ""), text)
        except OSError as exc:  # timeout, reset, refused
            return Answer(0, error=f"{type(exc).__name__}: {exc}")

    def get_token(self, path: str) -> str:
        page = self.request(path)
        if page.status != 200:
            raise Abort(f"GET {path} answered {page.status or page.error}")
        found = CSRF_FORM.search(page.body) or CSRF_HX.search(page.body)
        if not found:
            raise Abort(f"no CSRF token on {path}")
        return found.group(1)

    def sign_in(self, email: str, then: str) -> None:
        token = self.get_token("/accounts/sign-in")
        said = self.request(
            "/accounts/sign-in", {"csrf_token": token, "email": email, "password": PASSWORD}
        )
        if said.status != 302:
            raise Abort(f"sign-in of {email} answered {said.status or said.error}")
        self.token = self.get_token(then)  # renewed at sign-in: read it from the next page


# --- database and set-up (in this process, through the services) ------------------------


def _check_target(database: str) -> urllib.parse.SplitResult:
    parts = urllib.parse.urlsplit(database)
    if not parts.path.lstrip("/").endswith("_bench"):
        raise SystemExit(f"the database name must end in _bench (it is dropped): {database}")
    if parts.hostname not in ("127.0.0.1", "localhost"):
        raise SystemExit(f"only a database on 127.0.0.1, please: {database}")
    return parts


def fresh_database(database: str) -> None:
    from sqlalchemy import create_engine, text

    parts = _check_target(database)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise SystemExit(f"unexpected database name {name!r}")
    admin_url = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    admin_url = admin_url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


@dataclass
class World:
    area_id: int
    moderator_email: str
    moderator_id: int
    residents: list[tuple[int, str]]  # (user id, email)


def build_world(app, n: int) -> World:
    from civic.accounts import services as accounts
    from civic.accounts.models import Role, User, utcnow
    from civic.accounts.passwords import hash_password
    from civic.extensions import db

    with app.app_context():
        admin = accounts.create_user(None, "admin@race.example", "Race Admin", PASSWORD, Role.ADMIN)
        moderator = accounts.create_user(
            admin, "moderator@race.example", "Race Moderator", PASSWORD, Role.MODERATOR
        )
        area = accounts.create_area(
            admin,
            name="Raceside",
            slug="raceside",
            kind="ward",
            postcode_districts="LS6",
            description="",
        )
        # one password hash for all, as tests/races.many_residents does (Argon2 is slow on
        # purpose); every resident then becomes eligible by a moderator's check
        shared = hash_password(PASSWORD)
        people = [
            User(
                email=f"resident{k:04d}@race.example",
                display_name=f"Resident {k}",
                password_hash=shared,
                role=Role.RESIDENT,
                # confirmed, as an account made by staff is (accounts.create_user): an
                # unconfirmed address may not vote, so every cast would be refused
                email_confirmed_at=utcnow(),
            )
            for k in range(n)
        ]
        db.session.add_all(people)
        db.session.flush()
        for person in people:
            accounts.confirm_eligibility(
                moderator, person, area, "Council tax bill seen (race benchmark)"
            )
        db.session.commit()
        return World(
            area.id,
            moderator.email,
            moderator.id,
            [(p.id, p.email) for p in people],
        )


def new_proposal(app, world: World, trial: int) -> int:
    from civic.accounts.models import Area, User, utcnow
    from civic.extensions import db
    from civic.votes import services
    from civic.votes.models import ProposalKind
    from tests.votes.helpers import complete_case

    with app.app_context():
        moderator = db.session.get(User, world.moderator_id)
        area = db.session.get(Area, world.area_id)
        proposal = services.create_proposal(
            moderator,
            area,
            ProposalKind.OUTSOURCING,
            f"Outsource the leisure centre (race trial {trial})",
            "Raceside leisure centre",
        )
        complete_case(moderator, proposal)
        services.set_vote_rules(
            moderator, proposal, quorum_percent=20, majority="simple", hide_tally=True
        )
        services.open_consultation(moderator, proposal, 28)
        proposal.consultation_from = utcnow() - timedelta(days=29)  # as tests/votes/helpers
        services.open_voting(moderator, proposal, utcnow() + timedelta(days=7))
        db.session.commit()
        return proposal.id


def new_round(app, world: World, trial: int) -> tuple[str, list[int]]:
    from civic.accounts.models import Area, User, utcnow
    from civic.budgets import services
    from civic.budgets.models import BallotKind, Phase
    from civic.extensions import db

    with app.app_context():
        moderator = db.session.get(User, world.moderator_id)
        area = db.session.get(Area, world.area_id)
        proposer = db.session.get(User, world.residents[0][0])
        now = utcnow()
        dates = [now - timedelta(days=d) for d in (30, 20, 1)] + [
            now + timedelta(days=d) for d in (10, 40)
        ]
        slug = f"race-{trial}-{secrets.token_hex(3)}"
        round_ = services.create_round(
            moderator,
            area,
            services.RoundSettings(
                title=f"Raceside round {trial}",
                slug=slug,
                description="",
                amount=1000 * 100,
                currency="GBP",
                dates=dates,
                ballot_kind=BallotKind.APPROVAL,
                rule="greedy",
            ),
        )
        projects = [
            services.propose_project(
                proposer, round_, title=f"Project {k + 1}", description="A good idea", cost_units=c
            )
            for k, c in enumerate((400, 300, 300, 500))
        ]
        for project in projects:
            services.review_project(moderator, project, feasible=True)
        for step in (Phase.REVIEW, Phase.VOTING):
            services.advance_phase(moderator, round_, step, reason="Moved early for the race")
        db.session.commit()
        return slug, [p.id for p in projects]


def audit_counts(app, subject: tuple[str, str], cast: str, is_close) -> tuple[int, int, int]:
    """(participation entries before the close entry, after it, close entries) for one
    subject, read from the hashed bodies in log order."""
    from sqlalchemy import select

    from civic.audit.models import AuditEntry
    from civic.extensions import db

    with app.app_context():
        bodies = [
            json.loads(body)
            for body in db.session.scalars(
                select(AuditEntry.body)
                .where(AuditEntry.subject_type == subject[0], AuditEntry.subject_id == subject[1])
                .order_by(AuditEntry.seq)
            )
        ]
    closes = [b["seq"] for b in bodies if is_close(b)]
    if len(closes) != 1:
        return -1, -1, len(closes)
    casts = [b["seq"] for b in bodies if b["action"] == cast]
    return (
        sum(seq < closes[0] for seq in casts),
        sum(seq > closes[0] for seq in casts),
        1,
    )


# --- the races --------------------------------------------------------------------------


@dataclass
class Outcome:
    kind: str
    trial: int
    successes: int = 0
    refused: int = 0
    other: Counter = field(default_factory=Counter)
    close_status: str = ""
    close_at: float = 0.0
    took: float = 0.0
    frozen: int = -1
    published: int | None = None  # ballots.json length (None: withheld, the DB count used)
    stored: int = -1
    before: int = -1
    after: int = -1
    fivexx: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def match(self) -> bool:
        n = self.successes + self.refused + sum(self.other.values())
        return (
            not self.other
            and self.close_status == "302"
            and self.successes == self.frozen == self.stored == self.before
            and (self.published is None or self.published == self.successes)
            and self.after == 0
            and self.refused == n - self.successes
        )

    def line(self) -> str:
        other = ", ".join(f"{k}x{v}" for k, v in sorted(self.other.items())) or "none"
        published = "withheld" if self.published is None else str(self.published)
        extra = f" published={published}" if self.kind == "ballots" else ""
        return (
            f"{self.kind:7} trial {self.trial}: successes={self.successes} "
            f"refused(409)={self.refused} other={other} close={self.close_status} "
            f"at {self.close_at:.2f}s frozen={self.frozen}{extra} stored={self.stored} "
            f"log-before-close={self.before} log-after={self.after} "
            f"[{self.took:.1f}s] {'MATCH' if self.match else 'MISMATCH'}"
            + ("" if not self.notes else "  (" + "; ".join(self.notes) + ")")
        )


def race(
    browsers: list[Browser],
    cast,
    close,
    *,
    late: str,
    pool: int,
    spread: float,
    close_delay: float,
    outcome: Outcome,
) -> None:
    """Everyone casts (each after a random pause within `spread`) while `close` fires after
    `close_delay` seconds; each answer is sorted into success, refused (409 saying not
    counted) or other."""
    start = threading.Event()
    rng = random.Random()
    pauses = [rng.uniform(0, spread) for _ in browsers]
    answers: list[Answer | None] = [None] * len(browsers)
    closed: list[Answer] = []
    t0 = [0.0]

    def one(k: int) -> None:
        start.wait()
        time.sleep(pauses[k])
        answers[k] = cast(k, browsers[k])

    def closer() -> None:
        start.wait()
        time.sleep(close_delay)
        outcome.close_at = time.monotonic() - t0[0]
        closed.append(close())

    with ThreadPoolExecutor(max_workers=pool + 1) as executor:
        futures = [executor.submit(closer)] + [
            executor.submit(one, k) for k in range(len(browsers))
        ]
        t0[0] = time.monotonic()
        start.set()
        for future in futures:
            future.result(timeout=browsers[0].timeout * 4 + spread + close_delay + 60)
    outcome.took = time.monotonic() - t0[0]
    said = closed[0]
    outcome.close_status = str(said.status or said.error)
    if said.status >= 500:
        outcome.fivexx += 1
    for answer in answers:
        assert answer is not None
        if answer.status == 302:
            outcome.successes += 1
        elif answer.status == 409 and late in answer.body:
            outcome.refused += 1
        else:
            outcome.other[str(answer.status or answer.error.split(":")[0])] += 1
            if answer.status >= 500:
                outcome.fivexx += 1


def vote_race(app, world, browsers, officer, proposal_id, args, trial) -> Outcome:
    outcome = Outcome("votes", trial)
    path = f"/votes/{proposal_id}/vote"

    def cast(k: int, browser: Browser) -> Answer:
        choice = "for" if k % 3 else "against"
        said = browser.request(path, {"csrf_token": browser.token, "choice": choice})
        if said.status == 302 and not said.location.endswith(f"/votes/{proposal_id}"):
            return Answer(-302, said.location)  # a redirect elsewhere (sign-in?) is not success
        return said

    def close() -> Answer:
        return officer.request(
            f"/votes/{proposal_id}/manage/close",
            {"close-csrf_token": officer.token, "close-confirm": "y", "close-reason": REASON},
        )

    race(
        browsers,
        cast,
        close,
        late=VOTE_LATE,
        pool=args.pool,
        spread=args.spread,
        close_delay=random.uniform(args.close_min, args.close_max),
        outcome=outcome,
    )
    # the frozen tally as the public reads it, the stored rows, and the log
    api = officer.request(f"/api/v1/proposals/{proposal_id}")
    if api.status == 200:
        vote = json.loads(api.body)["vote"]
        if vote["for"] is not None:
            outcome.frozen = vote["for"] + vote["against"]
        else:
            outcome.notes.append("tally not shown: the vote is not closed")
    else:
        outcome.notes.append(f"/api/v1/proposals answered {api.status}")
    from sqlalchemy import func, select

    from civic.extensions import db
    from civic.votes.models import VoteCast

    with app.app_context():
        outcome.stored = db.session.scalar(
            select(func.count()).select_from(VoteCast).where(VoteCast.proposal_id == proposal_id)
        )
    before, after, closes = audit_counts(
        app,
        ("proposal", str(proposal_id)),
        "proposal:vote_cast",
        lambda b: b["action"] == "proposal:close",
    )
    outcome.before, outcome.after = before, after
    if closes != 1:
        outcome.notes.append(f"{closes} proposal:close entries")
    return outcome


def ballot_race(app, world, browsers, officer, slug, project_ids, args, trial) -> Outcome:
    outcome = Outcome("ballots", trial)
    path = f"/budgets/{slug}/ballot"

    def cast(k: int, browser: Browser) -> Answer:
        chosen = [project_ids[i] for i in CHOICES[k % len(CHOICES)]]
        said = browser.request(
            path, [("csrf_token", browser.token)] + [("project", p) for p in chosen]
        )
        if said.status == 302 and not said.location.endswith(path):
            return Answer(-302, said.location)
        return said

    def close() -> Answer:
        return officer.request(
            f"/budgets/{slug}/phase",
            {"csrf_token": officer.token, "to": "results", "confirm": "yes", "reason": REASON},
        )

    race(
        browsers,
        cast,
        close,
        late=BALLOT_LATE,
        pool=args.pool,
        spread=args.spread,
        close_delay=random.uniform(args.close_min, args.close_max),
        outcome=outcome,
    )
    results = officer.request(f"/budgets/{slug}/results.json")
    if results.status == 200:
        outcome.frozen = json.loads(results.body)["ballots"]
    else:
        outcome.notes.append(f"results.json answered {results.status}")
    from sqlalchemy import func, select

    from civic.budgets.models import Ballot, BudgetRound
    from civic.extensions import db

    with app.app_context():
        round_id = db.session.scalar(select(BudgetRound.id).where(BudgetRound.slug == slug))
        outcome.stored = db.session.scalar(
            select(func.count()).select_from(Ballot).where(Ballot.round_id == round_id)
        )
    published = officer.request(f"/budgets/{slug}/ballots.json")
    if published.status == 200:
        outcome.published = len(json.loads(published.body))
    elif not (published.status == 404 and outcome.frozen < app.config["MIN_ELECTORATE"]):
        outcome.notes.append(f"ballots.json answered {published.status}")
        outcome.published = -1
    before, after, closes = audit_counts(
        app,
        ("budget_round", slug),
        "budget_ballot:cast",
        lambda b: (
            b["action"] == "budget_round:phase" and (b.get("data") or {}).get("to") == "results"
        ),
    )
    outcome.before, outcome.after = before, after
    if closes != 1:
        outcome.notes.append(f"{closes} moves to results in the log")
    return outcome


# --- gunicorn ---------------------------------------------------------------------------


def start_server(env: dict, port: int, workers: int, log: Path) -> subprocess.Popen:
    handle = log.open("wb")
    process = subprocess.Popen(  # noqa: S603 (our own venv's gunicorn, fixed arguments)
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "--workers",
            str(workers),
            "--threads",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            "civic:create_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so stopping it stops its workers
    )
    handle.close()
    return process


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)  # the group we started: gunicorn and its workers
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def wait_until_serving(base: str, process: subprocess.Popen, log: Path, limit: float) -> None:
    deadline = time.monotonic() + limit
    probe = Browser(base, 5)
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise Abort(f"gunicorn exited ({process.returncode}):\n{log.read_text()[-2000:]}")
        if probe.request("/").status == 200:
            return
        time.sleep(0.3)
    raise Abort(f"gunicorn did not serve within {limit:.0f}s:\n{log.read_text()[-2000:]}")


def sign_everyone_in(base, world, proposal_id, args) -> tuple[list[Browser], Browser]:
    vote_page = f"/votes/{proposal_id}/vote"

    def one(email: str) -> Browser:
        browser = Browser(base, args.timeout)
        browser.sign_in(email, vote_page)
        return browser

    with ThreadPoolExecutor(max_workers=args.pool) as executor:
        futures = [executor.submit(one, email) for _, email in world.residents]
        browsers = [f.result(timeout=args.timeout * 3 + 600) for f in futures]
    officer = Browser(base, args.timeout)
    officer.sign_in(world.moderator_email, f"/votes/{proposal_id}/manage")
    return browsers, officer


# --- main -------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=DEFAULT_DB)
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--port", type=int, default=5311)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--pool", type=int, default=80, help="concurrent client threads")
    parser.add_argument("--spread", type=float, default=3.0, help="casts arrive over this many s")
    parser.add_argument("--close-min", type=float, default=0.3)
    parser.add_argument("--close-max", type=float, default=1.5)
    parser.add_argument("--timeout", type=float, default=60.0, help="per request, seconds")
    parser.add_argument(
        "--start-limit", type=float, default=60.0, help="seconds gunicorn may take to serve"
    )
    parser.add_argument("--overall", type=float, default=1800.0, help="whole run, seconds")
    args = parser.parse_args()
    _check_target(args.database)
    # a TERM (e.g. a CI timeout) unwinds through the finally below, which stops gunicorn
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))
    started = time.monotonic()
    deadline = started + args.overall

    def on_time(what: str) -> None:
        if time.monotonic() > deadline:
            raise Abort(f"out of time ({args.overall:.0f}s) before {what}")

    env = {
        **os.environ,
        "DATABASE_URL": args.database,
        "RATELIMIT_STORAGE_URI": REDIS,
        "CIVIC_LOGIN_RATE_LIMIT": "100000 per minute",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "FLASK_APP": "civic",
    }
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        env.pop(name, None)
    os.environ.update(env)  # this process builds the data with the same settings

    import redis

    redis.Redis.from_url(REDIS).flushdb()
    fresh_database(args.database)
    subprocess.run(  # noqa: S603 (our own venv's flask)
        [str(ROOT / ".venv" / "bin" / "flask"), "--app", "civic", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    from civic import create_app

    app = create_app()
    t = time.monotonic()
    world = build_world(app, args.residents)
    print(
        f"set-up: {args.residents} eligible residents, 1 moderator in {time.monotonic() - t:.1f}s; "
        f"gunicorn {args.workers} workers x 1 thread; {args.pool} client threads; casts spread "
        f"over {args.spread}s, close after {args.close_min}-{args.close_max}s; "
        f"MIN_ELECTORATE={app.config['MIN_ELECTORATE']}",
        flush=True,
    )

    base = f"http://127.0.0.1:{args.port}"
    log = Path(tempfile.mkdtemp(prefix="civic-race-")) / "gunicorn.log"
    server = start_server(env, args.port, args.workers, log)
    outcomes: list[Outcome] = []
    try:
        wait_until_serving(base, server, log, args.start_limit)
        for trial in range(1, args.trials + 1):
            on_time(f"trial {trial}")
            proposal_id = new_proposal(app, world, trial)
            slug, project_ids = new_round(app, world, trial)
            t = time.monotonic()
            browsers, officer = sign_everyone_in(base, world, proposal_id, args)
            signed_in = time.monotonic() - t
            outcome = vote_race(app, world, browsers, officer, proposal_id, args, trial)
            outcome.notes.append(f"sign-ins {signed_in:.0f}s")
            print(outcome.line(), flush=True)
            outcomes.append(outcome)
            on_time(f"ballots of trial {trial}")
            officer.token = officer.get_token(f"/budgets/{slug}")
            outcome = ballot_race(app, world, browsers, officer, slug, project_ids, args, trial)
            print(outcome.line(), flush=True)
            outcomes.append(outcome)
            if server.poll() is not None:
                raise Abort(f"gunicorn exited ({server.returncode})")
    except Abort as stop:
        print(f"ABORTED: {stop}", flush=True)
        return 2
    finally:
        stop_server(server)
        errors = [line for line in log.read_text().splitlines() if "Traceback" in line]
        print(f"gunicorn stopped; its log {log} has {len(errors)} tracebacks", flush=True)

    bad = [o for o in outcomes if not o.match]
    fivexx = sum(o.fivexx for o in outcomes)
    for kind in ("votes", "ballots"):
        mine = [o for o in outcomes if o.kind == kind]
        print(
            f"summary {kind}: {len(mine)} trials, successes {sum(o.successes for o in mine)}, "
            f"refused {sum(o.refused for o in mine)}, other "
            f"{sum(sum(o.other.values()) for o in mine)}, "
            f"mismatches {sum(not o.match for o in mine)}"
        )
    print(
        f"{'ALL MATCH' if not bad else f'{len(bad)} MISMATCH'}; 5xx answers: {fivexx}; "
        f"{time.monotonic() - started:.0f}s in all"
    )
    return 1 if bad or fivexx else 0


if __name__ == "__main__":
    sys.exit(main())
