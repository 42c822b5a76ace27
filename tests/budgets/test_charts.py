"""The results chart's labels fit beside the bars (the table holds the full titles)."""

from __future__ import annotations

from civic.budgets.charts import LABEL_CHARS, results_bars


def project(title: str, votes: int, selected: bool = True) -> dict:
    return {"title": title, "score": None, "votes": votes, "selected": selected}


def test_long_titles_are_shortened_to_fit_and_short_ones_kept() -> None:
    chart = results_bars(
        [project("Wildflower meadow on the east slope", 6), project("Benches", 8, False)]
    )
    long_label, short_label = (bar.label for bar in chart.bars)
    assert len(long_label) <= LABEL_CHARS
    assert long_label == "Wildflower meadow on the ea…"
    assert short_label == "Benches"
    assert [bar.selected for bar in chart.bars] == [True, False]
    assert chart.bars[1].width > chart.bars[0].width  # 8 votes draw a longer bar than 6
