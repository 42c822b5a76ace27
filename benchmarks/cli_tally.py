"""Time the tally command end to end, as a person runs it, against pabutools.

Prints: the start-up time of ``python -m civic.budgets.tally --help`` and of
``flask civic --help``, and the floor under any Python command that runs MES (``python -c
pass``; importing the command and NumPy); then per file its parse time (``parse_file``, every
ballot an object, what imports use) and the command's read (``count_file``, ballots counted),
the rules' time (MES, MES-Add1; the
parsed file grouped and counted, in this process), the whole command
(``python -m civic.budgets.tally FILE --rule R --json`` in a child process: start-up, reading,
counting, printing) and pabutools' MES on the same file (its grouped ``as_multiprofile``
computation alone, without its file reading, which is slower still), with the ratio of the
two (CPU to CPU). Times are the best of ``--repeat`` runs; CPU time (user + system) is the
figure to compare, since on a shared machine the wall clock also measures the neighbours.

    PYTHONPATH=. .venv/bin/python benchmarks/cli_tally.py [--data DIR] [--repeat N]
        [--skip-pabutools] [--pabutools-timeout SECONDS] [--before DIR] [FILE ...]

``--before DIR``: also time the command from an earlier copy of the code (e.g.
``git archive OLD civic | tar -x -C DIR``), run by the same Python, for a before/after table.

Goals (issue 16): ``--help`` under 0.3 s; a 90,000-voter file parsed under 0.3 s; through
the whole command MES at least 50x faster than pabutools' grouped computation on the largest
files, and MES-Add1 on Poland_Lodz_2022.pb under 1 s. pabutools is a development dependency
(``pip install -e '.[dev]'``); without it those columns say so.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.pb_rules import LARGE, _in_child  # noqa: E402
from civic.budgets.pabulib import count_file, parse_file  # noqa: E402
from civic.budgets.tally import compute_for_file  # noqa: E402

RULES = ("mes", "mes-add1")


def timed_command(
    args: list[str], repeat: int, env: dict[str, str], cwd: Path | None = None
) -> tuple[float, float]:
    """Best wall-clock seconds and the CPU seconds (user + system) of that run."""
    best = (float("inf"), 0.0)
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(args, capture_output=True, env=env, check=False, cwd=cwd)  # noqa: S603
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(args)} failed: {done.stderr.decode()[-500:]}")
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        best = min(best, (wall, cpu))
    return best


def best_of(repeat: int, work) -> float:
    """Best CPU seconds of ``repeat`` calls of ``work()``, collector paused as the command
    does."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            start = time.process_time()
            work()
            best = min(best, time.process_time() - start)
        finally:
            gc.enable()
    return best


def _pabutools_child(path: str, queue) -> None:
    from pabutools.rules import method_of_equal_shares

    from tests.budgets.pabutools_ref import _mes_params, load

    start = time.process_time()
    instance, profile, _, sat, order = load(path)
    params = _mes_params(instance, profile, sat, order)
    loaded = time.process_time()
    method_of_equal_shares(instance, profile, **params)
    queue.put((loaded - start, time.process_time() - loaded))


