"""CPU per request of a big imported round's downloads, recomputed (before) and stored (after).

    .venv/bin/python benchmarks/frozen_downloads.py [--file PATH.pb] [--requests 20]

Imports a Pabulib file (default: Warszawa 2024 Ursynów, from ../shared/pabulib/; pass
Poland_Warszawa_2026.pb for the 61,668-voter round of issue 16) into a throwaway SQLite
database, or the database DATABASE_URL names if it ends in _bench. "before" is the old view's
work: building each download from every ballot; "after" is a GET through the full Flask
stack of the download stored when the results froze (`civic.frozen`), the same GET with
`Accept-Encoding: br` (the stored brotli copy; before it was kept, Flask-Compress
recompressed the bytes per request: "br recompressed" times that), and a GET answered 304
from If-None-Match. CPU is this process's time (`time.process_time`).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import brotli
from flask_migrate import upgrade

from civic import create_app
from civic.accounts.models import Area
from civic.budgets import downloads
from civic.budgets.pabulib import parse_file
from civic.budgets.pabulib_io import import_round
from civic.extensions import db

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT.parent / "shared" / "pabulib" / "Poland_Warszawa_2024_Ursynow.pb"


def _cpu_ms(work, repeat: int) -> float:
    start = time.process_time()
    for _ in range(repeat):
        work()
    return (time.process_time() - start) * 1000 / repeat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", default=str(DEFAULT))
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    with tempfile.TemporaryDirectory() as folder:
        if not url.endswith("_bench"):
            url = f"sqlite:///{folder}/bench.db"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "MIN_ELECTORATE": 0})
        with app.app_context():
            upgrade()
            area = Area(slug="bench", name="Bench", kind="ward")
            db.session.add(area)
            db.session.flush()
            started = time.perf_counter()
            round_ = import_round(parse_file(args.file), area, slug="bench-round")
            db.session.commit()
            took = time.perf_counter() - started
            print(f"{Path(args.file).name}: imported, frozen and stored in {took:.1f} s")
            slug, before = round_.slug, {}
            for name in downloads.RESULTS | downloads.BALLOTS:
                _, _, build = downloads.download(round_, name)
                before[name] = _cpu_ms(build, max(1, args.requests // 10))
        client = app.test_client()
        print(
            f"{'download':<14}{'before ms CPU':>15}{'after ms CPU':>15}{'br stored':>11}"
            f"{'br recompressed':>17}{'304 ms CPU':>13}"
        )
        for name, cost in before.items():
            path = f"/budgets/{slug}/{name}"
            etag = client.get(path).headers["ETag"]
            after = _cpu_ms(lambda p=path: client.get(p).get_data(), args.requests)
            br = _cpu_ms(
                lambda p=path: client.get(p, headers={"Accept-Encoding": "br"}).get_data(),
                args.requests,
            )
            body = client.get(path).get_data()
            recompressed = _cpu_ms(
                lambda b=body: _flask_compress_br(app, b), max(1, args.requests // 4)
            )
            not_modified = _cpu_ms(
                lambda p=path, e=etag: client.get(p, headers={"If-None-Match": e}), args.requests
            )
            print(
                f"{name:<14}{cost:>15.1f}{after:>15.1f}{br:>11.1f}{recompressed:>17.1f}"
                f"{not_modified:>13.1f}"
            )


def _flask_compress_br(app, body: bytes) -> bytes:
    """What Flask-Compress spent per request on a download before copies were stored."""
    return brotli.compress(
        body,
        mode=app.config["COMPRESS_BR_MODE"],
        quality=app.config["COMPRESS_BR_LEVEL"],
        lgwin=app.config["COMPRESS_BR_WINDOW"],
        lgblock=app.config["COMPRESS_BR_BLOCK"],
    )


if __name__ == "__main__":
    main()
