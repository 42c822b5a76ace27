"""Slice budgets in Welsh: a Welsh-speaking resident votes in a community budget round
(errors, money and the confirmation in Welsh), reads the results and their explanation,
signs a petition, and reads a group's page; English stays as it was."""

from __future__ import annotations

from sqlalchemy import func, select

from civic.budgets import services
from civic.budgets.models import Ballot, Phase
from civic.extensions import db
from civic.petitions import thresholds
from civic.petitions.models import FollowUp, PetitionKind
from tests.budgets.rounds_helpers import make_round, resident_of
from tests.conftest import csrf_token, login, post_form
from tests.factories import AdminFactory, AreaFactory
from tests.petitions.helpers import open_petition


def _welsh(client):
    """Every request from this client says its browser prefers Welsh."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "cy-GB,cy;q=0.9,en;q=0.5"
    return client


def _vote(client, round_, ids):
    url = f"/budgets/{round_.slug}/ballot"
    token = csrf_token(client, url)
    return client.post(url, data={"csrf_token": token, "project": [str(i) for i in ids]})


def test_a_welsh_speaking_resident_casts_an_approval_ballot(client):
    round_, _, (a, b, _c, d) = make_round()
    voter = resident_of(round_.area)
    _welsh(client)
    login(client, voter)

    page = client.get(f"/budgets/{round_.slug}/ballot").get_data(as_text=True)
    assert '<html lang="cy"' in page
    assert "Eich pleidlais" in page and "Cadw fy mhleidlais" in page
    assert "Dewiswch unrhyw brosiectau nad yw cyfanswm eu costau yn fwy na £1,000" in page
    assert "Your ballot is secret" not in page and "Save my ballot" not in page

    # over budget: the summary and the message by the choices are in Welsh, nothing saved
    refused = _vote(client, round_, [a.id, b.id, d.id])
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Mae problem" in html and "There is a problem" not in html
    assert (
        "Mae eich prosiectau\u2019n costio £1,200, £200 yn fwy na\u2019r gyllideb o £1,000: "
        "tynnwch brosiect"
    ) in html
    assert "more than the budget" not in html
    assert all(f'value="{p.id}" checked' in html for p in (a, b, d))
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 0

    # the running total without JavaScript, in Welsh words and British money
    token = csrf_token(client, f"/budgets/{round_.slug}/ballot")
    checked = client.post(
        f"/budgets/{round_.slug}/ballot",
        data={"csrf_token": token, "project": [str(a.id)], "action": "check"},
    ).get_data(as_text=True)
    assert "Eich cyfanswm (heb ei gadw eto)" in checked
    assert "£600 ar ôl o £1,000" in checked and "£600 left of" not in checked

    saved = _vote(client, round_, [a.id, b.id])
    assert saved.status_code == 302
    after = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert (
        "Mae eich pleidlais wedi\u2019i chadw. Gallwch ei newid tan i\u2019r pleidleisio gau."
        in after
    )
    assert "Your ballot is saved" not in after
    assert "£300 ar ôl o £1,000" in after and f'value="{a.id}" checked' in after
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 1


def test_the_same_ballot_errors_stay_english_for_an_english_browser(client):
    round_, _, (a, b, _c, d) = make_round()
    login(client, resident_of(round_.area))
    html = _vote(client, round_, [a.id, b.id, d.id]).get_data(as_text=True)
    assert "There is a problem" in html
    assert "Your projects cost £1,200, £200 more than the budget of £1,000" in html
    assert "Mae problem" not in html


def test_the_round_page_and_its_phase_in_welsh_with_dates_and_money(client):
    round_, _, projects = make_round()
    page = _welsh(client).get(f"/budgets/{round_.slug}").get_data(as_text=True)
    assert "Cyllideb gymunedol" in page and "£1,000" in page
    assert "Dewis prosiectau o fewn y gyllideb" in page  # the ballot kind's label
    assert "Llinell amser" in page and "Timeline" not in page
    # a month name in Welsh from the `day` filter
    welsh_months = ("Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai", "Mehefin", "Gorffennaf")
    welsh_months += ("Awst", "Medi", "Hydref", "Tachwedd", "Rhagfyr")
    assert any(month in page for month in welsh_months)
    assert projects[0].title in page


def test_results_and_their_explanation_in_welsh(client):
    round_, moderator, (a, b, _c, _d) = make_round(rule="greedy")
    for _ in range(3):
        services.cast_ballot(resident_of(round_.area), round_, [(a.id, 1), (b.id, 1)])
    services.advance_phase(moderator, round_, Phase.RESULTS, reason="Counted early in this test")
    page = _welsh(client).get(f"/budgets/{round_.slug}/results").get_data(as_text=True)
    assert "Sut y cafodd yr enillwyr eu dewis" in page
    assert "Wedi\u2019i ariannu: 3 o gefnogaeth, cost £400 gyda £1,000 ar ôl." in page
    assert "Heb ei ariannu" in page and "Funded:" not in page
    assert "Canlyniadau cyfartal: trefn y mewnbwn." in page
    english = client.get(
        f"/budgets/{round_.slug}/results", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert "Funded: 3 in support, cost £400 with £1,000 left." in english


def test_a_welsh_speaking_resident_signs_a_petition(client):
    area = AreaFactory()
    thresholds.set_thresholds(
        AdminFactory(), area, PetitionKind.GENERAL, "2", "5", FollowUp.CONSULTATION
    )
    petition, people = open_petition(3, area)
    _welsh(client)
    login(client, people[1])
    page = f"/petitions/{petition.id}"
    before = client.get(page).get_data(as_text=True)
    assert "Llofnodi\u2019r ddeiseb hon" in before and "Sign this petition" not in before
    assert "Mae eich llofnod yn breifat" in before
    signed = post_form(client, f"{page}/sign", {}, token_from=page)
    assert signed.status_code == 302
    after = client.get(signed.headers["Location"]).get_data(as_text=True)
    assert "Rydych wedi llofnodi\u2019r ddeiseb." in after
    assert "Rydych wedi llofnodi\u2019r ddeiseb hon." in after and "You have signed" not in after
    again = post_form(client, f"{page}/sign", {}, token_from=page)
    assert again.status_code == 409
    assert "Rydych eisoes wedi llofnodi\u2019r ddeiseb hon." in again.get_data(as_text=True)


def test_a_petition_start_form_error_in_welsh(client):
    area = AreaFactory(name="Glan yr Afon")
    _welsh(client)
    login(client, resident_of(area))
    bad = post_form(
        client, "/petitions/new", {"area": str(area.id), "title": "", "asks": "x", "why": "y"}
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "Rhowch deitl i\u2019r ddeiseb" in html and "Enter a title for the petition" not in html


def test_a_group_page_shows_its_rules_in_welsh(client):
    from tests.factories import GroupFactory

    group = GroupFactory()
    html = _welsh(client).get(f"/groups/{group.slug}/rules").get_data(as_text=True)
    assert "Rheolau\u2019r grŵp" in html and "The group's rules" not in html
    assert "Cworwm" in html and "Mwyafrif" in html