def pabutools_mes(path: Path, timeout: float) -> tuple[float, float] | None:
    """pabutools' CPU seconds (file reading and grouping, MES), or None if it did not
    finish within ``timeout`` (wall clock)."""
    return _in_child(_pabutools_child, (str(path),), timeout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", default=list(LARGE))
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "pabulib")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-pabutools", action="store_true")
    parser.add_argument("--pabutools-timeout", type=float, default=1800.0)
    parser.add_argument("--before", type=Path, help="an earlier copy of the code (its civic/)")
    parser.add_argument("--rules", nargs="*", default=list(RULES), choices=RULES)
    args = parser.parse_args()
    try:
        import pabutools  # noqa: F401
    except ImportError:
        args.skip_pabutools = True
        print("pabutools is not installed (pip install -e '.[dev]'): its columns are skipped")
    # bytecode as an installed copy has it: the first run writes it, the timed runs use it
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["FLASK_APP"] = "civic"
    tally = [sys.executable, "-m", "civic.budgets.tally"]
    flask = [str(Path(sys.executable).with_name("flask")), "civic"]
    for name, command in (
        ("python -m civic.budgets.tally --help", tally),
        ("flask civic --help", flask),
    ):
        timed_command([*command, "--help"], 1, env)  # warm: bytecode, file cache
        wall, cpu = timed_command([*command, "--help"], args.repeat, env)
        print(f"{name:40} {wall:6.3f} s wall, {cpu:6.3f} s CPU")
    python = [sys.executable, "-c"]
    for name, code in (
        ("python -c pass", "pass"),
        ("python: import the command and NumPy", "import civic.budgets.tally, numpy"),
    ):
        timed_command([*python, code], 1, env)
        wall, cpu = timed_command([*python, code], args.repeat, env)
        print(f"{name:40} {wall:6.3f} s wall, {cpu:6.3f} s CPU")
        floor = cpu
    print()
    print("In CPU seconds: parse and rule in this process; the whole command's wall clock and")
    print("CPU; pabutools' MES (its file reading apart); ratio = pabutools MES / our command CPU;")
    print("at most = pabutools MES / the floor (start-up and imports): the best any command gets.")
    print(
        f"{'file':34} {'voters':>7} {'parse':>6} {'count':>6} {'rule':8} {'rule':>7} "
        f"{'command (CPU)':>16} {'pabutools MES':>20} {'ratio':>6} {'at most':>7}"
    )
    if args.before:
        compare_before(args, tally, env)
        return
    for name in args.files:
        path = args.data / name
        parse_seconds = best_of(args.repeat, lambda path=path: parse_file(path))
        count_seconds = best_of(args.repeat, lambda path=path: count_file(path))
        pb = count_file(path)
        voters = sum(pb.cast.values())
        theirs = None if args.skip_pabutools else pabutools_mes(path, args.pabutools_timeout)
        for rule in args.rules:
            rule_seconds = best_of(
                1 if rule == "mes-add1" else args.repeat,
                lambda pb=pb, rule=rule: compute_for_file(pb, rule),
            )
            wall, cpu = timed_command(
                [*tally, str(path), "--rule", rule, "--json"],
                2 if rule == "mes-add1" else args.repeat,
                env,
            )
            if rule != "mes":
                shown, ratio, most = "", "", ""
            elif args.skip_pabutools:
                shown, ratio, most = "skipped", "-", "-"
            elif theirs is None:
                shown, ratio, most = f">{args.pabutools_timeout:.0f}", "-", "-"
            else:
                shown = f"{theirs[1]:.2f} (+{theirs[0]:.1f} read)"
                ratio = f"{theirs[1] / cpu:.0f}x"
                most = f"{theirs[1] / floor:.0f}x"
            print(
                f"{name[:34]:34} {voters:7} {parse_seconds:6.3f} {count_seconds:6.3f} {rule:8} "
                f"{rule_seconds:7.3f} {wall:7.3f} ({cpu:5.3f}) {shown:>20} {ratio:>6} {most:>7}",
                flush=True,
            )


def compare_before(args, tally: list[str], env: dict[str, str]) -> None:
    """The whole command's CPU seconds (best of ``--repeat``) with the earlier code and with
    this code, run alternately so both see the same machine."""
    # run from the earlier copy's directory: ``python -m`` looks in the current one first
    before = args.before.resolve()
    before_env = {**env, "PYTHONPATH": str(before)}
    print(f"{'file':34} {'rule':8} {'before CPU':>10} {'now CPU':>8}")
    for name in args.files:
        for rule in args.rules:
            command = [*tally, str(args.data / name), "--rule", rule, "--json"]
            then, now = float("inf"), float("inf")
            for _ in range(args.repeat):
                then = min(then, timed_command(command, 1, before_env, cwd=before)[1])
                now = min(now, timed_command(command, 1, env)[1])
            print(f"{name[:34]:34} {rule:8} {then:10.3f} {now:8.3f}", flush=True)


if __name__ == "__main__":
    main()
