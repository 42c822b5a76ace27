"""Layout fixes from the first-hour walk (issue 12), measured in Chromium: the options
appraisal fits at 1280 px and reflows at 320 px without the page scrolling sideways (WCAG
1.4.10), and the scale question keeps its five points on one line at desktop width."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    OPEN_CONSULTATION,
    VOTER,
    VOTING_PROPOSAL,
    LiveSite,
    OpenPage,
)
from tests.browser.test_foundation_browser import assert_accessible

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 320, "height": 640}


def page_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than its window (0: no sideways scroll)."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def overflow_of(page: Page, selector: str) -> int:
    return page.locator(selector).evaluate("el => el.scrollWidth - el.clientWidth")


# the demo's leisure-centre appraisal (seeds/demo.py): four options, long provider names,
# costs in the millions, the widest content the table is meant for
DEMO_ROWS = [  # with the carbon score before the weighted total
    ("In-house (the council)", "Riverside leisure team", "£1,180,000", 70, 72, 85, 80, "75.8"),
    (
        "Co-operative or mutual",
        "Riverside Community Leisure (staff mutual)",
        "£1,050,000",
        78,
        70,
        82,
        70,
        "75.3",
    ),
    ("Social enterprise or charity", "Active North Trust", "£1,110,000", 80, 68, 70, 65, "72.2"),
    ("Private company", "FitLeisure Ltd", "£960,000", 90, 60, 35, 35, "58.8"),
]


def fill_with_demo_rows(page: Page) -> None:
    """Put the demo's four rows in the table in place of the fixture's two short ones."""
    page.locator(".civic-options-table tbody").evaluate(
        """(body, rows) => {
            const template = body.rows[0];
            body.replaceChildren(...rows.map(values => {
                const row = template.cloneNode(true);
                const [kind, provider, ...figures] = values;
                row.cells[0].firstChild.textContent = kind;
                row.cells[0].querySelector("span").textContent = provider;
                figures.forEach((value, n) => { row.cells[n + 1].textContent = value; });
                return row;
            }));
        }""",
        [[str(v) for v in row] for row in DEMO_ROWS],
    )


def test_the_options_table_fits_at_1280_and_reflows_at_320(
    open_page: OpenPage, live_site: LiveSite
) -> None:
    page = open_page()
    page.set_viewport_size(DESKTOP)
    page.goto(f"/votes/{live_site.proposals[VOTING_PROPOSAL]}")
    region = page.get_by_role("region", name="Options appraisal")
    expect(region).to_be_visible()
    fill_with_demo_rows(page)
    assert page_overflow(page) <= 0
    # at desktop width the whole table is in view: no scrolling inside its region either
    assert overflow_of(page, ".civic-table-scroll") <= 0

    page.set_viewport_size(PHONE)
    page.reload()
    expect(region).to_be_visible()
    fill_with_demo_rows(page)

    assert page_overflow(page) <= 0, "the page scrolls sideways at 320 px"
    # the table either fits or scrolls inside its own labelled, focusable region
    assert region.get_attribute("tabindex") == "0"
    region.focus()
    expect(region).to_be_focused()
    assert_accessible(page, "the options appraisal at 320 px")


def test_the_scale_question_keeps_its_points_on_one_line(
    open_page: OpenPage, live_site: LiveSite
) -> None:
    page = open_page(VOTER)
    page.set_viewport_size(DESKTOP)
    page.goto(f"/consultations/{live_site.consultations[OPEN_CONSULTATION]}/respond")
    scale = page.locator(".civic-scale")
    expect(scale).to_have_count(1)
    points = scale.locator(".govuk-radios__item")
    expect(points).to_have_count(5)
    tops = {round(box["y"]) for box in (p.bounding_box() for p in points.all()) if box}
    assert len(tops) == 1, f"the scale's points sit on {len(tops)} lines at 1280 px"
    # what each end means stays with the points, for sight and for screen readers
    expect(page.get_by_label("1 (very poor)")).to_have_count(1)
    expect(page.get_by_label("5 (very good)")).to_have_count(1)
    assert_accessible(page, "the scale question at 1280 px")

    page.set_viewport_size(PHONE)
    page.reload()
    assert page_overflow(page) <= 0, "the page scrolls sideways at 320 px"
    for point in points.all():  # wrapped, every point still whole and inside the page
        box = point.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
