"""The options appraisal reports every invalid field at once (issue 12), with an error
summary linking to each field and each message next to its field."""

from __future__ import annotations

import re

from civic.extensions import db
from civic.votes import services
from civic.votes.models import OptionKind
from tests.conftest import csrf_token, login
from tests.votes.helpers import make_proposal


def test_every_invalid_option_field_is_reported_at_once(client):
    proposal, moderator, _ = make_proposal()
    services.set_options(
        moderator,
        proposal,
        [services.OptionInput(OptionKind.IN_HOUSE, "Council", 1_100_000_00, 70, 60, 80)],
    )
    before = [(o.kind, o.annual_cost) for o in proposal.options]
    login(client, moderator)
    url = f"/votes/{proposal.id}/manage"
    response = client.post(
        f"{url}/options",
        data={
            "csrf_token": csrf_token(client, url),
            "private-included": "1",
            "private-provider": "LeisureCo",
            "private-annual_cost": "lots",  # not a number
            "private-cost_score": "150",  # out of range
            "private-quality_score": "abc",  # not a number
            "private-social_value_score": "20",
            "private-carbon_score": "35",
            "in_house-included": "1",
            "in_house-provider": "Council",
            "in_house-annual_cost": "-5",  # not a whole number of pounds at all
            "in_house-cost_score": "70",
            "in_house-quality_score": "60",
            "in_house-social_value_score": "101",  # out of range
            "in_house-carbon_score": "-1",  # out of range
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    bad = [
        "private-annual_cost",
        "private-cost_score",
        "private-quality_score",
        "in_house-annual_cost",
        "in_house-social_value_score",
        "in_house-carbon_score",
    ]
    summary = page.split('govuk-error-summary__list">')[1].split("</ul>")[0]
    for name in bad:
        assert f'href="#{name}"' in summary, name
        assert f'<p class="govuk-error-message" id="{name}-error">' in page, name
        assert re.search(rf'id="{name}"[^>]*aria-describedby="{name}-error"', page), name
    assert summary.count("<li>") == len(bad)
    assert "Private company: cost a year: enter a whole number" in page
    assert "Private company: the cost score must be between 0 and 100" in page
    assert 'value="LeisureCo"' in page and 'value="lots"' in page  # the input stays
    # nothing was saved
    db.session.expire(proposal, ["options"])
    assert [(o.kind, o.annual_cost) for o in proposal.options] == before
    assert before == [(OptionKind.IN_HOUSE, 1_100_000_00)]
