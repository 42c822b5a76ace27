"""Tally a Pabulib file with one of our rules: the bridge between :mod:`pabulib` and
:mod:`rules`; and tally a round a Civic site has published (its ``ballots.pb``), to compare
with the winners it published.

It is also the command itself, in two forms that run the same code (:func:`run`):

    python -m civic.budgets.tally FILE.pb --rule mes-add1 [--json]
    python -m civic.budgets.tally https://SITE/budgets/ROUND [--json]
    flask civic tally ...           (the same, from the site's command group)

The plain form needs no Flask, no app set-up and no database, and starts quickly: this
module imports only the standard library, the reader and the rules at start, and NumPy is
imported when MES runs (:mod:`civic.budgets.mes`); the verifier's HTTP client only when a
round's address is tallied. ``tests/budgets/test_tally_command.py`` holds it to that.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from civic.budgets.pabulib import (
    Cast,
    PabulibError,
    PbCount,
    PbFile,
    count_file,
    parse,
    paused_cycle_collection,
)
from civic.budgets.rules import RULES, Instance, Outcome, Profile, borda, compute, input_digest
from civic.counting import counted

if TYPE_CHECKING:
    from civic.audit.verifier import Site

POINTS_VOTE_TYPES = ("cumulative", "scoring")


def instance_and_profile(pb: PbFile | PbCount) -> tuple[Instance, Profile]:
    """The rules' view of a parsed (or counted) file: projects in file order, grouped ballots
    (identical ballots counted at C speed first, then each distinct one normalised once)."""
    if isinstance(pb, PbCount):
        return _instance_and_profile(pb.head, pb.cast)
    cast = Counter((v.vote, v.points) for v in pb.votes)
    return _instance_and_profile(pb, cast)


def _instance_and_profile(head: PbFile, cast: Cast) -> tuple[Instance, Profile]:
    instance = Instance({p.project_id: p.cost for p in head.projects}, head.budget)
    if head.vote_type not in POINTS_VOTE_TYPES and any(p is not None for _, p in cast):
        merged: Counter = Counter()  # points mean nothing to these ballots: drop them
        for (vote, _), voters in cast.items():
            merged[vote, None] += voters
        cast = merged
    return instance, Profile.from_counts(head.vote_type, cast)


def file_threshold(pb: PbFile) -> int | None:
    """META ``min_project_score_threshold`` as an int, if the file has one."""
    value = pb.meta.get("min_project_score_threshold")
    return int(float(value)) if value else None


def compute_for_file(pb: PbFile | PbCount, rule: str, *, threshold: int | None = None) -> Outcome:
    """Run ``rule`` the way the file's city would: ranked ballots score Borda from META
    ``max_length`` (Kraków: 3-2-1), and ``greedy-threshold`` uses the file's threshold unless
    one is given."""
    instance, profile = instance_and_profile(pb)
    head = pb.head if isinstance(pb, PbCount) else pb
    if rule == "greedy-threshold" and threshold is None:
        threshold = file_threshold(head)
    max_length = head.meta.get("max_length")
    scoring = borda(int(max_length)) if max_length and max_length.isdigit() else None
    return compute(instance, profile, rule, threshold=threshold, ranked_scoring=scoring)


def tally_file(path: str | Path, rule: str) -> dict:
    """Parse ``path`` and run ``rule``: ``{"selected", "cost", "rule", "seconds"}`` where
    ``seconds`` is the rule's compute time. Raises ``PabulibError`` (one line naming the line
    number) on a malformed file and ``ValueError`` for an unknown rule or a rule the file
    cannot run (``greedy-threshold`` without a threshold)."""
    return _report(rule, *_timed_tally(path, rule))


def _timed_tally(path: str | Path, rule: str) -> tuple[Outcome, float]:
    pb = count_file(path)  # the ballots counted, not one object per voter
    start = time.perf_counter()
    outcome = compute_for_file(pb, rule)
    return outcome, time.perf_counter() - start


def _report(rule: str, outcome: Outcome, seconds: float) -> dict:
    return {
        "selected": list(outcome.selected),
        "cost": outcome.cost,
        "rule": rule,
        "seconds": seconds,
    }


@dataclass(frozen=True)
class PublishedTally:
    """A round's published result set against Civic's own count of its published ballots;
    ``difference`` is one line naming the first disagreement, or None."""

    title: str
    rule: str
    outcome: Outcome
    digest: str
    difference: str | None


def tally_published(url: str) -> PublishedTally:
    """Fetch a round's ``ballots.pb`` and ``results.json`` from its page ``url`` and count the
    ballots with Civic's own rules (the verifier's ``--recount`` does the same with its own
    independent ones). Raises ``FetchError`` or ``RecountError`` (from the verifier) if the
    files cannot be fetched or are not a round's, ``PabulibError`` if the file is malformed."""
    from civic.audit.verifier import RecountError, Site, recount_target

    base, kind, slug = recount_target(url)
    if kind != "round":
        raise RecountError(f"{url} is not a budget round's page")
    site: Site = Site.at(base)
    published = site.get_json(f"/budgets/{quote(slug)}/results.json")
    pb = parse(site.get(f"/budgets/{quote(slug)}/ballots.pb").decode("utf-8-sig"))
    if not isinstance(published, dict) or not isinstance(published.get("recount"), dict):
        raise RecountError(f"{url}: results.json has no recount settings")
    settings, rule = published["recount"], published.get("rule")
    instance, profile = instance_and_profile(pb)
    top = settings.get("borda_top")
    try:
        outcome = compute(
            instance,
            profile,
            rule,
            threshold=settings.get("threshold"),
            ranked_scoring=borda(top) if top else None,
        )
    except ValueError as exc:
        raise RecountError(f"{url}: {exc}") from None
    digest = input_digest(instance, profile)
    difference = None
    if digest != published.get("input_digest"):
        difference = (
            f"the input fingerprint of ballots.pb is {digest}, "
            f"results.json says {published.get('input_digest')}"
        )
    elif list(outcome.selected) != published.get("selected"):
        claimed = published.get("selected") or []
        extra = [p for p in outcome.selected if p not in claimed]
        missing = [p for p in claimed if p not in outcome.selected]
        difference = (
            f"the count funds {', '.join(extra)} where results.json funds {', '.join(missing)}"
            if extra or missing
            else "the count funds the published winners in another order"
        )
    return PublishedTally(published.get("title", slug), rule, outcome, digest, difference)


