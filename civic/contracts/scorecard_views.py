"""The nine-principles scorecard, public: the page `/scorecard` and its JSON
`/api/v1/scorecard`, showing every figure registered with civic.contracts.scorecard under
its principle, each with a link to the records it was counted from.

Both URLs sit at the site's root rather than under /contracts (the scorecard covers votes
and consultations too), so they live on a blueprint of their own, registered with the app
when the contracts blueprint is (see `_register`): app.py stays as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, jsonify, request
from flask.blueprints import BlueprintSetupState

from civic.contracts import scorecard_figures  # noqa: F401  (registers this part's figures)
from civic.contracts.blueprint import bp as contracts_bp
from civic.contracts.scorecard import PRINCIPLES, Figure, Principle, registered
from civic.contracts.scorecard_figures import percent
from civic.i18n import in_language
from civic.web import render

bp = Blueprint("scorecard", __name__)


@contracts_bp.record_once
def _register(state: BlueprintSetupState) -> None:
    state.app.register_blueprint(bp)


@dataclass(frozen=True)
class Shown:
    key: str
    figure: Figure
    percent: int | None  # None: a plain count, or nothing counted yet

    @property
    def empty(self) -> bool:
        """A share with nothing to count: "no records yet", never 0%."""
        return self.figure.denominator is not None and self.figure.denominator == 0


def scorecard() -> list[tuple[Principle, list[Shown]]]:
    """Every principle in order with its figures, computed now from the database."""
    by_principle: dict[int, list[Shown]] = {p.number: [] for p in PRINCIPLES}
    for entry in registered():
        counted = entry.compute()
        share = percent(counted.numerator, counted.denominator) if counted.denominator else None
        by_principle[entry.principle].append(Shown(entry.key, counted, share))
    return [(p, by_principle[p.number]) for p in PRINCIPLES]


@bp.get("/scorecard")
def page() -> Any:
    return render("contracts/scorecard.html", principles=scorecard())


@bp.get("/api/v1/scorecard")
def api() -> Any:
    base = request.host_url.rstrip("/")
    with in_language("en"):  # data for programs: labels and notes always in English
        principles = scorecard()
        return jsonify(principles=_principles_json(principles, base))


def _principles_json(principles: list[tuple[Principle, list[Shown]]], base: str) -> list[Any]:
    return [
        {
            "number": principle.number,
            "title": str(principle.title),
            "figures": [
                {
                    "key": shown.key,
                    "label": str(shown.figure.label),
                    "numerator": shown.figure.numerator,
                    "denominator": shown.figure.denominator,
                    "percent": shown.percent,
                    "unit": "pence" if shown.figure.money else "records",
                    "note": str(shown.figure.note),
                    "records": base + shown.figure.link
                    if shown.figure.link.startswith("/")
                    else shown.figure.link,
                }
                for shown in figures
            ],
        }
        for principle, figures in principles
    ]
