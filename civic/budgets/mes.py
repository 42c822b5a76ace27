"""The Method of Equal Shares (MES) with cost utilities, and its Add1 completion: the part of
:mod:`civic.budgets.rules` that needs NumPy, kept apart so that importing the rules (the web
app, ``python -m civic.budgets.tally``, greedy counts) does not import NumPy.

Exactness: MES runs on NumPy floats for speed, but every decision is either far beyond float
error or re-made exactly: see :class:`_MesRun` for how, and :func:`_mes_add1` for Add1.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from itertools import chain, pairwise, repeat
from operator import itemgetter

import numpy as np

from civic.budgets.rules import TIE_BREAKING, Instance, Outcome, Profile, ProjectResult


def compute(instance: Instance, profile: Profile, rule: str) -> Outcome:
    """``mes`` or ``mes-add1`` on a checked instance and profile (see ``rules.compute``)."""
    problem = _MesProblem(instance, profile)
    if rule == "mes":
        return problem.outcome(rule, _MesRun(problem, problem.base_share, exact=True), None)
    return _mes_add1(problem)


# --- Method of Equal Shares ----------------------------------------------------------------

_FLOAT_MARGIN = 1e-7
"""Float runs: a decision closer than this (relative) is too close to call; the run is redone
exactly. Float error in these runs is around 1e-13 relative, a million times smaller."""

_EXACT_WINDOW = 1e-9
"""Exact runs: budgets are floats re-anchored on exact prices each round, so their absolute
error is at most 2 * rounds * 2**-53 * share (every magnitude is at most the share). Any voter
group whose float budget is within this (relative) of a boundary is classified exactly."""


class _Inexact(Exception):
    """A float run met a decision too close to call."""


class _MesProblem:
    """Everything about an instance that does not depend on the voters' share, computed once
    and reused by every run (Add1 reruns MES many times).

    Voters with identical MES ballots form one group (Łódź 2022: 90,494 voters, 23,571
    groups); all voters of a group hold the same money at every step, so MES runs on groups.
    """

    def __init__(self, instance: Instance, profile: Profile) -> None:
        self.instance = instance
        self.ids = list(instance.costs)
        index = {p: i for i, p in enumerate(self.ids)}
        self.costs = [instance.costs[p] for p in self.ids]
        self.num_voters = profile.num_voters
        self.base_share = (
            Fraction(instance.budget, self.num_voters) if self.num_voters else Fraction(0)
        )
        if profile.vote_type in ("approval", "choose-1"):
            # each distinct ballot is a distinct set already (Profile normalised it): each is
            # a group as it stands, flattened by C calls with no Python loop per ballot
            ballots = list(map(itemgetter(0), profile.ballots))
            self.num_groups = len(ballots)
            count = profile.ballots.values()
            sizes = np.fromiter(map(len, ballots), dtype=np.int64, count=self.num_groups)
            total = int(sizes.sum())
            flat_project = np.fromiter(
                map(index.__getitem__, chain.from_iterable(ballots)), dtype=np.int64, count=total
            )
            flat_weight = np.ones(total, dtype=np.int64)
        else:
            count, sizes, flat_project, flat_weight = self._grouped(profile, index)
            self.num_groups = len(count)
            total = len(flat_project)
        self.count = np.fromiter(count, dtype=np.int64, count=self.num_groups)
        self.count_f = self.count.astype(np.float64)
        # project j's supporting groups (ascending) and their weights, cut from one sort of
        # every (group, project) pair: no Python loop over memberships
        flat_group = np.repeat(np.arange(self.num_groups, dtype=np.int64), sizes)
        order = np.argsort(flat_project, kind="stable")  # stable: groups stay ascending
        flat_group, flat_weight = flat_group[order], flat_weight[order]
        cuts = np.searchsorted(flat_project[order], np.arange(len(self.ids) + 1)).tolist()
        spans = list(pairwise(cuts))
        self.members = [flat_group[a:b] for a, b in spans]
        self.weight = [flat_weight[a:b] for a, b in spans]
        self.weight_f = [w.astype(np.float64) for w in self.weight]
        self.unit = [bool((w == 1).all()) for w in self.weight]
        self.count_weight = [
            self.count[m] * w for m, w in zip(self.members, self.weight, strict=True)
        ]
        self.count_weight_f = [cw.astype(np.float64) for cw in self.count_weight]
        self.count_of = [self.count_f[m] for m in self.members]
        self.total_weight = [int(cw.sum()) for cw in self.count_weight]
        self.votes = [int(self.count[m].sum()) for m in self.members]
        supported = [j for j, w in enumerate(self.total_weight) if w > 0]
        self.free = [j for j in supported if self.costs[j] == 0]
        self.candidates = [j for j in supported if self.costs[j] > 0]
        tie_order = sorted(range(len(self.ids)), key=lambda j: (self.costs[j], -self.votes[j], j))
        self.tie_rank = {j: r for r, j in enumerate(tie_order)}

    @staticmethod
    def _grouped(profile: Profile, index: dict[str, int]):
        """Groups of ballots that are the same to MES (ranked ballots in any order, points
        ballots alike once zero weights are dropped): (voters per group, projects per group,
        every group's project indices and their weights, flattened)."""
        # a group: (project indices ascending, their weights, or None when every weight is 1)
        groups: Counter[tuple[tuple[int, ...], tuple[int, ...] | None]] = Counter()
        position = index.__getitem__
        for (projects, points), count in profile.ballots.items():
            if points is None:  # ordinal: each ranked project weighs 1
                groups[tuple(sorted(map(position, projects))), None] += count
                continue
            pairs = sorted((position(p), w) for p, w in zip(projects, points, strict=True) if w > 0)
            weights = tuple(w for _, w in pairs)
            unit = weights.count(1) == len(weights)
            groups[tuple(j for j, _ in pairs), None if unit else weights] += count
        sizes = np.fromiter((len(js) for js, _ in groups), dtype=np.int64, count=len(groups))
        total = int(sizes.sum())
        flat_project = np.fromiter(
            chain.from_iterable(js for js, _ in groups), dtype=np.int64, count=total
        )
        flat_weight = np.fromiter(
            chain.from_iterable(ws or repeat(1, len(js)) for js, ws in groups),
            dtype=np.int64,
            count=total,
        )
        return list(groups.values()), sizes, flat_project, flat_weight

    def outcome(self, rule: str, run: _MesRun, increment: int | None) -> Outcome:
        """Turn an exact run into an :class:`Outcome` with a result for every project."""
        results: dict[str, ProjectResult] = {}
        for j, project_id in enumerate(self.ids):
            votes = self.votes[j]
            cost = self.costs[j]
            if j in run.rounds:
                r = run.rounds[j]
                tied = tuple(self.ids[t] for t in r.tied_with)
                results[project_id] = ProjectResult(
                    project_id, cost, "selected", votes, None, r.number, None,
                    r.money, r.rho, r.price, tied,
                )  # fmt: skip
            elif j in self.free:
                results[project_id] = ProjectResult(project_id, cost, "selected", votes)
            elif j in run.dropped:
                number, money = run.dropped[j]
                results[project_id] = ProjectResult(
                    project_id, cost, "unaffordable", votes, None, number, None, money
                )
            else:
                results[project_id] = ProjectResult(project_id, cost, "no-support", votes)
        selected = [self.ids[j] for j in self.free + run.selected]
        return Outcome(
            rule,
            tuple(selected),
            run.cost,
            self.instance.budget,
            results,
            share=run.share,
            increment=increment,
            tie_breaking=TIE_BREAKING["mes"],
        )


@dataclass(frozen=True)
class _Round:
    number: int
    money: Fraction
    rho: Fraction
    price: Fraction
    tied_with: tuple[int, ...]


class _MesRun:
    """One run of MES with cost utilities from a given per-voter ``share``.

    Each round, every remaining project j gets its price rho_j: the least price per unit of
    utility at which its supporters can pay its cost, each paying min(money, rho * utility).
    The project with the lowest rho is funded (ties: lowest cost, most votes, input order) and
    its supporters pay. The run ends when no project's supporters can afford it. rho of a
    project never falls from round to round (money only shrinks), so last round's rho is a
    lower bound and most projects need no re-pricing (lazy evaluation, as in pabutools).

    Money is a float per voter group. Prices are found by the usual poor/rich iteration on
    the supporters (those who cannot pay the price pay all they have).

    ``exact=False``: pure float; any decision closer than ``_FLOAT_MARGIN`` raises
    :class:`_Inexact` and the caller reruns exactly.

    ``exact=True``: every price actually charged is an exact Fraction, and a group's money is
    known exactly as share - sum over rounds of price_t * weight paid in round t (or 0 once
    it paid all it had). The ledger keeps that as an integer matrix (group x round) and the
    prices as integers over one common denominator, so the exact money of any set of groups is
    one integer matrix-vector product and a short integer dot product: no per-group Fractions.
    Every affordability test and every comparison of prices is then exact; floats only pick
    the poor/rich split, which is re-checked exactly for any group near the boundary.
    """

    def __init__(self, problem: _MesProblem, share: Fraction, *, exact: bool) -> None:
        self.p = problem
        self.share = share
        self.exact = exact
        self.share_f = float(share)
        self.money = np.full(problem.num_groups, self.share_f)
        self.selected: list[int] = []
        self.rounds: dict[int, _Round] = {}
        self.dropped: dict[int, tuple[int, Fraction]] = {}
        if exact:
            self.alive = np.ones(problem.num_groups, dtype=np.int64)
            self.paid = np.zeros((problem.num_groups, 8), dtype=np.int64)
            self.denominator = share.denominator
            self.share_num = share.numerator
            self.price_nums: list[int] = []
        self._run()
        self.cost = sum(problem.costs[j] for j in problem.free + self.selected)

    # exact ledger ---------------------------------------------------------------------
    def _exact_money(self, groups: np.ndarray, rows: np.ndarray) -> list[int]:
        """Exact total money (numerators over ``self.denominator``) of the groups picked by
        each row of 0/1 ``rows`` (shape k x len(groups)), weighted by group size."""
        sizes = rows * (self.p.count[groups] * self.alive[groups])
        totals = [self.share_num * int(s) for s in sizes.sum(axis=1)]
        rounds = len(self.price_nums)
        if rounds:
            spent = sizes @ self.paid[groups, :rounds]
            for k, row in enumerate(spent.tolist()):
                totals[k] -= sum(a * b for a, b in zip(row, self.price_nums, strict=True))
        return totals

    def _exact_budgets(self, groups: np.ndarray) -> list[int]:
        """Exact money per voter (numerators over ``self.denominator``) of each group."""
        rounds = len(self.price_nums)
        rows = self.paid[groups, :rounds].tolist()
        alive = self.alive[groups].tolist()
        return [
            (self.share_num - sum(a * b for a, b in zip(r, self.price_nums, strict=True))) * live
            for r, live in zip(rows, alive, strict=True)
        ]

    def _record_price(self, price: Fraction) -> None:
        factor = price.denominator // math.gcd(self.denominator, price.denominator)
        if factor > 1:
            self.denominator *= factor
            self.share_num *= factor
            self.price_nums = [x * factor for x in self.price_nums]
        self.price_nums.append(price.numerator * (self.denominator // price.denominator))

    # pricing -------------------------------------------------------------------------
    def _price(self, j: int) -> tuple[float, Fraction | None, np.ndarray, Fraction | None]:
        """Price per unit weight (float, exact) for project j, the poor mask over its
        supporters and (exact runs) their exact money; (inf, None, ...) if unaffordable."""
        p = self.p
        groups = p.members[j]
        cost = p.costs[j]
        money = self.money[groups]
        count = p.count_of[j]
        total = float(count @ money)
        empty = np.zeros(0, dtype=bool)
        if not self.exact:
            if abs(total - cost) <= _FLOAT_MARGIN * cost:
                raise _Inexact
            if total < cost:
                return math.inf, None, empty, None
        ratio = money if p.unit[j] else money / p.weight_f[j]
        cw = p.count_weight_f[j]
        poor = np.zeros(len(groups), dtype=bool)
        while True:
            rich_weight = cw[~poor].sum()
            if rich_weight == 0:
                poor = ratio < ratio.max()
                price = float(ratio.max())
                break
            price = (cost - float(count[poor] @ money[poor])) / rich_weight
            newly = ~poor & (ratio < price)
            if not newly.any():
                break
            poor |= newly
        if not self.exact:
            # Nobody short of money, clearly: the price is exactly cost / total weight, which
            # lets a float run settle exact ties such as equal vote counts in round one.
            clear = not poor.any() and ratio.min() > price * (1 + _FLOAT_MARGIN)
            exact = Fraction(cost, p.total_weight[j]) if clear else None
            return price, exact, poor, None
        exact_total = Fraction(self._exact_money(groups, np.ones((1, len(groups)), np.int64))[0])
        exact_total /= self.denominator
        if exact_total < cost:
            return math.inf, None, empty, exact_total
        exact_price, poor = self._exact_price(j, ratio, poor)
        return float(exact_price), exact_price, poor, exact_total

    def _exact_price(self, j: int, ratio: np.ndarray, poor: np.ndarray):
        """The exact price for project j, starting from the float poor/rich split and moving
        any group whose side is decided differently by exact arithmetic (only groups within
        ``_EXACT_WINDOW`` of the boundary are checked exactly; the others are far beyond
        float error)."""
        p = self.p
        groups, weight = p.members[j], p.weight[j]
        while True:
            rich = ~poor
            if not rich.any():
                rich = ratio == ratio.max()
                poor = ~rich
            poor_money = self._exact_money(groups, poor[np.newaxis].astype(np.int64))[0]
            rich_weight = int(p.count_weight[j][rich].sum())
            price = Fraction(p.costs[j] * self.denominator - poor_money)
            price /= self.denominator * rich_weight
            price_f = float(price)
            near = np.abs(ratio - price_f) <= _EXACT_WINDOW * (self.share_f + price_f)
            decided = ratio < price_f
            if near.any():
                idx = np.flatnonzero(near)
                budgets = self._exact_budgets(groups[idx])
                for i, budget in zip(idx.tolist(), budgets, strict=True):
                    decided[i] = Fraction(budget, self.denominator) < price * int(weight[i])
            if (decided == poor).all():
                return price, poor
            poor = decided

    # the rounds ----------------------------------------------------------------------
    def _drop_unaffordable(self, remaining: list[int]) -> None:
        """Exact runs only: drop every project its supporters can no longer pay for, noting
        when and with how much money, for the explanation (no effect on the winners)."""
        p = self.p
        for j in list(remaining):
            groups = p.members[j]
            total = float(p.count_of[j] @ self.money[groups])
            if total > p.costs[j] + _EXACT_WINDOW * self.share_f * p.votes[j]:
                continue
            rows = np.ones((1, len(groups)), np.int64)
            exact_total = Fraction(self._exact_money(groups, rows)[0], self.denominator)
            if exact_total < p.costs[j]:
                remaining.remove(j)
                self.dropped[j] = (len(self.selected) + 1, exact_total)

    def _run(self) -> None:
        p = self.p
        remaining = list(p.candidates)
        bound = {j: 1 / p.total_weight[j] for j in remaining}
        margin = 1e-12 if self.exact else _FLOAT_MARGIN
        while remaining:
            if self.exact:
                self._drop_unaffordable(remaining)
            remaining.sort(key=lambda j: bound[j])
            best = None
            tied: list[int] = []
            for j in list(remaining):
                if best is not None and bound[j] > best[0] * (1 + margin):
                    break
                price_f, price, poor, total = self._price(j)
                if price_f == math.inf:
                    remaining.remove(j)
                    if self.exact:
                        self.dropped[j] = (len(self.selected) + 1, total)
                    continue
                rho_f = price_f / p.costs[j]
                bound[j] = rho_f
                candidate = (rho_f, j, price_f, price, poor, total)
                if best is None:
                    best = candidate
                    continue
                if not self.exact and abs(rho_f - best[0]) > _FLOAT_MARGIN * best[0]:
                    if rho_f < best[0]:
                        best = candidate
                    continue
                if price is None or best[3] is None:
                    raise _Inexact  # a float run with a near-tie it cannot settle exactly
                rho, best_rho = price / p.costs[j], best[3] / p.costs[best[1]]
                if rho < best_rho:
                    best, tied = candidate, []
                elif rho == best_rho:
                    if p.tie_rank[j] < p.tie_rank[best[1]]:
                        tied.append(best[1])
                        best = candidate
                    else:
                        tied.append(j)
            if best is None:
                return
            self._fund(best, tied)
            remaining.remove(best[1])

    def _fund(self, best: tuple, tied: list[int]) -> None:
        _, j, price_f, price, poor, total = best
        p = self.p
        groups = p.members[j]
        rich = ~poor
        money = self.money[groups]
        paid = np.where(poor, money, price_f * p.weight_f[j])
        self.money[groups] = np.where(poor, 0.0, np.maximum(money - paid, 0.0))
        self.selected.append(j)
        if not self.exact:
            return
        if self.paid.shape[1] == len(self.price_nums):
            self.paid = np.concatenate([self.paid, np.zeros_like(self.paid)], axis=1)
        self.alive[groups[poor]] = 0
        self.paid[groups[rich], len(self.price_nums)] = p.weight[j][rich]
        self._record_price(price)
        self.rounds[j] = _Round(
            len(self.selected), total, price / p.costs[j], price, tuple(sorted(set(tied)))
        )


def _run(problem: _MesProblem, share: Fraction) -> _MesRun:
    """A float run, redone exactly if any of its decisions was too close to call."""
    try:
        return _MesRun(problem, share, exact=False)
    except _Inexact:
        return _MesRun(problem, share, exact=True)


def _mes_add1(problem: _MesProblem) -> Outcome:
    """MES with Add1 completion, as Assen 2024, Świecie and Wieliczka ran it: start from
    share = budget / voters; add one unit of currency to every voter's share and rerun while
    the outcome still fits the real budget; keep the last outcome that fits.

    This is a plain linear loop on the increment. The outcome's cost is not monotone in the
    share (a larger share can fund an expensive project early that crowds out cheaper ones),
    so a binary search could jump past the first increment that overspends and return a
    different outcome; the loop is kept and made cheap instead: the per-instance work is done
    once (:class:`_MesProblem`), each rerun is a float run (about 8 ms on Łódź 2022), and the
    two runs that decide the answer (the last that fits and the first that does not) are
    redone exactly. Runs with a near-tie are redone exactly as they happen.

    If every supported project fits the budget, the loop would never overspend; the outcome
    is then all of them, computed from a share large enough to pay for everything.
    """
    budget = problem.instance.budget
    base = problem.base_share
    if problem.num_voters == 0:
        return problem.outcome("mes-add1", _MesRun(problem, base, exact=True), 0)
    everything = sum(problem.costs[j] for j in problem.candidates + problem.free)
    if everything <= budget:
        increment = max(0, math.ceil(everything - base))
        run = _MesRun(problem, base + increment, exact=True)
        return problem.outcome("mes-add1", run, increment)
    increment = 0
    while True:
        run = _run(problem, base + increment + 1)
        if run.cost > budget:
            if not run.exact:
                run = _MesRun(problem, base + increment + 1, exact=True)
            if run.cost > budget:
                break
        increment += 1
    final = _MesRun(problem, base + increment, exact=True)
    if final.cost > budget:  # a float run misjudged an earlier step: redo it all exactly
        increment = 0
        while _MesRun(problem, base + increment + 1, exact=True).cost <= budget:
            increment += 1
        final = _MesRun(problem, base + increment, exact=True)
    return problem.outcome("mes-add1", final, increment)
