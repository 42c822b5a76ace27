"""Outcome rules for participatory budgeting: the greedy forms cities run, and the Method of
Equal Shares (MES) with and without Add1 completion.

Pure and deterministic (no Flask, no database). Input is a plain :class:`Instance` (project
ids in input order with integer costs, an integer budget) and a :class:`Profile` (distinct
ballots with how many voters cast each). :func:`compute` returns an :class:`Outcome`: the
selected projects in selection order and, for every project, the figures a results page needs
to say in plain English why it was or was not funded.

Exactness: no float rounding may change a winner. Greedy is integer arithmetic throughout.
MES (in :mod:`civic.budgets.mes`, imported only when it runs, since it needs NumPy) runs on
NumPy floats for speed, but every decision is either far beyond float error or re-made
exactly.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import repeat
from operator import itemgetter

from civic.budgets.ballots import MINOR_PER_UNIT, money

RULES = ("greedy", "greedy-no-skip", "greedy-threshold", "mes", "mes-add1")
VOTE_TYPES = ("approval", "choose-1", "cumulative", "scoring", "ordinal")
TIE_BREAKING = {
    "greedy": "input order",
    "mes": "lowest cost, then most votes, then input order",
}

RankedScoring = Callable[[int], int]
"""Points for a ranked position (0 = most preferred)."""


def borda(top: int) -> RankedScoring:
    """Borda-style scoring: ``top`` points for the first choice, one fewer for each next place,
    never below zero. Kraków (3 choices, 3-2-1 points) is ``borda(3)``."""
    return lambda position: max(top - position, 0)


Ballot = tuple[tuple[str, ...], tuple[int, ...] | None]


@dataclass(frozen=True)
class Instance:
    """Projects in input order (the order ties fall back on) with whole-unit costs."""

    costs: Mapping[str, int]
    budget: int

    def __post_init__(self) -> None:
        if not isinstance(self.budget, int) or self.budget < 0:
            raise ValueError("budget must be a non-negative int")
        for project_id, cost in self.costs.items():
            if not isinstance(cost, int) or cost < 0:
                raise ValueError(f"cost of {project_id!r} must be a non-negative int")


@dataclass(frozen=True)
class Profile:
    """Ballots grouped into a multiset: distinct ballot -> number of voters who cast it.

    A ballot is ``(projects, points)``: approval and choose-1 ballots are sets (stored sorted,
    no points), ordinal ballots keep their order (most preferred first), cumulative and scoring
    ballots carry the points given to each project (stored sorted by project id).
    """

    vote_type: str
    ballots: Mapping[Ballot, int]

    @classmethod
    def from_votes(
        cls, vote_type: str, votes: Iterable[tuple[Sequence[str], Sequence[int] | None]]
    ) -> Profile:
        """Group ballots given as ``(projects, points or None)``. Identical ballots merge; a
        project repeated within one ballot counts once (ordinal: at its first place;
        cumulative/scoring: its points add up)."""
        if vote_type not in VOTE_TYPES:
            raise ValueError(f"unknown vote type {vote_type!r}")
        cast = Counter(
            (tuple(projects), None if points is None else tuple(points))
            for projects, points in votes
        )
        return cls.from_counts(vote_type, cast)

    @classmethod
    def from_counts(
        cls, vote_type: str, cast: Mapping[tuple[tuple[str, ...], tuple[int, ...] | None], int]
    ) -> Profile:
        """:meth:`from_votes` for ballots already counted as cast (``(projects, points or
        None)`` -> voters, e.g. a ``Counter`` of a file's ballots): each distinct ballot is
        then normalised once, not once per voter, which is what makes a city's file quick
        (Łódź 2022: 90,494 ballots, 23,571 distinct). The grouped ballots come out in
        the order :meth:`from_votes` gives them (first appearance)."""
        if vote_type not in VOTE_TYPES:
            raise ValueError(f"unknown vote type {vote_type!r}")
        if vote_type in ("approval", "choose-1"):
            # a set: sorted, repeats merged, points ignored; normalised by a chain of C
            # calls rather than a Python loop (a city has 20,000-50,000 distinct ballots)
            sets = list(map(tuple, map(sorted, map(set, map(itemgetter(0), cast)))))
            ballots = zip(sets, repeat(None))
            if len(set(sets)) == len(sets):  # no two texts were the same set
                return cls(vote_type, dict(zip(ballots, cast.values(), strict=False)))
            merged: dict[Ballot, int] = {}
            for ballot, count in zip(ballots, cast.values(), strict=False):
                merged[ballot] = merged.get(ballot, 0) + count
            return cls(vote_type, merged)
        counts: Counter[Ballot] = Counter()
        for (projects, points), count in cast.items():
            counts[_normalise(vote_type, projects, points)] += count
        return cls(vote_type, dict(counts))

    @property
    def num_voters(self) -> int:
        return sum(self.ballots.values())


def _normalise(vote_type: str, projects: Sequence[str], points: Sequence[int] | None) -> Ballot:
    if vote_type in ("cumulative", "scoring"):
        if points is None or len(points) != len(projects):
            raise ValueError(f"{vote_type} ballots need one points value per project")
        total: Counter[str] = Counter()
        for project_id, value in zip(projects, points, strict=True):
            total[project_id] += value
        ordered = sorted(total)
        return tuple(ordered), tuple(total[p] for p in ordered)
    if vote_type == "ordinal":
        return tuple(dict.fromkeys(projects)), None
    return tuple(sorted(set(projects))), None


@dataclass(frozen=True)
class ProjectResult:
    """Why one project was or was not funded. Money is ``int`` or exact ``Fraction``.

    ``status`` is one of: ``selected``; ``did-not-fit`` (greedy: cost above the money left);
    ``stopped`` (greedy-no-skip: the first misfit, which ends the count); ``not-reached``
    (greedy-no-skip: after the stop); ``below-threshold``; ``unaffordable`` (MES: its
    supporters' remaining money fell below its cost); ``no-support`` (MES: nobody gains).
    """

    project_id: str
    cost: int
    status: str
    votes: int
    score: int | None = None
    position: int | None = None
    remaining_before: int | None = None
    supporters_money: Fraction | None = None
    rho: Fraction | None = None
    max_payment: Fraction | None = None
    tied_with: tuple[str, ...] = ()

    @property
    def selected(self) -> bool:
        return self.status == "selected"


@dataclass(frozen=True)
class Outcome:
    """The result of a rule: ``selected`` in selection order, and a result per project in
    input order (``projects``). For MES, ``share`` is each voter's starting share of the
    (virtual) budget and ``increment`` the Add1 units per voter added to ``budget / voters``."""

    rule: str
    selected: tuple[str, ...]
    cost: int
    budget: int
    projects: Mapping[str, ProjectResult]
    share: Fraction | None = None
    increment: int | None = None
    tie_breaking: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    def explain(self, project_id: str, currency: str | None = None) -> str:
        """One plain-English sentence about ``project_id``; amounts in ``currency`` (e.g.
        "GBP" gives £1,200) when given, else bare numbers."""
        return describe(self.projects[project_id], self.rule, currency)


def describe(result: ProjectResult, rule: str, currency: str | None = None) -> str:
    """Plain English for a :class:`ProjectResult`; money shown to the nearest unit."""

    def money(value: int | Fraction | None) -> str:
        return _money(value, currency)

    if rule.startswith("greedy"):
        fit = f"cost {money(result.cost)} with {money(result.remaining_before)} left"
        return {
            "selected": f"Funded: {result.score} in support, {fit}.",
            "did-not-fit": f"Not funded: {result.score} in support, but {fit}.",
            "stopped": f"Not funded: {result.score} in support, but {fit}; the count stops here.",
            "not-reached": f"Not funded: {result.score} in support; the count stopped earlier.",
            "below-threshold": f"Not funded: {result.score} in support is below the threshold.",
        }[result.status]
    if result.status == "selected":
        if result.rho is None:
            return "Funded: it costs nothing."
        return (
            f"Funded in round {result.position}: its {result.votes} supporters had "
            f"{money(result.supporters_money)} left for a cost of {money(result.cost)}; "
            f"each paid at most {money(result.max_payment)} per point of support."
        )
    if result.status == "no-support":
        return "Not funded: no voter supported it."
    return (
        f"Not funded: from round {result.position} its {result.votes} supporters had only "
        f"{money(result.supporters_money)} left, less than its cost of {money(result.cost)}."
    )


def _money(value: int | Fraction | None, currency: str | None = None) -> str:
    if value is None:
        return "-"
    if currency is None:
        return f"{round(value):,}"
    return money(round(value) * MINOR_PER_UNIT, currency)


def input_digest(instance: Instance, profile: Profile) -> str:
    """SHA-256 of the rule's exact input in canonical JSON (RFC 8785): anyone holding the
    anonymised ballots can recompute it and then the winners. The results page and the
    verifier's ``input_fingerprint`` spell the recipe out for outsiders."""
    import rfc8785  # here, not at the top: a tally from the command line does not need it

    body = {
        "budget": instance.budget,
        "costs": [[pid, cost] for pid, cost in instance.costs.items()],
        "vote_type": profile.vote_type,
        "ballots": sorted(
            [list(projects), list(points) if points else None, count]
            for (projects, points), count in profile.ballots.items()
        ),
    }
    return hashlib.sha256(rfc8785.dumps(body)).hexdigest()


def compute(
    instance: Instance,
    profile: Profile,
    rule: str,
    *,
    threshold: int | None = None,
    ranked_scoring: RankedScoring | None = None,
) -> Outcome:
    """Run ``rule`` (one of :data:`RULES`) on ``instance`` and ``profile``.

    Greedy ranks projects by votes (approval, choose-1), points (cumulative, scoring) or
    ranked points from ``ranked_scoring`` (ordinal; default :func:`borda` with ``top`` the
    longest ballot). ``threshold`` is required by ``greedy-threshold`` and, when given, also
    applies to the other greedy forms. MES uses cost utilities: an approved (or ranked)
    project is worth its cost, a cumulative/scoring one its points times its cost.
    """
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}; choose one of {', '.join(RULES)}")
    if rule == "greedy-threshold" and threshold is None:
        raise ValueError("greedy-threshold needs a threshold")
    for ballot in profile.ballots:
        for project_id in ballot[0]:
            if project_id not in instance.costs:
                raise ValueError(f"a ballot names unknown project {project_id!r}")
    if rule.startswith("greedy"):
        if ranked_scoring is None:
            top = max((len(b[0]) for b in profile.ballots), default=0)
            ranked_scoring = borda(top)
        return _greedy(instance, profile, rule, threshold, ranked_scoring)
    # NumPy is imported here, when a rule needs it, not when the web app or the command
    # line starts (python -m civic.budgets.tally --help must be quick)
    from civic.budgets import mes

    return mes.compute(instance, profile, rule)


def _points(profile: Profile, ballot: Ballot, ranked_scoring: RankedScoring) -> list[int]:
    projects, points = ballot
    if points is not None:
        return list(points)
    if profile.vote_type == "ordinal":
        return [ranked_scoring(position) for position in range(len(projects))]
    return [1] * len(projects)


def _support(instance: Instance, profile: Profile, weights: Callable[[Ballot], list[int]]):
    """Per project: (voters with a positive weight, total weight)."""
    votes = dict.fromkeys(instance.costs, 0)
    score = dict.fromkeys(instance.costs, 0)
    for ballot, count in profile.ballots.items():
        for project_id, weight in zip(ballot[0], weights(ballot), strict=True):
            score[project_id] += weight * count
            if weight > 0:
                votes[project_id] += count
    return votes, score


# --- greedy -------------------------------------------------------------------------------


def _greedy(
    instance: Instance,
    profile: Profile,
    rule: str,
    threshold: int | None,
    ranked_scoring: RankedScoring,
) -> Outcome:
    """Fund projects in order of support (ties: input order, via a stable sort); skip what no
    longer fits, or with ``greedy-no-skip`` stop at the first project that does not fit."""
    votes, score = _support(instance, profile, lambda b: _points(profile, b, ranked_scoring))
    order = sorted(instance.costs, key=lambda p: -score[p])
    remaining = instance.budget
    selected: list[str] = []
    results: dict[str, ProjectResult] = {}
    stopped = False
    for position, project_id in enumerate(order, start=1):
        cost = instance.costs[project_id]
        if threshold is not None and score[project_id] < threshold:
            status = "below-threshold"
        elif stopped:
            status = "not-reached"
        elif cost <= remaining:
            status = "selected"
        else:
            status = "stopped" if rule == "greedy-no-skip" else "did-not-fit"
            stopped = rule == "greedy-no-skip"
        results[project_id] = ProjectResult(
            project_id, cost, status, votes[project_id], score[project_id], position, remaining
        )
        if status == "selected":
            selected.append(project_id)
            remaining -= cost
    notes = () if threshold is None else (f"threshold {threshold}",)
    return Outcome(
        rule,
        tuple(selected),
        instance.budget - remaining,
        instance.budget,
        {p: results[p] for p in instance.costs},
        tie_breaking=TIE_BREAKING["greedy"],
        notes=notes,
    )
