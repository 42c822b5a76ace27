"""The rules a community-budget ballot must follow, checked the same way for the live
running total (htmx) and for the final submission. No database; the messages go through
gettext (`civic.i18n`, imported when a ballot is checked, so that `rules`, which uses this
module's money helpers, stays free of Flask); outside a request it gives English."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

MINOR_PER_UNIT = 100  # pence in a pound, cents in a euro, grosze in a złoty


def money(minor: int, currency: str = "GBP") -> str:
    symbol = {"GBP": "£", "EUR": "€", "USD": "$"}.get(currency)
    units, pence = divmod(abs(minor), MINOR_PER_UNIT)
    text = f"{units:,}" if not pence else f"{units:,}.{pence:02d}"
    sign = "-" if minor < 0 else ""
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency}"


@dataclass(frozen=True)
class BallotRules:
    kind: str  # approval | k_of_n | cumulative | ranked
    budget: int  # minor units
    currency: str = "GBP"
    min_projects: int | None = None
    max_projects: int | None = None
    points: int | None = None
    max_points_per_project: int | None = None


@dataclass
class Check:
    """What the voter chose, the running totals, and every rule the choice breaks."""

    chosen: list[tuple[int, int]]  # (project id, points), in ballot order
    total_cost: int = 0
    points_used: int = 0
    errors: list[str] = field(default_factory=list)
    # the errors about one project's points, by project id (also listed in `errors`)
    project_errors: dict[int, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def check(
    rules: BallotRules,
    costs: Mapping[int, int],
    choice: Sequence[tuple[int, int]],
    titles: Mapping[int, str] | None = None,
) -> Check:
    """Check a ballot: `choice` lists (project id, points) in order; points are 1 except for
    cumulative ballots. Unknown projects and repeats are errors, never silently dropped.
    `titles` names projects in the errors about one project's points."""
    from civic.i18n import _, ngettext

    result = Check(chosen=list(choice))
    seen: set[int] = set()
    for project_id, points in choice:
        if project_id not in costs:
            result.errors.append(_("One of your choices is not on this ballot: choose again"))
            continue
        if project_id in seen:
            result.errors.append(_("Choose each project only once"))
            continue
        seen.add(project_id)
        result.total_cost += costs[project_id]
        result.points_used += points
    count = len(seen)
    if count == 0:
        result.errors.append(_("Choose at least one project"))
    if rules.min_projects and 0 < count < rules.min_projects:
        result.errors.append(
            ngettext(
                "Choose at least %(num)s project; you chose %(count)s",
                "Choose at least %(num)s projects; you chose %(count)s",
                rules.min_projects,
                count=count,
            )
        )
    limited = rules.kind in ("approval", "k_of_n", "ranked") and rules.max_projects
    if limited and count > rules.max_projects:
        if rules.kind == "ranked":
            too_many = ngettext(
                "Rank at most %(num)s project; you chose %(count)s",
                "Rank at most %(num)s projects; you chose %(count)s",
                rules.max_projects,
                count=count,
            )
        else:
            too_many = ngettext(
                "Choose at most %(num)s project; you chose %(count)s",
                "Choose at most %(num)s projects; you chose %(count)s",
                rules.max_projects,
                count=count,
            )
        result.errors.append(too_many)
    if rules.kind == "approval" and result.total_cost > rules.budget:
        over = result.total_cost - rules.budget
        result.errors.append(
            _(
                "Your projects cost %(cost)s, %(over)s more than the budget of %(budget)s: "
                "remove a project",
                cost=money(result.total_cost, rules.currency),
                over=money(over, rules.currency),
                budget=money(rules.budget, rules.currency),
            )
        )
    if rules.kind == "cumulative":
        cap = rules.max_points_per_project
        for project_id, points in choice:
            name = (titles or {}).get(project_id) or _("A project")
            if points < 0:
                result.project_errors[project_id] = _(
                    "%(name)s: points cannot be negative", name=name
                )
            elif cap and points > cap:
                result.project_errors[project_id] = ngettext(
                    "%(name)s can get at most %(num)s point",
                    "%(name)s can get at most %(num)s points",
                    cap,
                    name=name,
                )
        result.errors.extend(result.project_errors.values())
        if rules.points and result.points_used > rules.points:
            result.errors.append(
                ngettext(
                    "You can share out %(num)s point; you used %(used)s",
                    "You can share out %(num)s points; you used %(used)s",
                    rules.points,
                    used=result.points_used,
                )
            )
    return result
