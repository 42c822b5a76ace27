"""A member votes in a group election in a real browser, with JavaScript on and off (issue
15): the ballot forgotten first (the error summary links to the candidates), then cast,
and the receipt shown. Anyone reads the election and the group page. axe-core finds no
violations on any page (of any impact).

The election is made here, through the services, in the live site's database (a second
app on the same SQLite file), so the shared fixture needs no change.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.conftest import MODERATOR, PASSWORD, LiveSite, OpenPage, PageProblems, Person
from tests.browser.test_foundation_browser import assert_clean_console, error_summary_targets

pytestmark = pytest.mark.browser

GROUP = "Woodhouse allotment society"
SLUG = "woodhouse-allotments"
CANDIDATES = (
    Person("cand.one@example.org", "Carys Candidate"),
    Person("cand.two@example.org", "Dev Candidate"),
)
VOTER_JS = Person("ballot.js@example.org", "Jo Scripted")
VOTER_PLAIN = Person("ballot.plain@example.org", "Pat Plain")
_axe = Axe()


def assert_no_violations(page: Page, where: str, *, scripted: bool = True) -> None:
    """axe-core: no violations at all (not only serious ones). axe runs as a script in the
    page, so a page with JavaScript off is not checked (the same HTML is, with it on)."""
    if not scripted:
        return
    violations = _axe.run(page).response["violations"]
    details = "; ".join(f"{v['id']} ({v['impact']}): {v['help']}" for v in violations)
    assert not violations, f"axe on {where} ({page.url}): {details}"


@pytest.fixture(scope="module")
def election_path(live_site: LiveSite) -> str:
    """A group with an organiser, two candidates and two voters, voting open."""
    from civic import create_app
    from civic.accounts import services
    from civic.accounts.models import Area, GroupRole, Role
    from civic.clock import utcnow
    from civic.extensions import db
    from civic.groups import elections

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{live_site.database}"})
    with app.app_context():
        moderator = services.find_user_by_email(MODERATOR.email)
        area = db.session.scalar(db.select(Area).where(Area.slug == "hyde-park"))
        group = services.create_group(moderator, area=area, name=GROUP, slug=SLUG, description="")
        people = {}
        for person in (*CANDIDATES, VOTER_JS, VOTER_PLAIN):
            user = services.create_user(None, person.email, person.name, PASSWORD, Role.RESIDENT)
            membership = services.add_member(moderator, group, user, GroupRole.MEMBER)
            membership.joined_at = utcnow() - timedelta(days=2)
            people[person.email] = user
        election = elections.call_election(
            moderator,
            group,
            seats=1,
            term_months=12,
            opens_at=utcnow() + timedelta(days=1),
            closes_at=utcnow() + timedelta(days=8),
        )
        for person in CANDIDATES:
            elections.stand(people[person.email], election, f"{person.name} will open the shed.")
        election.voting_opens_at = utcnow() - timedelta(hours=1)  # nominations have closed
        path = f"/groups/{SLUG}/elections/{election.id}"
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return path


def test_anyone_reads_the_election_and_the_group_page(
    open_page: OpenPage, election_path: str, problems: PageProblems
) -> None:
    page = open_page()
    page.goto(f"/accounts/groups/{SLUG}")
    expect(page.get_by_role("heading", name="Elections of organisers")).to_be_visible()
    assert_no_violations(page, "the group page with its elections")
    page.get_by_role("link", name="Election of 1 organiser").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Election of 1 organiser")
    expect(page.locator("#stage")).to_have_text("Voting open")
    expect(page.get_by_role("main")).to_contain_text("Carys Candidate will open the shed.")
    expect(page.get_by_role("main").get_by_role("link", name="Sign in")).to_be_visible()
    assert_no_violations(page, "the election, signed out")
    assert_clean_console(page, problems, "the election page")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_member_votes_in_a_group_election(
    open_page: OpenPage, election_path: str, problems: PageProblems, javascript: bool
) -> None:
    voter = VOTER_JS if javascript else VOTER_PLAIN
    page = open_page(voter, javascript=javascript)
    page.goto(election_path)
    expect(page.get_by_role("heading", name="Your secret ballot")).to_be_visible()
    assert_no_violations(page, "the ballot", scripted=javascript)
    # forgot to choose: the error summary links to the candidates, the page keeps working
    page.get_by_role("button", name="Cast my secret ballot").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert error_summary_targets(page) == {"Choose at least one candidate": "candidates"}
    assert_no_violations(page, "the ballot with an error", scripted=javascript)
    page.get_by_label("Dev Candidate").check()
    page.get_by_role("button", name="Cast my secret ballot").click()
    main = page.get_by_role("main")
    expect(main).to_contain_text("Your secret ballot is cast. Your receipt is")
    receipt = page.locator("#your-receipt .civic-receipt").inner_text()
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", receipt), receipt
    expect(page.get_by_role("button", name="Cast my secret ballot")).to_have_count(0)
    assert_no_violations(page, "the election after voting", scripted=javascript)
    if javascript:
        assert_clean_console(page, problems, "voting", error_statuses=(422,))