# --- the command ---------------------------------------------------------------------------


class UsageError(ValueError):
    """The command was called wrongly (exit 2 with usage, as argparse and click do)."""


Echo = Callable[[str], None]


def run(source: str, rule: str | None, *, as_json: bool, out: Echo, err: Echo) -> int:
    """The tally command, whichever way it was started: print to ``out`` and ``err`` (one
    line per call) and return the exit code: 0, 1 if a round's published winners differ from
    the count, 2 (one line on ``err``) if the file or round cannot be read or the rule cannot
    run on it. Raises :class:`UsageError` for a missing or superfluous ``--rule``."""
    if source.startswith(("http://", "https://")):
        if rule:
            raise UsageError("a round's address brings its own rule: leave out --rule")
        return _run_published(source, as_json, out, err)
    if not rule:
        raise UsageError("give --rule to tally a file")
    try:
        with paused_cycle_collection():
            outcome, seconds = _timed_tally(source, rule)
    except (OSError, UnicodeDecodeError) as exc:
        err(f"{source}: cannot read the file ({exc})")
        return 2
    except ValueError as exc:  # a malformed file (PabulibError), or a rule it cannot run
        err(f"{source}: {exc}")
        return 2
    if as_json:
        out(json.dumps(_report(rule, outcome, round(seconds, 6))))
        return 0
    out(
        f"{rule}: {counted(len(outcome.selected), 'project')}, cost {outcome.cost:,} "
        f"of {outcome.budget:,} ({seconds:.3f} s)"
    )
    for project_id in outcome.selected:
        out(f"  {project_id}")
    return 0


def _run_published(url: str, as_json: bool, out: Echo, err: Echo) -> int:
    """``tally URL``: exit 2 (one line) if the files cannot be had, 1 if Civic's count of
    the published ballots disagrees with the published winners."""
    from civic.audit.verifier import FetchError, RecountError

    try:
        tally = tally_published(url)
    except (FetchError, RecountError, PabulibError) as exc:
        err(f"could not tally {url}: {exc}")
        return 2
    outcome = tally.outcome
    if as_json:
        report = {
            "selected": list(outcome.selected),
            "cost": outcome.cost,
            "rule": tally.rule,
            "input_digest": tally.digest,
            "agrees": tally.difference is None,
            "difference": tally.difference,
        }
        out(json.dumps(report))
    else:
        out(
            f"{tally.title}, {tally.rule}: {counted(len(outcome.selected), 'project')}, "
            f"cost {outcome.cost:,} of {outcome.budget:,}"
        )
        for project_id in outcome.selected:
            out(f"  {project_id}")
    if tally.difference:
        err(f"Differs from the published results: {tally.difference}")
        return 1
    if not as_json:
        out("Agrees with the published results.")
    return 0


SOURCE_HELP = "a .pb file, or a round's address (http/https) to recount what it published"
RULE_HELP = "the rule for a file (a round's address brings its own)"
JSON_HELP = "print one JSON object"
DESCRIPTION = (
    "Compute a file's winners with RULE without touching a database; or, given a round's "
    "address, count its published ballots.pb by the published rule and compare with its "
    "published winners (exit 1 on a difference)."
)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m civic.budgets.tally``: the same command as ``flask civic tally``."""
    parser = argparse.ArgumentParser(prog="python -m civic.budgets.tally", description=DESCRIPTION)
    parser.add_argument("source", help=SOURCE_HELP)
    parser.add_argument("--rule", choices=RULES, help=RULE_HELP)
    parser.add_argument("--json", dest="as_json", action="store_true", help=JSON_HELP)
    args = parser.parse_args(argv)

    def err(line: str) -> None:
        print(line, file=sys.stderr)

    try:
        return run(args.source, args.rule, as_json=args.as_json, out=print, err=err)
    except UsageError as exc:
        parser.error(str(exc))  # exits 2 with the usage line


if __name__ == "__main__":
    sys.exit(main())
