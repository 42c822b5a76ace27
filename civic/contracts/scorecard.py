"""The nine-principles scorecard: how the council is doing on Our Services Our Say,
computed from Civic's own records.

Each part of the contracts domain (and votes, consultations) registers the figures it can
compute with `@figure(principle, key)`; the scorecard page shows every registered figure
under its principle and links to the records behind it. A figure is a count or a share
(numerator of denominator), never a hand-typed number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from civic.i18n import lazy_gettext as _l


@dataclass(frozen=True)
class Principle:
    number: int
    title: str  # a lazy string: in the reader's language when shown


# Our Services Our Say's principles, in the order the scorecard shows them.
PRINCIPLES: tuple[Principle, ...] = (
    Principle(1, _l("Contracts are public")),
    Principle(2, _l("Performance and finances are public")),
    Principle(3, _l("Information rights over providers")),
    Principle(4, _l("Consultation before outsourcing")),
    Principle(5, _l("A public vote before outsourcing")),
    Principle(6, _l("A right to recall")),
    Principle(7, _l("In-house is the default")),
    Principle(8, _l("Services in public hands")),
    Principle(9, _l("Social value counts")),
)


@dataclass(frozen=True)
class Figure:
    """One measured figure. `denominator` None: a plain count. `link` is the URL of the
    records the figure was counted from, so anyone can check it."""

    label: str
    numerator: int
    denominator: int | None
    link: str
    note: str = ""
    money: bool = False  # numerator and denominator are amounts in pence, not counts

    @property
    def share(self) -> float | None:
        if not self.denominator:
            return None
        return self.numerator / self.denominator


FigureFunction = Callable[[], Figure]


@dataclass(frozen=True)
class Registered:
    principle: int
    key: str
    compute: FigureFunction


_FIGURES: dict[str, Registered] = {}


def figure(principle: int, key: str) -> Callable[[FigureFunction], FigureFunction]:
    """Register a function (run inside an app context) that computes one figure."""
    if principle not in {p.number for p in PRINCIPLES}:
        raise ValueError(f"There is no principle {principle}.")

    def register(compute: FigureFunction) -> FigureFunction:
        _FIGURES[key] = Registered(principle, key, compute)
        return compute

    return register


def registered() -> list[Registered]:
    return sorted(_FIGURES.values(), key=lambda r: (r.principle, r.key))
