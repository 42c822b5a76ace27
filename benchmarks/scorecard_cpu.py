"""CPU per request of `/scorecard` and `/api/v1/scorecard` with a large contracts register.

    DATABASE_URL=sqlite:////tmp/sc.db FLASK_APP=civic .venv/bin/flask db upgrade
    DATABASE_URL=sqlite:////tmp/sc.db FLASK_APP=civic .venv/bin/flask civic seed
    DATABASE_URL=sqlite:////tmp/sc.db .venv/bin/python benchmarks/scorecard_cpu.py \
        --contracts 20000 [--requests 20]

On a throwaway database (the demo's, say) it first adds contracts until the register holds
`--contracts` (every provider type, some ended, terminated or drafts, some with every
minimum standard as a term, some from a Civic proposal) and one outsourcing proposal per
hundred contracts, then prints each figure (to compare before and after a change) and the
process CPU time per request of both addresses through the test client, and the wall time
(on PostgreSQL the counting is done by the server, outside this process's CPU).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask

from civic import create_app
from civic.clock import utcnow


def grow(app: Flask, contracts: int) -> None:
    """Add contracts (and proposals) until the register holds `contracts`."""
    from sqlalchemy import func, insert, select

    from civic.accounts.models import Area
    from civic.contracts.models import Contract, ContractState, ContractTerm, Provider, ProviderType
    from civic.extensions import db
    from civic.votes.models import Proposal, ProposalKind, ProposalState, Standard

    rng = random.Random(16)
    with app.app_context():
        have = db.session.scalar(select(func.count(Contract.id)))
        missing = contracts - have
        if missing <= 0:
            return
        area = db.session.scalars(select(Area.id).order_by(Area.id)).first()
        providers = []
        for kind in ProviderType:
            provider = Provider(name=f"Benchmark {kind.value} {have}", kind=kind)
            db.session.add(provider)
            providers.append(provider)
        proposals = []
        for n in range(max(1, missing // 100)):
            state = rng.choice(list(ProposalState))
            proposal = Proposal(
                kind=ProposalKind.OUTSOURCING,
                title=f"Benchmark proposal {have}-{n}",
                service="Benchmark service",
                area_id=area,
                state=state,
                inhouse_bid=rng.choice([True, False, None]),
                weight_social=rng.randrange(0, 60, 5),
                voting_from=None if state is ProposalState.DRAFT else time_ago(rng),
            )
            db.session.add(proposal)
            proposals.append(proposal)
        db.session.flush()
        today = date.today()
        rows = []
        for n in range(missing):
            start = today - timedelta(days=rng.randrange(-200, 3000))
            state = rng.choices(list(ContractState), weights=(1, 12, 1))[0]
            rows.append(
                {
                    "reference": f"BENCH-{have}-{n:06d}",
                    "title": f"Benchmark contract {n}",
                    "service": "Benchmark service",
                    "area_id": area,
                    "provider_id": rng.choice(providers).id,
                    "state": state.value,
                    "annual_value": rng.randrange(0, 10_000_000),
                    "total_value": 50_000_000,
                    "start_date": start,
                    "end_date": start + timedelta(days=rng.randrange(0, 4000)),
                    "ended_on": today if state is ContractState.TERMINATED else None,
                    "proposal_id": rng.choice(proposals).id if rng.random() < 0.2 else None,
                }
            )
        db.session.execute(insert(Contract), rows)
        ids = db.session.scalars(
            select(Contract.id).where(Contract.reference.like(f"BENCH-{have}-%"))
        ).all()
        terms = [
            {"contract_id": i, "standard": s.value, "answer": "yes"}
            for i in ids
            for s in list(Standard)[: rng.choice([0, 3, len(Standard)])]
        ]
        if terms:
            db.session.execute(insert(ContractTerm), terms)
        db.session.commit()


def time_ago(rng: random.Random) -> datetime:
    return utcnow() - timedelta(days=rng.randrange(0, 400))


def figures(app: Flask) -> None:
    from civic.contracts.scorecard_views import scorecard

    with app.test_request_context():
        for principle, shown in scorecard():
            for one in shown:
                counted = one.figure
                print(
                    f"  {principle.number} {one.key:<32} {counted.numerator}/{counted.denominator}"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    app = create_app()
    app.config["RATELIMIT_ENABLED"] = False
    grow(app, args.contracts)
    figures(app)
    client = app.test_client()
    for url in ("/scorecard", "/api/v1/scorecard"):
        assert client.get(url).status_code == 200
        start, wall = time.process_time(), time.perf_counter()
        for _ in range(args.requests):
            client.get(url)
        ms = (time.process_time() - start) * 1000 / args.requests
        elapsed = (time.perf_counter() - wall) * 1000 / args.requests
        print(f"{url:<20} {ms:10.1f} ms CPU {elapsed:10.1f} ms wall per request")


if __name__ == "__main__":
    main()
