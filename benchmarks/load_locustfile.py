"""locust users for `benchmarks/load.py` (run by it, one headless locust process per page).

Settings come from the environment, so one file serves every page:
- LOAD_MODE: "get" (default) or "cast".
- get: LOAD_PATHS, a JSON list of paths each user cycles through (one page, or a few
  entries of the same page); LOAD_COOKIE, a Cookie header for signed-in pages;
  LOAD_MAX_REQUESTS, after which the run stops (locust's -t bounds it in time too).
- cast: LOAD_CASTS names a JSON file of [{"cookie", "token", "projects"}, ...] and
  LOAD_CAST_PATH the ballot form. Every user waits until all are spawned, then posts its
  one ballot at the same moment; success is the redirect back to the ballot page.
  LOAD_TIMING_OUT receives {"first_start", "last_end", "statuses", "succeeded"}.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from collections import Counter
from urllib.parse import urlencode

import gevent
from gevent.event import Event
from locust import FastHttpUser, constant, events, task
from locust.exception import StopUser

MODE = os.environ.get("LOAD_MODE", "get")
PATHS = json.loads(os.environ.get("LOAD_PATHS", '["/"]'))
COOKIE = os.environ.get("LOAD_COOKIE", "")
MAX_REQUESTS = int(os.environ.get("LOAD_MAX_REQUESTS", "1000000"))
CAST_PATH = os.environ.get("LOAD_CAST_PATH", "")
CASTS: list[dict] = []
if MODE == "cast":
    with open(os.environ["LOAD_CASTS"], encoding="utf-8") as handle:
        CASTS = json.load(handle)

_sent = itertools.count(1)
_stopping = [False]
_go = Event()
_next_cast = itertools.count()
_timing: dict = {"first_start": None, "last_end": None, "statuses": Counter(), "succeeded": 0}


def _stop(environment) -> None:
    if not _stopping[0]:
        _stopping[0] = True
        gevent.spawn_later(0.05, environment.runner.quit)


@events.spawning_complete.add_listener
def _all_spawned(user_count: int, **_: object) -> None:
    _go.set()


@events.quitting.add_listener
def _write_timing(environment, **_: object) -> None:
    out = os.environ.get("LOAD_TIMING_OUT")
    if MODE == "cast" and out:
        with open(out, "w", encoding="utf-8") as handle:
            json.dump({**_timing, "statuses": dict(_timing["statuses"])}, handle)


class Visitor(FastHttpUser):
    """Asks for the page again as soon as it has the answer (a closed loop, no think time)."""

    wait_time = constant(0)
    network_timeout = 120.0
    connection_timeout = 60.0

    def on_start(self) -> None:
        self.paths = itertools.cycle(PATHS)
        self.headers = {"Cookie": COOKIE} if COOKIE else {}

    @task
    def visit(self) -> None:
        if MODE != "get":
            raise StopUser()
        if next(_sent) > MAX_REQUESTS:
            _stop(self.environment)
            raise StopUser()
        path = next(self.paths)
        name = PATHS[0] if len(PATHS) > 1 else path
        with self.client.get(
            path, headers=self.headers, name=name, allow_redirects=False, catch_response=True
        ) as r:
            if r.status_code not in (200, 304):
                r.failure(f"status {r.status_code}")


class Caster(FastHttpUser):
    """One resident: waits for everyone, posts one ballot, and is done."""

    wait_time = constant(0)
    network_timeout = 120.0
    connection_timeout = 60.0

    @task
    def cast(self) -> None:
        if MODE != "cast":
            raise StopUser()
        mine = CASTS[next(_next_cast) % len(CASTS)]
        _go.wait()
        body = urlencode(
            [("csrf_token", mine["token"])] + [("project", p) for p in mine["projects"]]
        )
        headers = {"Cookie": mine["cookie"], "Content-Type": "application/x-www-form-urlencoded"}
        started = time.time()
        if _timing["first_start"] is None or started < _timing["first_start"]:
            _timing["first_start"] = started
        with self.client.post(
            CAST_PATH,
            data=body,
            headers=headers,
            name="cast a ballot",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            ended = time.time()
            _timing["last_end"] = max(_timing["last_end"] or ended, ended)
            _timing["statuses"][str(r.status_code)] += 1
            if r.status_code == 302 and r.headers.get("Location", "").endswith(CAST_PATH):
                _timing["succeeded"] += 1
            else:
                r.failure(f"status {r.status_code} {r.headers.get('Location', '')}")
        if sum(_timing["statuses"].values()) >= len(CASTS):
            _stop(self.environment)
        raise StopUser()
