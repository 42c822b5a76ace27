"""A KPI's periods as a server-rendered SVG chart: pure Python, no Flask, no JavaScript.

Built with ElementTree, so every label is escaped and the result is well-formed XML. The
chart is an image with a title and a description (role="img", aria-labelledby); the same
figures are in the data table the page puts beside it. Met and missed differ in shape (a
filled circle, a cross) and in each mark's own title, not by colour alone, and a legend
says which is which; an unreported period is written under its label.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.etree import ElementTree as ET

from civic.i18n import _

WIDTH = 640
HEIGHT = 280
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 36, 64
MET_COLOUR = "#00703c"  # GOV.UK green
MISSED_COLOUR = "#d4351c"  # GOV.UK red
INK = "#0b0c0c"
GRID = "#b1b4b6"


@dataclass(frozen=True)
class Point:
    label: str  # the axis label ("Q1 25-26")
    value: int | None  # scaled by the KPI's decimals; None: not reported
    outcome: str  # "met", "missed", "overdue" or "awaited"
    text: str  # what the mark's title says: "Q1 2025-26: 92.5%, target met"


def _num(x: float) -> str:
    return f"{x:.1f}".removesuffix(".0")


def _text(
    parent: ET.Element, x: float, y: float, words: str, *, anchor: str = "start", size: int = 12
) -> ET.Element:
    """A line of text at (x, y); ElementTree escapes `words`."""
    element = ET.SubElement(
        parent,
        "text",
        {"x": _num(x), "y": _num(y), "text-anchor": anchor, "font-size": str(size)},
    )
    element.text = words
    return element


def build_svg(
    chart_id: str,
    title: str,
    description: str,
    points: Sequence[Point],
    target: int,
    target_text: str,
    fmt: Callable[[int], str],
) -> str:
    """The chart as an SVG string. `fmt` writes a scaled value with its unit ("92.5%")
    for the labels at the two ends of the value axis (see `value_range`)."""
    bottom_value, top_value = value_range(
        [target, *(p.value for p in points if p.value is not None)]
    )
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    svg = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "viewBox": f"0 0 {WIDTH} {HEIGHT}",
            "width": "100%",
            "role": "img",
            "aria-labelledby": f"{chart_id}-title {chart_id}-desc",
            "class": "kpi-chart",
            "id": chart_id,
        },
    )
    ET.SubElement(svg, "title", {"id": f"{chart_id}-title"}).text = title
    ET.SubElement(svg, "desc", {"id": f"{chart_id}-desc"}).text = description

    def y(value: int) -> float:
        return TOP + plot_h - plot_h * (value - bottom_value) / (top_value - bottom_value)

    # axes and the value axis' two end labels
    ET.SubElement(
        svg,
        "path",
        {
            "d": f"M{LEFT} {TOP} V{TOP + plot_h} H{LEFT + plot_w}",
            "stroke": INK,
            "fill": "none",
        },
    )
    for value in (bottom_value, top_value):
        _text(svg, LEFT - 6, y(value) + 4, fmt(value), anchor="end")
    # the target: a dashed line (the legend gives its value)
    _dashed(svg, LEFT, LEFT + plot_w, y(target)).set("class", "target")

    slot = plot_w / max(1, len(points))
    every = max(1, -(-len(points) * 70 // plot_w))  # thin the labels when they would collide
    for index, point in enumerate(points):
        cx = LEFT + slot * (index + 0.5)
        if index % every == 0 or point.value is None:
            _text(svg, cx, TOP + plot_h + 18, point.label, anchor="middle")
        if point.value is None:
            words = _("not reported") if point.outcome == "overdue" else _("not due")
            _text(svg, cx, TOP + plot_h + 34, words, anchor="middle", size=11)
            continue
        cy = y(point.value)
        group = ET.SubElement(svg, "g", {"class": f"mark {point.outcome}"})
        ET.SubElement(group, "title").text = point.text
        if point.outcome == "met":
            ET.SubElement(
                group,
                "circle",
                {"cx": _num(cx), "cy": _num(cy), "r": "6", "fill": MET_COLOUR},
            )
        else:
            _cross(group, cx, cy, 6)
    _legend(svg, target_text)
    return ET.tostring(svg, encoding="unicode")


def value_range(values: Sequence[int]) -> tuple[int, int]:
    """The value axis: from a round number below the lowest value (never below zero) to
    one above the highest, so differences near the target are visible. Integers only."""
    low, high = min(values), max(values)
    span = high - low or max(1, abs(high) // 10)
    pad = max(1, span // 4)
    step = 10 ** (len(str(span)) - 1)
    bottom = max(0, (low - pad) // step * step)
    top = -(-(high + pad) // step) * step
    return bottom, max(top, bottom + step)


def _cross(parent: ET.Element, cx: float, cy: float, arm: float) -> None:
    """The missed mark: an X, a shape that differs from the met circle without colour."""
    d = (
        f"M{_num(cx - arm)} {_num(cy - arm)} L{_num(cx + arm)} {_num(cy + arm)} "
        f"M{_num(cx - arm)} {_num(cy + arm)} L{_num(cx + arm)} {_num(cy - arm)}"
    )
    ET.SubElement(
        parent, "path", {"d": d, "stroke": MISSED_COLOUR, "stroke-width": "3", "fill": "none"}
    )


def _dashed(parent: ET.Element, x1: float, x2: float, y: float) -> ET.Element:
    return ET.SubElement(
        parent,
        "line",
        {
            "x1": _num(x1),
            "x2": _num(x2),
            "y1": _num(y),
            "y2": _num(y),
            "stroke": INK,
            "stroke-dasharray": "6 4",
        },
    )


def _legend(svg: ET.Element, target_text: str) -> None:
    y = 16
    ET.SubElement(
        svg, "circle", {"cx": str(LEFT + 6), "cy": str(y - 4), "r": "5", "fill": MET_COLOUR}
    )
    _text(svg, LEFT + 16, y, _("met (circle)"))
    _cross(svg, LEFT + 125, y - 4, 5)
    _text(svg, LEFT + 136, y, _("missed (cross)"))
    _dashed(svg, LEFT + 250, LEFT + 274, y - 4)
    _text(svg, LEFT + 280, y, _("target %(target)s (dashed line)", target=target_text))
