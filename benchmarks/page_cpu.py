"""CPU per request of the main pages through the Flask test client (no server, no network).

    DATABASE_URL=sqlite:////tmp/demo.db FLASK_APP=civic .venv/bin/flask db upgrade
    DATABASE_URL=sqlite:////tmp/demo.db FLASK_APP=civic .venv/bin/flask civic seed
    DATABASE_URL=sqlite:////tmp/demo.db .venv/bin/python benchmarks/page_cpu.py [--requests 200]
    ... benchmarks/page_cpu.py --profile home      # cProfile of one page, top 30 by own time
    ... benchmarks/page_cpu.py --signed-in resident@civic.example:resident-demo-password

It builds the app as production does (settings from the environment), asks each page
`--requests` times with `Accept-Encoding: br, gzip` (as a browser does) and prints the
process CPU time per request. `benchmarks/load.py` measures the same under gunicorn with
locust; this is the quick loop for finding where a page's time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask
from flask.testing import FlaskClient

from civic import create_app

HEADERS = {"Accept-Encoding": "br, gzip", "Accept": "text/html"}


def _pages(app: Flask) -> dict[str, str]:
    """The pages to measure: fixed addresses, and the first seeded round and thread."""
    from sqlalchemy import select

    from civic.accounts.models import Area
    from civic.budgets.models import BudgetRound as Round
    from civic.extensions import db

    pages = {
        "home": "/",
        "rounds list": "/budgets",
        "consultations list": "/consultations",
        "audit list": "/audit",
        "not found": "/no-such-page",
    }
    with app.app_context():
        round_ = db.session.scalars(select(Round).order_by(Round.id)).first()
        if round_ is not None:
            pages["round"] = f"/budgets/{round_.slug}"
        area = db.session.scalars(select(Area).order_by(Area.id)).first()
        if area is not None:
            pages["area thread"] = f"/discussions/area/{area.slug}"
    return pages


def grow_thread(app: Flask, comments: int) -> None:
    """Add `comments` comments to the first area's thread (a throwaway demo database only)."""
    from sqlalchemy import select

    from civic.accounts.models import Area, User
    from civic.extensions import db
    from tests.discussions.bulk import make_thread

    with app.app_context():
        area = db.session.scalars(select(Area).order_by(Area.id)).first()
        authors = db.session.scalars(select(User.id).limit(50)).all()
        make_thread("area", area.slug, comments, list(authors))
        db.session.commit()


def sign_in(client: FlaskClient, email: str, password: str) -> None:
    """Sign in through the form, as a browser does (its CSRF token read from the page)."""
    page = client.get("/accounts/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page)
    answer = client.post(
        "/accounts/sign-in",
        data={"csrf_token": token.group(1) if token else "", "email": email, "password": password},
    )
    if answer.status_code != 302:
        sys.exit(f"could not sign in as {email} (answer {answer.status_code})")


def measure(client: FlaskClient, url: str, requests: int) -> float:
    """Milliseconds of process CPU per request (after a warm-up)."""
    for _ in range(10):
        client.get(url, headers=HEADERS)
    start = time.process_time()
    for _ in range(requests):
        client.get(url, headers=HEADERS)
    return (time.process_time() - start) * 1000 / requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--profile", help="a page name (or address) to profile")
    parser.add_argument("--grow-thread", type=int, default=0, help="add N comments first")
    parser.add_argument("--extra", action="append", default=[], help="name=/address")
    parser.add_argument(
        "--signed-in",
        metavar="EMAIL:PASSWORD",
        help="ask as this person, signed in (e.g. the demo's resident@civic.example:"
        "resident-demo-password)",
    )
    args = parser.parse_args()
    app = create_app()
    app.config["RATELIMIT_ENABLED"] = False
    client = app.test_client()
    if args.signed_in:
        sign_in(client, *args.signed_in.split(":", 1))
    if args.grow_thread:
        grow_thread(app, args.grow_thread)
    pages = _pages(app)
    for item in args.extra:
        name, _, url = item.partition("=")
        pages[name] = url
    if args.profile:
        url = pages.get(args.profile, args.profile)
        measure(client, url, 5)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.requests):
            client.get(url, headers=HEADERS)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        return
    print(f"{'page':<24} {'status':>6} {'bytes':>8} {'CPU ms/req':>10}")
    for name, url in pages.items():
        response = client.get(url, headers=HEADERS)
        ms = measure(client, url, args.requests)
        print(f"{name:<24} {response.status_code:>6} {len(response.data):>8} {ms:>10.2f}")


if __name__ == "__main__":
    main()
