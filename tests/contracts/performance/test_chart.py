"""The SVG chart: well-formed, accessible, one mark per reported value, shapes by outcome."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from civic.contracts.performance import chart

NS = {"svg": "http://www.w3.org/2000/svg"}


def _points() -> list[chart.Point]:
    return [
        chart.Point("Q1 25-26", 960, "met", "Q1: 96.0%, target met"),
        chart.Point("Q2 25-26", 900, "missed", "Q2: 90.0%, target missed"),
        chart.Point("Q3 25-26", None, "overdue", "Q3: no value, not reported (overdue)"),
        chart.Point("Q4 25-26", 950, "met", "Q4: 95.0%, target met"),
    ]


def _build(points=None, title="Meals <&> “standards”") -> ET.Element:
    svg = chart.build_svg(
        "kpi-chart-7",
        title,
        "Higher is better; target 95.0%.",
        _points() if points is None else points,
        950,
        "95.0%",
        lambda scaled: f"{scaled / 10:.1f}%",
    )
    return ET.fromstring(svg)  # noqa: S314  (our own output; raises unless well-formed)


def test_the_chart_is_an_image_named_by_its_title_and_description() -> None:
    root = _build()
    assert root.get("role") == "img"
    title = root.find("svg:title", NS)
    desc = root.find("svg:desc", NS)
    assert title is not None and desc is not None
    assert title.text == "Meals <&> “standards”"  # escaped in the XML, intact when read
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"


def test_one_mark_per_reported_value_with_its_own_words() -> None:
    root = _build()
    marks = root.findall("svg:g", NS)
    assert len(marks) == 3  # the unreported quarter has no mark
    assert [m.get("class") for m in marks] == ["mark met", "mark missed", "mark met"]
    assert [m.find("svg:title", NS).text for m in marks] == [
        "Q1: 96.0%, target met",
        "Q2: 90.0%, target missed",
        "Q4: 95.0%, target met",
    ]


def test_met_and_missed_differ_in_shape_not_only_colour() -> None:
    met, missed, _ = _build().findall("svg:g", NS)
    assert met.find("svg:circle", NS) is not None and met.find("svg:path", NS) is None
    assert missed.find("svg:path", NS) is not None and missed.find("svg:circle", NS) is None


def test_an_unreported_period_is_written_under_its_label() -> None:
    texts = [t.text for t in _build().iter("{http://www.w3.org/2000/svg}text")]
    assert "not reported" in texts
    assert "target 95.0% (dashed line)" in texts
    assert "88.0%" in texts and "98.0%" in texts  # the axis ends: round numbers
    assert "met (circle)" in texts and "missed (cross)" in texts


def test_higher_values_are_drawn_higher() -> None:
    met_high, missed_low, _ = _build().findall("svg:g", NS)
    y_high = float(met_high.find("svg:circle", NS).get("cy"))
    # the cross' first move is to (x - 6, y - 6)
    y_low = float(missed_low.find("svg:path", NS).get("d").split()[1]) + 6
    assert y_high < y_low


def test_an_empty_chart_is_still_well_formed() -> None:
    root = _build(points=[])
    assert root.findall("svg:g", NS) == []


def test_the_value_axis_is_round_and_never_below_zero() -> None:
    assert chart.value_range([927, 965, 950]) == (910, 980)
    assert chart.value_range([112, 131, 120]) == (100, 140)
    assert chart.value_range([0, 3]) == (0, 4)
    assert chart.value_range([5, 5]) == (4, 6)
    assert chart.value_range([1000, 1000]) == (900, 1100)
