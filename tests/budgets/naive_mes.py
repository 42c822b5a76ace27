"""A deliberately naive Method of Equal Shares, one voter at a time, for the tests: a few
lines that follow equalshares.net's definition directly, so it shares nothing with the
vectorised implementation. With ``num=Fraction`` it is exact; with ``num=float`` it shows
what plain floats get wrong."""

from __future__ import annotations

from fractions import Fraction


def naive_mes(costs, ballots, share, num=Fraction):
    """Winners in order. ``costs``: id -> cost in input order; ``ballots``: one dict per
    voter, id -> weight (1 for approval, points for cumulative); utility = weight x cost.
    Ties: lowest price, then lowest cost, most votes, input order."""
    order = list(costs)
    votes = {p: sum(1 for b in ballots if b.get(p, 0) > 0) for p in order}
    money = [num(share) for _ in ballots]
    left = [p for p in order if costs[p] > 0 and votes[p] > 0]
    chosen = [p for p in order if costs[p] == 0 and votes[p] > 0]
    while True:
        best = None
        for p in list(left):
            sup = [i for i, b in enumerate(ballots) if b.get(p, 0) > 0]
            if sum(money[i] for i in sup) < costs[p]:
                left.remove(p)
                continue
            # utilities: weight * cost; find rho with sum min(money, rho*u) = cost
            util = {i: ballots[i][p] * costs[p] for i in sup}
            srt = sorted(sup, key=lambda i: money[i] / util[i])
            paid = num(0)
            rest = sum(util[i] for i in srt)
            for i in srt:
                rho = (costs[p] - paid) / num(rest)
                if money[i] >= rho * util[i]:
                    break
                paid += money[i]
                rest -= util[i]
            key = (rho, costs[p], -votes[p], order.index(p))
            if best is None or key < best[0]:
                best = (key, p, rho, util)
        if best is None:
            return chosen
        _, p, rho, util = best
        chosen.append(p)
        left.remove(p)
        for i in util:
            money[i] -= min(money[i], rho * util[i])


def naive_mes_add1(costs, ballots, budget):
    """MES-Add1 as a plain loop: add 1 to every share while the outcome fits the budget."""
    share = Fraction(budget, len(ballots))
    outcome = naive_mes(costs, ballots, share)
    while True:
        share += 1
        bigger = naive_mes(costs, ballots, share)
        if sum(costs[p] for p in bigger) > budget:
            return outcome
        outcome = bigger
