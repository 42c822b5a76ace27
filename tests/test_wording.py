"""Counts in words, as the pages print them."""

from __future__ import annotations

from flask import Flask, render_template_string

from civic.wording import counted, plural


def test_one_takes_the_singular_and_every_other_count_the_plural() -> None:
    assert counted(1, "ballot") == "1 ballot"
    assert counted(0, "ballot") == "0 ballots"
    assert counted(2, "ballot") == "2 ballots"


def test_irregular_plurals_and_grouped_thousands() -> None:
    assert counted(1, "person", "people") == "1 person"
    assert counted(61668, "person", "people") == "61,668 people"
    assert plural(3, "reply", "replies") == "replies"


def test_templates_have_the_filters(app: Flask) -> None:
    with app.test_request_context():
        text = render_template_string('{{ 1|counted("vote") }}; {{ 5|plural("reply", "replies") }}')
    assert text == "1 vote; replies"
