"""The results explanation in the reader's language (the view layer's half of `rules`).

`rules.describe` writes one plain-English sentence per project, which is frozen with the
results and published as is in results.csv / results.json. The results page shows that
sentence in English and, in another language, builds the same sentence through gettext
from the frozen figures (status, support, position, the supporters' money), so
`rules` stays free of Flask. Greedy's "with £x left" is recomputed from the selection order;
the Method of Equal Shares' per-point payment is not among the frozen figures, so the
translated sentence leaves it out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from civic.budgets.ballots import MINOR_PER_UNIT
from civic.i18n import _, current_language, format_money
from civic.i18n import lazy_gettext as _l

# rules.TIE_BREAKING's words, as the results page shows them
TIE_BREAKING = {
    "input order": _l("input order"),
    "lowest cost, then most votes, then input order": _l(
        "lowest cost, then most votes, then input order"
    ),
}


def tie_breaking(text: str) -> str:
    return str(TIE_BREAKING.get(text, text))


def _units(value: int | Fraction | str | None, currency: str) -> str:
    if value is None:
        return "-"
    return format_money(round(Fraction(value)) * MINOR_PER_UNIT, currency)


def remaining_before(figures: Sequence[Mapping[str, Any]], budget: int) -> dict[str, int]:
    """Greedy: whole units left when each project's turn came (budget and costs in minor
    units, as the round stores them; the rule counts whole units)."""
    left = budget // MINOR_PER_UNIT
    before: dict[str, int] = {}
    for figure in sorted(figures, key=lambda f: f.get("position") or 0):
        before[figure["id"]] = left
        if figure["selected"]:
            left -= figure["cost"] // MINOR_PER_UNIT
    return before


def explanation(
    figure: Mapping[str, Any], rule: str, currency: str, left: Mapping[str, int]
) -> str:
    """The sentence about one project: the frozen English one, or the same in the reader's
    language."""
    if current_language() == "en":
        return figure["explanation"]
    status, score, votes = figure["status"], figure.get("score"), figure.get("votes")
    cost = _units(figure["cost"] // MINOR_PER_UNIT, currency)
    if rule.startswith("greedy"):
        remaining = _units(left.get(figure["id"]), currency)
        sentences = {
            "selected": _l(
                "Funded: %(score)s in support, cost %(cost)s with %(left)s left.",
            ),
            "did-not-fit": _l(
                "Not funded: %(score)s in support, but cost %(cost)s with %(left)s left."
            ),
            "stopped": _l(
                "Not funded: %(score)s in support, but cost %(cost)s with %(left)s left; "
                "the count stops here."
            ),
            "not-reached": _l("Not funded: %(score)s in support; the count stopped earlier."),
            "below-threshold": _l("Not funded: %(score)s in support is below the threshold."),
        }
        if status not in sentences:
            return figure["explanation"]
        return str(sentences[status]) % {"score": score, "cost": cost, "left": remaining}
    money = _units(figure.get("supporters_money"), currency)
    if status == "selected":
        if not figure["cost"]:
            return _("Funded: it costs nothing.")
        return _(
            "Funded in round %(round)s: its %(votes)s supporters had %(money)s left for a "
            "cost of %(cost)s.",
            round=figure.get("position"),
            votes=votes,
            money=money,
            cost=cost,
        )
    if status == "no-support":
        return _("Not funded: no voter supported it.")
    return _(
        "Not funded: from round %(round)s its %(votes)s supporters had only %(money)s left, "
        "less than its cost of %(cost)s.",
        round=figure.get("position"),
        votes=votes,
        money=money,
        cost=cost,
    )


def note(text: str) -> str:
    """A rule's note ("threshold 40") in the reader's language."""
    if current_language() != "en" and text.startswith("threshold "):
        return _("threshold %(num)s", num=text.removeprefix("threshold "))
    return text
