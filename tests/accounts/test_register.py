"""Registration reports every problem at once, and its page states truly what an account
can do before and after a letter code."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from civic.accounts import services
from civic.accounts.models import User
from civic.budgets import services as budgets
from civic.consultations import services as consultations
from civic.consultations.models import Audience
from civic.discussions import services as discussions
from civic.errors import PermissionDenied, ValidationFailed
from civic.extensions import db
from civic.votes import services as votes
from tests.budgets.rounds_helpers import make_round, resident_of
from tests.conftest import post_form
from tests.consultations.helpers import make_consultation
from tests.factories import AreaFactory, UserFactory
from tests.votes.helpers import make_proposal


def _field_errors(page: str) -> dict[str, str]:
    return {
        m.group(1): re.sub(r"<[^>]+>|\s+", " ", m.group(2)).replace("Error:", "").strip()
        for m in re.finditer(
            r'<p id="([\w-]+)-error" class="govuk-error-message">(.*?)</p>', page, re.S
        )
    }


def test_three_bad_fields_are_reported_together(client):
    response = post_form(
        client,
        "/accounts/register",
        {"email": "not-an-address", "display_name": "", "password": "short", "confirm": "short"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    errors = _field_errors(page)
    assert set(errors) == {"email", "display_name", "password"}, errors
    assert "valid email address" in errors["email"]
    assert errors["display_name"] == "Enter your name"
    assert "at least 10 characters" in errors["password"]
    summary = page[
        page.index("govuk-error-summary") : page.index("</ul>", page.index("govuk-error-summary"))
    ]
    for field in ("email", "display_name", "password"):
        assert f'href="#{field}"' in summary, field
    assert 'value="not-an-address"' in page  # the input is kept
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_a_taken_address_gets_the_same_problems_as_a_new_one(client):
    """The form never says an address is taken (that would tell anyone who has an
    account): its other problems are reported exactly as for an unused address."""
    UserFactory(email="taken@example.org")
    answers = {}
    for address in ("Taken@example.org", "unused@example.org"):
        response = post_form(
            client,
            "/accounts/register",
            {"email": address, "display_name": "Tam", "password": "password", "confirm": "x"},
        )
        assert response.status_code == 422
        answers[address] = _field_errors(response.get_data(as_text=True))
    assert answers["Taken@example.org"] == answers["unused@example.org"]
    assert set(answers["unused@example.org"]) == {"password", "confirm"}


def test_the_service_also_collects_every_problem():
    """The form checks first, but the service is the rule: it too refuses all at once."""
    with pytest.raises(ValidationFailed) as refused:
        services.register("nope", "", "short")
    assert set(refused.value.errors) == {"email", "display_name", "password"}


def test_the_register_page_says_what_an_account_can_do_and_it_is_true(client):
    page = client.get("/accounts/register").get_data(as_text=True)
    before = page[page.index("As soon as you have an account") : page.index("Once you show")]
    after = page[page.index("Once you show") : page.index("To show where you live")]
    assert "consultations that are open to everyone with an account" in before
    assert "report a comment" in before and "join a neighbourhood group" in before
    for claim in ("comment in", "propose ideas", "vote in", "consultations for its residents"):
        assert claim in after, claim

    # ... and the permission code agrees, for an account with no letter code
    newcomer = UserFactory()
    open_to_all, _, _ = make_consultation(audience=Audience.SIGNED_IN)
    residents_only, _, _ = make_consultation(audience=Audience.RESIDENTS)
    assert consultations.can_respond(newcomer, open_to_all)
    assert not consultations.can_respond(newcomer, residents_only)
    area = AreaFactory(slug="riverside")
    comment = discussions.post_comment(resident_of(area), "area", "riverside", "Hello")
    assert discussions.require_can_flag(newcomer, comment) is newcomer
    with pytest.raises(PermissionDenied):
        discussions.require_poster(newcomer, "area", "riverside")
    round_ = make_round()[0]
    with pytest.raises(PermissionDenied):
        budgets.require_proposer(newcomer, round_)
    with pytest.raises(PermissionDenied):
        budgets.require_voter(newcomer, round_)
    proposal, _, _ = make_proposal()
    with pytest.raises(PermissionDenied):
        votes.require_voter(newcomer, proposal)
