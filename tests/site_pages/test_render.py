"""`render_page`: administrators' Markdown with headings and tables, still sanitised."""

from __future__ import annotations

import re

from civic.markdown import render, render_page


def test_headings_and_tables_are_styled_and_a_title_is_never_a_second_h1():
    html = render_page("# Title\n\n## Section\n\n| Name | Use |\n| --- | --- |\n| a | b |")
    assert "<h1" not in html
    assert '<h2 class="govuk-heading-m">Title</h2>' in html
    # (the sanitiser does not keep attributes in one order)
    assert re.search(
        r'<th (?=[^>]*scope="col")(?=[^>]*class="govuk-table__header")[^>]*>Name<', html
    )
    assert '<td class="govuk-table__cell">a</td>' in html
    # residents' Markdown keeps its smaller allow-list: no headings, no tables
    assert "<h2" not in render("## Section") and "<table" not in render("| a |\n| - |\n| b |")


def test_scripts_handlers_and_unsafe_links_never_survive():
    html = render_page(
        '<script>alert(1)</script> <img src=x onerror="alert(2)">\n\n'
        "[x](javascript:alert(3)) [y](data:text/html,hi) [ok](https://www.gov.uk)"
    )
    assert "<script" not in html and "<img" not in html
    assert 'href="javascript' not in html and 'href="data:' not in html
    assert 'href="https://www.gov.uk"' in html and 'rel="noopener"' in html
