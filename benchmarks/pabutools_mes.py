"""pabutools' Method of Equal Shares on the large Pabulib files, in each configuration its
documentation offers, to know what ``benchmarks/cli_tally.py`` compares against.

Configurations (cost utilities, ``Cost_Sat``, as ``tests/budgets/pabutools_ref.py``; our
tie-breaking; resolute):

- ``plain``: the profile as ``parse_pabulib`` returns it, one ballot per voter, exact
  ``gmpy2`` fractions (pabutools' default): what DESIGN.md's "MES 60 s on Łódź 2022" is.
- ``grouped``: the same after ``profile.as_multiprofile()`` (identical ballots merged, each
  with its multiplicity): pabutools' documented fast path, still exact.
- ``grouped-float``: grouped, with ``pabutools.fractions.FRACTION = "float"`` (its documented
  switch to floats: faster, no longer exact).

Each runs in a child process; printed are CPU seconds (process time): reading the file
(``parse_pabulib``), grouping, and MES itself (building the satisfaction profile included,
since ``method_of_equal_shares`` does it), best of ``--repeat``.

    PYTHONPATH=. .venv/bin/python benchmarks/pabutools_mes.py [--data DIR] [FILE ...]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.pb_rules import LARGE, _in_child  # noqa: E402

CONFIGURATIONS = ("plain", "grouped", "grouped-float")


def _child(path: str, configuration: str, queue) -> None:
    import pabutools.fractions
    from pabutools.election import AbstractCardinalProfile, Cost_Sat, parse_pabulib
    from pabutools.rules import method_of_equal_shares

    from tests.budgets.pabutools_ref import CostPointsSat, _mes_params

    if configuration == "grouped-float":
        pabutools.fractions.FRACTION = pabutools.fractions.FLOAT_FRAC
    start = time.process_time()
    instance, profile = parse_pabulib(path)
    read = time.process_time()
    if configuration != "plain":
        profile = profile.as_multiprofile()
    grouped = time.process_time()
    sat = CostPointsSat if isinstance(profile, AbstractCardinalProfile) else Cost_Sat
    order = [p.name for p in instance.project_meta]
    params = _mes_params(instance, profile, sat, order)
    ready = time.process_time()
    result = method_of_equal_shares(instance, profile, **params)
    done = time.process_time()
    queue.put((read - start, grouped - read, done - ready, sorted(p.name for p in result)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", default=list(LARGE))
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "pabulib")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--configurations", nargs="*", default=list(CONFIGURATIONS))
    args = parser.parse_args()
    print(f"{'file':34} {'configuration':14} {'read s':>7} {'group s':>8} {'MES s':>8}  winners")
    for name in args.files:
        first_winners = None
        for configuration in args.configurations:
            best = None
            for _ in range(args.repeat):
                got = _in_child(_child, (str(args.data / name), configuration), args.timeout)
                if got is None:
                    break
                if best is None or got[2] < best[2]:
                    best = got
            if best is None:
                print(f"{name[:34]:34} {configuration:14} did not finish in {args.timeout:.0f} s")
                continue
            read, grouped, mes, winners = best
            first_winners = first_winners or winners
            same = "same" if winners == first_winners else "DIFFERENT"
            print(
                f"{name[:34]:34} {configuration:14} {read:7.2f} {grouped:8.2f} {mes:8.2f}  "
                f"{len(winners)} ({same})",
                flush=True,
            )


if __name__ == "__main__":
    main()
