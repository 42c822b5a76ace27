"""Time of a Pabulib import into a round: ballots inserted by COPY (now) or INSERT (before).

    .venv/bin/python benchmarks/pabulib_import.py --file ../shared/pabulib/Poland_Warszawa_2026.pb

Imports the file twice into a throwaway SQLite database, or the PostgreSQL database
DATABASE_URL names if it ends in _bench: once with the ballots and their entries inserted
as before this change (SQLAlchemy INSERTs in batches of 5,000 and 20,000 rows, then the
results and downloads built from the ballots read back), once as now (`civic.bulk.insert_rows`:
COPY on PostgreSQL, executemany on SQLite; results from the parsed ballots). Prints the wall time
of the whole import (parse excluded) and of its parts: inserting the rows, computing the
results, building and storing the frozen downloads (with their compressed copies).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade
from sqlalchemy import insert

from civic import bulk, create_app
from civic.accounts.models import Area
from civic.budgets import downloads, pabulib_io, services
from civic.budgets.models import Ballot, BallotEntry
from civic.budgets.pabulib import parse_file
from civic.extensions import db

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT.parent / "shared" / "pabulib" / "Poland_Warszawa_2024_Ursynow.pb"
MODELS = {Ballot.__table__: Ballot, BallotEntry.__table__: BallotEntry}
spent: dict[str, float] = defaultdict(float)


def _timed(part: str, function):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[part] += time.perf_counter() - start

    return wrapper


def _inserts_as_before(table, columns, rows) -> None:
    """The import's inserts before COPY: ORM bulk INSERTs of dicts, in batches."""
    model, batch = MODELS[table], 5000 if table is Ballot.__table__ else 20000
    dicts = [dict(zip(columns, row, strict=True)) for row in rows]
    for start in range(0, len(dicts), batch):
        db.session.execute(insert(model), dicts[start : start + batch])


def _read_back(round_, ballots) -> None:
    return None  # no parsed list: `anonymised_ballots` queries the database, as before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", default=str(DEFAULT))
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    started = time.perf_counter()
    pb = parse_file(args.file)
    print(
        f"{Path(args.file).name}: {len(pb.votes):,} ballots, parsed in "
        f"{time.perf_counter() - started:.2f} s"
    )
    with tempfile.TemporaryDirectory() as folder:
        if not url.endswith("_bench"):
            url = f"sqlite:///{folder}/bench.db"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "MIN_ELECTORATE": 0})
        with app.app_context():
            upgrade()
            print(f"database: {db.engine.dialect.name}")
            area = Area(slug="bench-import", name="Bench", kind="ward")
            db.session.add(area)
            db.session.commit()
            copy_rows = bulk.insert_rows
            services.compute_results = _timed("compute results", services.compute_results)
            downloads.freeze = _timed("store downloads", downloads.freeze)
            print(
                f"{'path':<8}{'total s':>9}{'insert rows s':>15}{'results s':>11}"
                f"{'downloads s':>13}"
            )
            published = pabulib_io._published
            for path, inserter in (("INSERT", _inserts_as_before), ("COPY", copy_rows)):
                spent.clear()
                bulk.insert_rows = _timed("insert rows", inserter)
                # before: the results and downloads read every ballot back from the database
                pabulib_io._published = published if path == "COPY" else _read_back
                start = time.perf_counter()
                pabulib_io.import_round(pb, area, slug=f"bench-{path.lower()}")
                db.session.commit()
                total = time.perf_counter() - start
                print(
                    f"{path:<8}{total:>9.1f}{spent['insert rows']:>15.1f}"
                    f"{spent['compute results'] - spent['store downloads']:>11.1f}"
                    f"{spent['store downloads']:>13.1f}"
                )
            bulk.insert_rows = copy_rows


if __name__ == "__main__":
    main()
