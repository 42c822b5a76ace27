"""How fast the stand-alone verifier checks a long log (issue 11: 1,000,000 entries < 10 s).

    PYTHONPATH=. .venv/bin/python benchmarks/verifier.py [--entries N] [--http]

Builds N realistic entry bodies in memory, serves them as tlog-tiles from memory (the test
suite's independent tile site, tests/audit/fakelog.py) and times `verifier.check_log`: the
first run (everything fetched and checked), a second run with nothing new (the saved copy),
and a run after 1% more entries. With --http the tiles go through a real HTTP server on
localhost (threaded), so fetching costs what it costs against a real site. Prints figures;
asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import http.server
import io
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from civic.audit import verifier  # noqa: E402
from tests.audit.fakelog import ORIGIN, FakeLog, entry_bodies  # noqa: E402


class _Answers:
    """What the fake site answers, computed once: the figures measure the checker, not it."""

    def __init__(self, log: FakeLog) -> None:
        self.log = log
        self.cache: dict[str, bytes | verifier.FetchError] = {}

    def get(self, path: str) -> bytes:
        if path not in self.cache:
            try:
                self.cache[path] = self.log.get(path)
            except verifier.FetchError as exc:
                self.cache[path] = exc
        answer = self.cache[path]
        if isinstance(answer, verifier.FetchError):
            raise answer
        return answer

    def warm(self, state: str) -> None:
        """Ask for everything a check from `state` asks for (on a copy of it)."""
        leaves = self.log.leaves()
        self.log.leaves = lambda: leaves  # type: ignore[method-assign]
        self.cache.pop("audit/log/checkpoint", None)
        with tempfile.TemporaryDirectory() as scratch, contextlib.redirect_stdout(io.StringIO()):
            shutil.copytree(state, scratch, dirs_exist_ok=True)
            verifier.check_log(verifier.Site("memory", self.get), self.log.signer.verifier, scratch)
        del self.log.leaves


@contextlib.contextmanager
def _http(answers: _Answers):
    """A threaded HTTP server in its own process, answering from memory."""

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep connections alive, as a production server does
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            try:
                data, status = answers.get(self.path.lstrip("/")), 200
            except verifier.FetchError:
                data, status = b"not found", 404
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    process = multiprocessing.get_context("fork").Process(target=server.serve_forever, daemon=True)
    process.start()
    server.socket.close()
    try:
        yield verifier.Site.at(f"http://127.0.0.1:{server.server_port}")
    finally:
        process.terminate()
        process.join()


def _timed(
    site: verifier.Site, key: verifier.Verifier, state: str
) -> tuple[float, float, float, int, str]:
    """Wall time, CPU time of this process and of the checking processes, exit code, output.

    The machine is shared, so the CPU times say what the wall time would be on an idle one:
    about max(this process, checking processes / cores)."""
    out = io.StringIO()
    before, start = os.times(), time.perf_counter()
    with contextlib.redirect_stdout(out):
        code = verifier.check_log(site, key, state)
    wall, after = time.perf_counter() - start, os.times()
    main_cpu = after.user + after.system - before.user - before.system
    workers = after.children_user + after.children_system
    workers -= before.children_user + before.children_system
    return wall, main_cpu, workers, code, out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--http", action="store_true", help="serve over HTTP on localhost")
    args = parser.parse_args()

    start = time.perf_counter()
    signer = verifier.generate_signer(ORIGIN)
    log = FakeLog(entry_bodies(args.entries), signer)
    answers = _Answers(log)
    size = sum(len(body) for body in log.bodies)
    built = time.perf_counter() - start
    print(f"built {args.entries:,} entries ({size / 1e6:.0f} MB) in {built:.1f} s")

    with tempfile.TemporaryDirectory() as state:
        runs = [("first check", 0), ("second check, nothing new", 0)]
        runs.append((f"check after {args.entries // 100:,} more entries", args.entries // 100))
        for label, more in runs:
            log.bodies += entry_bodies(more, len(log.bodies))
            answers.warm(state)
            with contextlib.ExitStack() as stack:
                site = stack.enter_context(_http(answers)) if args.http else None
                site = site or verifier.Site("memory", answers.get)
                seconds, main_cpu, workers, code, report = _timed(site, signer.verifier, state)
            how = "over HTTP" if args.http else "from memory"
            print(
                f"{label} {how}: {seconds:.2f} s, exit {code} (CPU: {main_cpu:.2f} s here, "
                f"{workers:.2f} s in checking processes; load average {os.getloadavg()[0]:.1f} "
                f"on {os.cpu_count()} cores)"
            )
            print("  " + report.strip().replace("\n", "\n  "))


if __name__ == "__main__":
    main()
