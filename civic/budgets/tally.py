"""Tally a Pabulib file with one of our rules: the bridge between :mod:`pabulib` and
:mod:`rules`, used by the ``flask civic tally`` command and by the tests and benchmarks."""

from __future__ import annotations

import time
from pathlib import Path

from civic.budgets.pabulib import PbFile, parse_file
from civic.budgets.rules import Instance, Outcome, Profile, borda, compute

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
