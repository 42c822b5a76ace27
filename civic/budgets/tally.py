"""Tally a Pabulib file with one of our rules: the bridge between :mod:`pabulib` and
:mod:`rules`, used by the ``flask civic tally`` command and by the tests and benchmarks;
and tally a round a Civic site has published (its ``ballots.pb``), to compare with the
winners it published."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from civic.audit.verifier import RecountError, Site, recount_target
from civic.budgets.pabulib import PbFile, parse, parse_file
from civic.budgets.rules import Instance, Outcome, Profile, borda, compute, input_digest

POINTS_VOTE_TYPES = ("cumulative", "scoring")


def instance_and_profile(pb: PbFile) -> tuple[Instance, Profile]:
    """The rules' view of a parsed file: projects in file order, grouped ballots."""
    instance = Instance({p.project_id: p.cost for p in pb.projects}, pb.budget)
    with_points = pb.vote_type in POINTS_VOTE_TYPES
    profile = Profile.from_votes(
        pb.vote_type, ((v.vote, v.points if with_points else None) for v in pb.votes)
    )
    return instance, profile


def file_threshold(pb: PbFile) -> int | None:
    """META ``min_project_score_threshold`` as an int, if the file has one."""
    value = pb.meta.get("min_project_score_threshold")
    return int(float(value)) if value else None


def compute_for_file(pb: PbFile, rule: str, *, threshold: int | None = None) -> Outcome:
    """Run ``rule`` the way the file's city would: ranked ballots score Borda from META
    ``max_length`` (Kraków: 3-2-1), and ``greedy-threshold`` uses the file's threshold unless
    one is given."""
    instance, profile = instance_and_profile(pb)
    if rule == "greedy-threshold" and threshold is None:
        threshold = file_threshold(pb)
    max_length = pb.meta.get("max_length")
    scoring = borda(int(max_length)) if max_length and max_length.isdigit() else None
    return compute(instance, profile, rule, threshold=threshold, ranked_scoring=scoring)


def tally_file(path: str | Path, rule: str) -> dict:
    """Parse ``path`` and run ``rule``: ``{"selected", "cost", "rule", "seconds"}`` where
    ``seconds`` is the rule's compute time. Raises ``PabulibError`` (one line naming the line
    number) on a malformed file and ``ValueError`` for an unknown rule or a rule the file
    cannot run (``greedy-threshold`` without a threshold)."""
    pb = parse_file(path)
    start = time.perf_counter()
    outcome = compute_for_file(pb, rule)
    seconds = time.perf_counter() - start
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
    base, kind, slug = recount_target(url)
    if kind != "round":
        raise RecountError(f"{url} is not a budget round's page")
    site = Site.at(base)
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
