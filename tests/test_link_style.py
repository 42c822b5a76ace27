"""Every link on the main journeys' pages uses the design system's link style (issue 12):
`govuk-link`, or a component's own link class (`govuk-header__link`, `govuk-button`, ...).
Error-summary links are exempt: GOV.UK Frontend styles them through the summary itself."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from civic.discussions import services as discussions
from tests.conftest import login
from tests.world import ELIGIBLE, MODERATOR, build_world


class _Links(HTMLParser):
    """Collects <a> tags that have no govuk- class, outside an error summary's list."""

    def __init__(self) -> None:
        super().__init__()
        self.unstyled: list[str] = []
        self._stack: list[bool] = []  # per open element: is it an error summary list?

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "a":
            in_summary = any(self._stack)
            if not in_summary and not any(c.startswith("govuk-") for c in classes):
                self.unstyled.append(self.get_starttag_text() or "")
            return
        if tag not in {"br", "img", "input", "meta", "link", "hr", "source", "wbr"}:
            self._stack.append("govuk-error-summary__list" in classes)

    def handle_endtag(self, tag: str) -> None:
        if tag != "a" and self._stack:
            self._stack.pop()


def _unstyled(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.unstyled


@pytest.fixture
def world():
    built = build_world()
    v = built.values
    # a resident's own link in a comment: the sanitiser gives it the link style too
    discussions.post_comment(
        built.users[ELIGIBLE], "area", v["area"], "See [the plan](https://example.org/plan)"
    )
    return built


def _pages(v: dict) -> list[str]:
    return [
        "/",
        "/budgets",
        f"/budgets/{v['voting_round']}",
        f"/budgets/{v['voting_round']}/ballot",
        f"/budgets/{v['voting_round']}/ballot/withdraw",
        f"/budgets/{v['results_round']}",
        f"/budgets/{v['results_round']}/results",
        f"/budgets/{v['voting_round']}/projects/{v['project_id']}",
        "/votes",
        f"/votes/{v['proposal_id']}",
        f"/votes/{v['proposal_id']}/vote",
        "/consultations",
        f"/consultations/{v['consultation_id']}",
        f"/consultations/{v['consultation_id']}/respond",
        f"/discussions/area/{v['area']}",
        "/receipts",
        "/audit",
    ]


@pytest.mark.parametrize("who", [ELIGIBLE, MODERATOR])
def test_main_journeys_use_the_design_systems_link_style(client, world, who):
    login(client, world.users[who])
    found = {}
    for url in _pages(world.values):
        response = client.get(url)
        assert response.status_code in (200, 403, 404), (url, response.status_code)
        if bad := _unstyled(response.get_data(as_text=True)):
            found[url] = bad
    assert found == {}


def test_the_scan_finds_a_bare_link():
    page = (
        '<ul class="govuk-error-summary__list"><li><a href="#x">ok</a></li></ul><a href="/">no</a>'
    )
    assert _unstyled(page) == ['<a href="/">']
