"""Render time of the first page of a 5,000-comment discussion (goal: p95 < 100 ms).

    .venv/bin/python benchmarks/thread_render.py [--comments 5000] [--requests 200]

Builds a throwaway SQLite database (or uses DATABASE_URL if it names a *_bench database),
makes the thread straight in the database, then times GET requests through the full
Flask stack (routing, queries, templates) with the test client.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade

from civic import create_app
from civic.accounts.models import Area, Role, User
from civic.extensions import db
from tests.discussions.bulk import make_thread


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db"})
        with app.app_context():
            upgrade()
            db.session.add(Area(slug="riverside", name="Riverside", kind="ward"))
            authors = [
                User(
                    email=f"b{n}@example.org",
                    display_name=f"Resident {n}",
                    password_hash="x",
                    role=Role.RESIDENT,
                )
                for n in range(50)
            ]
            db.session.add_all(authors)
            db.session.flush()
            make_thread("area", "riverside", args.comments, [a.id for a in authors])
            db.session.commit()
        client = app.test_client()
        url = "/discussions/area/riverside"
        for _ in range(10):  # warm caches, template compilation
            client.get(url)
        timings = []
        for _ in range(args.requests):
            start = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        timings.sort()
        p50 = statistics.median(timings)
        p95 = timings[int(len(timings) * 0.95) - 1]
        size = len(response.data) // 1024
        print(f"thread of {args.comments} comments: first page {size} KB, {args.requests} requests")
        print(
            f"p50 {p50:.1f} ms   p95 {p95:.1f} ms   max {timings[-1]:.1f} ms   (goal: p95 < 100 ms)"
        )


if __name__ == "__main__":
    main()
