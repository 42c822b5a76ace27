"""Geometry for the server-rendered results chart (the template draws the SVG, so every
label is escaped by Jinja). A data table with the same figures sits beside it."""

from __future__ import annotations

from dataclasses import dataclass

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 260
CHART_WIDTH = 640


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    y: int
    width: int
    selected: bool


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    height: int
    width: int = CHART_WIDTH
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT


def results_bars(projects: list[dict], currency: str = "GBP") -> BarChart:
    """One bar per project: its support (points or votes), funded ones marked."""
    values = [int(p["score"] if p["score"] is not None else p["votes"]) for p in projects]
    top = max(values, default=0) or 1
    room = CHART_WIDTH - LABEL_WIDTH - 70
    bars = [
        Bar(
            label=p["title"] if len(p["title"]) <= 34 else p["title"][:33] + "…",
            value=value,
            y=n * (BAR_HEIGHT + GAP),
            width=max(1, round(room * value / top)),
            selected=bool(p["selected"]),
        )
        for n, (p, value) in enumerate(zip(projects, values, strict=True))
    ]
    return BarChart(bars=bars, height=max(1, len(bars)) * (BAR_HEIGHT + GAP))
