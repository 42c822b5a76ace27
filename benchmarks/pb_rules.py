"""Time our outcome rules against pabutools on the large Pabulib files.

For each file: our time and pabutools' time for greedy and MES (and MES-Add1; pabutools' Add1
reference unless --skip-pabutools-add1), whether the winners are identical, the speed ratio,
and our peak memory. pabutools runs in a child process with a time limit, one rule at a time.
With --skip-pabutools-add1 (its loop takes hours on these files) the Add1 line shows a floor
for pabutools instead, "~>": its loop runs its MES at least k + 2 times, k being our final
increment; and the two steps that decide Add1 are checked with pabutools' MES.

    PYTHONPATH=. .venv/bin/python benchmarks/pb_rules.py [--data DIR] [--skip-pabutools-add1]
        [--pabutools-timeout SECONDS] [FILE ...]

Goals (DESIGN.md §5): MES and MES-Add1 at least 20x faster than pabutools with identical
winners; MES-Add1 on Poland_Lodz_2022.pb under 2 s.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from civic.budgets.pabulib import parse_file  # noqa: E402
from civic.budgets.rules import Outcome  # noqa: E402
from civic.budgets.tally import compute_for_file  # noqa: E402

LARGE = (
    "Poland_Krakow_2024.pb",
    "Poland_Lodz_2022.pb",
    "Poland_Warszawa_2026.pb",
    "Poland_Wroclaw_2015_150_-_500.pb",
)
RULES = ("greedy", "mes", "mes-add1")


def _pabutools_child(path: str, rule: str, queue) -> None:
    from tests.budgets.pabutools_ref import winners

    start = time.perf_counter()
    selected = winners(path, rule)
    queue.put((sorted(selected), time.perf_counter() - start))


def _in_child(target, args: tuple, timeout: float):
    """Run ``target(*args, queue)`` in a child process: what it put on the queue, or None if
    it did not finish within ``timeout`` seconds (it is then stopped)."""
    queue = multiprocessing.Queue()
    child = multiprocessing.Process(target=target, args=(*args, queue))
    child.start()
    child.join(timeout)
    if child.is_alive():
        child.terminate()
        child.join()
        return None
    return queue.get()


def pabutools(path: Path, rule: str, timeout: float) -> tuple[list[str] | None, float]:
    """pabutools' winners and seconds, or (None, timeout) if it did not finish in time."""
    return _in_child(_pabutools_child, (str(path), rule), timeout) or (None, timeout)


def _step_child(path: str, increment: int, queue) -> None:
    from tests.budgets.pabutools_ref import mes_step

    start = time.perf_counter()
    at_k = mes_step(path, increment)
    next_step = mes_step(path, increment + 1)
    queue.put((sorted(at_k[0]), at_k[1], next_step[1], at_k[2], time.perf_counter() - start))


def add1_stop_check(path: Path, increment: int, winners: list[str], timeout: float) -> str:
    """Check the two steps that decide Add1 against pabutools' MES: at our increment k it
    must pick our winners within the budget, at k + 1 overspend. Two MES runs, so this
    finishes where pabutools' whole Add1 loop does not."""
    found = _in_child(_step_child, (str(path), increment), timeout)
    if found is None:
        return f"not finished in {timeout:.0f} s"
    selected, cost, next_cost, budget, seconds = found
    same = selected == winners and cost <= budget
    return (
        f"pabutools MES at +{increment}/voter: {'same winners' if same else 'DIFFERENT'}, "
        f"cost {cost:,} of {budget:,}; at +{increment + 1}: cost {next_cost:,} "
        f"({'overspends' if next_cost > budget else 'FITS'}); {seconds:.0f} s"
    )


def ours(pb, rule: str) -> tuple[Outcome, float, float]:
    """Our outcome, best-of-3 seconds (Add1: one run), and peak traced MiB of one run."""
    repeats = 1 if rule == "mes-add1" else 3
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        outcome = compute_for_file(pb, rule)
        best = min(best, time.perf_counter() - start)
    tracemalloc.start()
    compute_for_file(pb, rule)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return outcome, best, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", default=list(LARGE))
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "pabulib")
    parser.add_argument("--skip-pabutools-add1", action="store_true")
    parser.add_argument("--skip-pabutools", action="store_true")
    parser.add_argument("--pabutools-timeout", type=float, default=1800.0)
    args = parser.parse_args()
    print(f"{'file':34} {'rule':9} {'ours s':>8} {'pabutools s':>12} {'ratio':>8} same  peak MiB")
    for name in args.files:
        path = args.data / name
        start = time.perf_counter()
        pb = parse_file(path)
        print(f"{name}: parsed in {time.perf_counter() - start:.2f} s, {len(pb.votes)} voters")
        their_mes_seconds = None
        for rule in RULES:
            outcome, seconds, peak = ours(pb, rule)
            mine = sorted(outcome.selected)
            skip = args.skip_pabutools or (rule == "mes-add1" and args.skip_pabutools_add1)
            theirs, their_seconds = (
                (None, 0.0) if skip else pabutools(path, rule, args.pabutools_timeout)
            )
            if rule == "mes" and theirs is not None:
                their_mes_seconds = their_seconds
            if skip and rule == "mes-add1" and their_mes_seconds is not None:
                # pabutools' Add1 loop runs its MES once per step: k + 2 times at least.
                floor = (outcome.increment + 2) * their_mes_seconds
                shown, ratio, same = f"~>{floor:.0f}", f">{floor / seconds:.0f}x", "-"
            elif skip:
                shown, ratio, same = "skipped", "-", "-"
            elif theirs is None:
                shown = f">{their_seconds:.0f}"
                ratio, same = f">{their_seconds / seconds:.0f}x", "?"
            else:
                shown = f"{their_seconds:.2f}"
                ratio, same = f"{their_seconds / seconds:.0f}x", "yes" if mine == theirs else "NO"
            print(
                f"{name[:34]:34} {rule:9} {seconds:8.3f} {shown:>12} {ratio:>8} {same:4} "
                f"{peak:6.1f}",
                flush=True,
            )
            if rule == "mes-add1" and not args.skip_pabutools:
                check = add1_stop_check(path, outcome.increment, mine, args.pabutools_timeout)
                print(f"{'':34} Add1 stop: {check}", flush=True)


if __name__ == "__main__":
    main()
