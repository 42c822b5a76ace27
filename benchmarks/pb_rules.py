"""Time our outcome rules against pabutools on the large Pabulib files.

For each file: our time and pabutools' time for greedy and MES (and MES-Add1; pabutools' Add1
reference unless --skip-pabutools-add1), whether the winners are identical, the speed ratio,
and our peak memory. pabutools runs in a child process with a time limit, one rule at a time.

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


def pabutools(path: Path, rule: str, timeout: float) -> tuple[list[str] | None, float]:
    """pabutools' winners and seconds, or (None, timeout) if it did not finish in time."""
    queue = multiprocessing.Queue()
    child = multiprocessing.Process(target=_pabutools_child, args=(str(path), rule, queue))
    child.start()
    child.join(timeout)
    if child.is_alive():
        child.terminate()
        child.join()
        return None, timeout
    return queue.get()


def ours(pb, rule: str) -> tuple[list[str], float, float]:
    """Our winners, best-of-3 seconds (Add1: one run), and peak traced MiB of one run."""
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
    return sorted(outcome.selected), best, peak


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
        for rule in RULES:
            mine, seconds, peak = ours(pb, rule)
            skip = args.skip_pabutools or (rule == "mes-add1" and args.skip_pabutools_add1)
            theirs, their_seconds = (
                (None, 0.0) if skip else pabutools(path, rule, args.pabutools_timeout)
            )
            if skip:
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


if __name__ == "__main__":
    main()
