"""Generate tests/data/pabulib/expected_pabutools.json: pabutools' winners for greedy, MES
and MES-Add1 on every approval, choose-1 and cumulative file in tests/data/pabulib.

pabutools is slow on the medium files (MES-Add1 reruns MES once per unit of currency added
to each voter's share), so the tests read its answers from this file instead of rerunning
it. Regenerate after changing the data or pabutools:

    PYTHONPATH=. .venv/bin/python benchmarks/make_expected.py [--timeout SECONDS] [--jobs N]

Each (file, rule) runs in its own process with a time limit; one that does not finish is
stored as {"timeout": seconds}. For MES-Add1 the two steps of pabutools' loop that decide its
answer are then stored instead ("final_step": pabutools' MES at our final increment k and
at k + 1, two runs where the loop needs hundreds), and the test checks those.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "pabulib"
OUTPUT = DATA / "expected_pabutools.json"
sys.path.insert(0, str(ROOT))

from civic.budgets.pabulib import parse_file  # noqa: E402
from civic.budgets.tally import compute_for_file  # noqa: E402
from tests.budgets import pabutools_ref  # noqa: E402

REFERENCE_VOTE_TYPES = ("approval", "choose-1", "cumulative")


def _alarm(signum, frame):
    raise TimeoutError


def _work(job: tuple[str, str, float]) -> tuple[str, str, dict]:
    name, rule, timeout = job
    path = DATA / name
    if rule == "mes-add1":
        supported, budget = pabutools_ref.supported_cost(path)
        if supported <= budget:
            return name, rule, {"all_supported_fit": True}
    start = time.perf_counter()
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(int(timeout))
    try:
        selected = pabutools_ref.winners(path, rule)
    except TimeoutError:
        signal.alarm(0)
        if rule == "mes-add1":
            return name, rule, {"timeout": timeout, "final_step": _final_step(path)}
        return name, rule, {"timeout": timeout}
    finally:
        signal.alarm(0)
    return name, rule, {"selected": sorted(selected), "seconds": time.perf_counter() - start}


def _final_step(path: Path) -> dict:
    """pabutools' MES at the increment where our Add1 stopped, and at the next one."""
    increment = compute_for_file(parse_file(path), "mes-add1").increment
    start = time.perf_counter()
    selected, cost, budget = pabutools_ref.mes_step(path, increment)
    _, next_cost, _ = pabutools_ref.mes_step(path, increment + 1)
    return {
        "increment": increment,
        "selected": sorted(selected),
        "cost": cost,
        "next_cost": next_cost,
        "budget": budget,
        "seconds": time.perf_counter() - start,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per file and rule")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    names = sorted(
        p.name for p in DATA.glob("*.pb") if parse_file(p).vote_type in REFERENCE_VOTE_TYPES
    )
    jobs = [(n, r, args.timeout) for n in names for r in pabutools_ref.REFERENCE_RULES]
    results: dict[str, dict[str, dict]] = {name: {} for name in names}
    with multiprocessing.Pool(args.jobs, maxtasksperchild=1) as pool:
        for name, rule, entry in pool.imap_unordered(_work, jobs):
            results[name][rule] = entry
            print(name, rule, entry.get("seconds", entry), flush=True)
    payload = {
        "generated_by": "benchmarks/make_expected.py",
        "pabutools": _pabutools_version(),
        "note": "pabutools' winners (sorted ids); regenerate with the script, do not edit.",
        "files": results,
    }
    OUTPUT.write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def _pabutools_version() -> str:
    from importlib.metadata import version

    return version("pabutools")


if __name__ == "__main__":
    main()
