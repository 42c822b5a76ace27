"""pabutools (a dev dependency) as an independent reference for our rules.

pabutools parses the file itself (``parse_pabulib``), so the reference shares no code with
ours. Constructions:

- greedy by votes/points: pabutools' greedy ranks by total satisfaction / cost, so give it a
  satisfaction of cost (approval: ``Cost_Sat``) or points x cost (cumulative:
  :class:`CostPointsSat`); satisfaction / cost is then votes resp. points.
- MES: ``method_of_equal_shares`` with the same satisfaction (cost utilities).
- MES-Add1: ``exhaustion_by_budget_increase(..., exhaustive_stop=False, budget_step=n)``
  (pabutools' ``voter_budget_increment`` stops at the first exhaustive outcome instead).

Tie-breaking is passed in to match ours (greedy: file order; MES: lowest cost, most votes,
file order), so a difference in winners is a real difference, not a tie broken otherwise.
"""

from __future__ import annotations

from copy import deepcopy

from pabutools.election import (
    AbstractCardinalProfile,
    AbstractOrdinalProfile,
    Cost_Sat,
    parse_pabulib,
)
from pabutools.election.satisfaction.additivesatisfaction import AdditiveSatisfaction
from pabutools.rules import (
    exhaustion_by_budget_increase,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
)
from pabutools.tiebreaking import TieBreakingRule

REFERENCE_RULES = ("greedy", "mes", "mes-add1")


class CostPointsSat(AdditiveSatisfaction):
    """Satisfaction = points x cost (equalshares.net's utility for cumulative ballots)."""

    def __init__(self, instance, profile, ballot) -> None:
        super().__init__(
            instance,
            profile,
            ballot,
            lambda inst, prof, b, project, pre: b.get(project, 0) * project.cost,
        )


def borda_cost_sat(top: int) -> type[AdditiveSatisfaction]:
    """Satisfaction = Borda points (top for the first choice, one fewer each next) x cost."""

    class BordaCostSat(AdditiveSatisfaction):
        def __init__(self, instance, profile, ballot) -> None:
            super().__init__(
                instance,
                profile,
                ballot,
                lambda inst, prof, b, p, pre: (top - b.position(p)) * p.cost if p in b else 0,
            )

    return BordaCostSat


def load(path: str):
    """pabutools' (instance, multiprofile, greedy satisfaction, MES satisfaction, file order
    of project ids). Ordinal ballots: greedy by Borda points (top = META max_length), MES
    with approval of every ranked project, as ours."""
    instance, profile = parse_pabulib(str(path))
    order = [p.name for p in instance.project_meta]  # dict keys: projects in file order
    if isinstance(profile, AbstractCardinalProfile):
        greedy_sat = mes_sat = CostPointsSat
    elif isinstance(profile, AbstractOrdinalProfile):
        top = int(instance.meta.get("max_length") or max(len(b) for b in profile))
        greedy_sat, mes_sat = borda_cost_sat(top), Cost_Sat
    else:
        greedy_sat = mes_sat = Cost_Sat
    return instance, profile.as_multiprofile(), greedy_sat, mes_sat, order


def supported_cost(path: str) -> tuple[int, int]:
    """(total cost of projects someone supports, budget): if the first fits in the second,
    MES-Add1 never overspends and pabutools' Add1 loop would run to its bound."""
    instance, profile, _, _, _ = load(path)
    names = {p.name for ballot in profile for p in ballot}
    return sum(int(p.cost) for p in instance if p.name in names), int(instance.budget_limit)


def _mes_params(instance, profile, sat, order) -> dict:
    """MES keyword arguments: cost utilities and our tie-breaking (lowest cost, most votes,
    file order)."""
    position = {name: i for i, name in enumerate(order)}
    cardinal = isinstance(profile, AbstractCardinalProfile)
    votes = {p.name: 0 for p in instance}
    for ballot in profile:
        for p in ballot:
            if not cardinal or ballot[p] > 0:
                votes[p.name] += profile.multiplicity(ballot)
    mes_ties = TieBreakingRule(lambda inst, prof, p: (p.cost, -votes[p.name], position[p.name]))
    return {"sat_class": sat, "tie_breaking": mes_ties}


def winners(path: str, rule: str) -> set[str]:
    """pabutools' winners for ``rule`` (one of :data:`REFERENCE_RULES`)."""
    instance, profile, greedy_sat, sat, order = load(path)
    if rule == "greedy":
        position = {name: i for i, name in enumerate(order)}
        by_order = TieBreakingRule(lambda inst, prof, p: position[p.name])
        result = greedy_utilitarian_welfare(
            instance, profile, sat_class=greedy_sat, tie_breaking=by_order
        )
        return {p.name for p in result}
    params = _mes_params(instance, profile, sat, order)
    if rule == "mes":
        result = method_of_equal_shares(instance, profile, **params)
    elif rule == "mes-add1":
        result = exhaustion_by_budget_increase(
            instance,
            profile,
            method_of_equal_shares,
            rule_params=params,
            exhaustive_stop=False,
            budget_step=profile.num_ballots(),
        )
    else:
        raise ValueError(rule)
    return {p.name for p in result}


def mes_step(path: str, increment: int) -> tuple[set[str], int, int]:
    """One step of pabutools' Add1 loop: MES with the budget limit raised by ``increment``
    x voters (every voter's share raised by ``increment`` units). Returns the winners, their
    cost and the real budget.

    Where pabutools' whole Add1 loop takes too long (hundreds of MES runs on a large file),
    the two steps that decide its answer can still be checked: at our final increment k
    pabutools' MES picks our winners within the budget, and at k + 1 it overspends."""
    instance, profile, _, sat, order = load(path)
    budget = int(instance.budget_limit)
    params = _mes_params(instance, profile, sat, order)
    raised = deepcopy(instance)
    raised.budget_limit = instance.budget_limit + increment * profile.num_ballots()
    result = method_of_equal_shares(raised, profile, **params)
    return {p.name for p in result}, sum(int(p.cost) for p in result), budget
