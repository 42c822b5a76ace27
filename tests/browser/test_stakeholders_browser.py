"""Stakeholders in a real browser (issue 15): a member of the leisure centre's staff, who
is not a resident of the area, types a wrong code and is told why, then the code from their
letter on "Your areas", sees their constituency, and answers a consultation open to staff
only. axe finds no serious or critical problem on any page on the way.

The constituency, its members and the consultation are added to the shared browser site's
database by a second app on the same file, through the services, once for this module.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from civic import create_app
from civic.accounts import codes as code_format
from civic.accounts import services as accounts
from civic.accounts.constituencies import ConstituencyKind, confirm_member, create_constituency
from civic.accounts.models import Area, Role, User, utcnow
from civic.constituencies import services as open_to
from civic.consultations import services as consultations
from civic.consultations.models import Audience, QuestionKind
from civic.extensions import db
from tests.browser.conftest import MODERATOR, PASSWORD, LiveSite, OpenPage, PageProblems, Person
from tests.browser.test_foundation_browser import assert_accessible, assert_clean_console

pytestmark = pytest.mark.browser

STAFF_MEMBER = Person("lifeguard@example.org", "Lee Lifeguard")
CONSULTATION = "Pool staff: the new shift pattern"
QUESTION = "Which shift pattern would you choose?"


@pytest.fixture(scope="module")
def staff_site(live_site: LiveSite) -> Iterator[dict[str, object]]:
    assert live_site.database is not None
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{live_site.database}", "SERVER_NAME": None}
    )
    with app.app_context():
        moderator = db.session.scalar(db.select(User).where(User.email == MODERATOR.email))
        area = db.session.scalar(db.select(Area).where(Area.name == live_site.area_name))
        staff = create_constituency(
            moderator, name="Pool staff", slug="pool-staff", kind=ConstituencyKind.STAFF, area=area
        )
        for n in range(10):  # enough members for the consultation to open (MIN_ELECTORATE)
            colleague = accounts.create_user(
                None, f"colleague{n}@example.org", f"Colleague {n}", PASSWORD, Role.RESIDENT
            )
            confirm_member(moderator, colleague, staff, "Staff pass seen")
        accounts.create_user(None, STAFF_MEMBER.email, STAFF_MEMBER.name, PASSWORD, Role.RESIDENT)
        _, codes = accounts.generate_codes(
            moderator, area, count=1, valid_days=30, constituency=staff
        )
        now = utcnow()
        consultation = consultations.create_consultation(
            moderator,
            area,
            title=CONSULTATION,
            service="Leisure",
            summary="Staff choose the shift pattern.",
            documents="",
            audience=Audience.RESIDENTS,
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=10),
        )
        consultations.add_question(
            moderator,
            consultation,
            kind=QuestionKind.SINGLE,
            text=QUESTION,
            options=["Four long days", "Five short days"],
            required=True,
        )
        open_to.set_constituencies(moderator, consultation, [staff], editable=True)
        consultations.open_consultation(moderator, consultation)
        seeded = {"code": code_format.display(codes[0]), "consultation_id": consultation.id}
        db.session.commit()
        db.session.remove()  # let go of the file: the live server writes to it next
        db.engine.dispose()
    yield seeded


def test_a_staff_member_redeems_a_code_and_answers_the_consultation(
    staff_site, open_page: OpenPage, problems: PageProblems
):
    page = open_page(STAFF_MEMBER)
    respond = f"/consultations/{staff_site['consultation_id']}/respond"
    page.goto(f"/consultations/{staff_site['consultation_id']}")
    expect(page.get_by_text("Only Pool staff can respond.")).to_be_visible()
    assert_accessible(page, "the consultation before proving membership")

    page.goto("/accounts/eligibility")
    page.get_by_label("Code from your letter", exact=False).fill("AAAA-BBBB-CCCC")
    page.get_by_role("button", name="Use code").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("We do not recognise this code")
    assert_accessible(page, "Your areas with a wrong code")

    page.get_by_label("Code from your letter", exact=False).fill(str(staff_site["code"]))
    page.get_by_role("button", name="Use code").click()
    expect(page.get_by_text("You can now take part in Pool staff.")).to_be_visible()
    expect(page.locator("#your-constituencies")).to_contain_text("Pool staff")
    assert_accessible(page, "Your areas as a member of the staff")

    page.goto(respond)
    page.get_by_role("group", name=QUESTION).get_by_label("Five short days").check()
    page.get_by_role("button", name="Submit my response").click()
    expect(page.get_by_text("Thank you: your response is submitted.", exact=False)).to_be_visible()
    assert_accessible(page, "the consultation after responding")
    # the wrong code was answered with a 422 on purpose
    assert_clean_console(page, problems, "the staff member's journey", error_statuses=(422,))
