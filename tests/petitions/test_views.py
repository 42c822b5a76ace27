"""Petition pages: starting with the form (errors kept by the field), moderation, signing
and its refusals (409 signed twice, 403 not eligible, 409 withdrawing after the threshold),
the htmx progress fragment, the thresholds form and the public JSON."""

from __future__ import annotations

import json
from datetime import timedelta

from civic.clock import utcnow
from civic.extensions import db
from civic.petitions import services, thresholds
from civic.petitions.models import FollowUp, Petition, PetitionKind, PetitionState
from tests.budgets.rounds_helpers import resident_of
from tests.conftest import login, post_form
from tests.factories import AdminFactory, AreaFactory, ModeratorFactory, UserFactory
from tests.petitions.helpers import open_petition, pending


def _levels(area, first: str = "2", second: str = "5") -> None:
    thresholds.set_thresholds(
        AdminFactory(), area, PetitionKind.GENERAL, first, second, FollowUp.CONSULTATION
    )


def test_a_resident_starts_a_petition_and_bad_input_is_kept_by_the_field(client) -> None:
    area = AreaFactory(name="Riverside")
    person = resident_of(area)
    login(client, person)
    bad = post_form(
        client,
        "/petitions/new",
        {"area": str(area.id), "title": "Reopen the toilets", "asks": "", "why": "Hygiene"},
    )
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "govuk-error-summary" in html and "Enter what the petition asks" in html
    assert 'value="Reopen the toilets"' in html and "Hygiene" in html
    assert db.session.query(Petition).count() == 0
    good = post_form(
        client,
        "/petitions/new",
        {
            "area": str(area.id),
            "title": "Reopen the toilets",
            "asks": "Reopen the public toilets in Riverside Park.",
            "why": "Hygiene",
        },
    )
    assert good.status_code == 302
    petition = db.session.query(Petition).one()
    page = client.get(good.headers["Location"]).get_data(as_text=True)
    assert "Reopen the toilets" in page and "A moderator will check this petition" in page
    assert petition.state is PetitionState.PENDING and petition.started_by_id == person.id


def test_a_pending_petition_is_hidden_from_others_and_overdue_is_shown(client) -> None:
    petition, _ = pending()
    assert client.get(f"/petitions/{petition.id}").status_code == 404
    assert client.get(f"/petitions/{petition.id}.json").status_code == 404
    petition.moderation_due_at = utcnow() - timedelta(days=1)
    db.session.commit()
    listing = client.get("/petitions/").get_data(as_text=True)
    assert "1 petition is waiting for a moderator's check" in listing
    assert "1 of them has waited longer than the 10 days" in listing
    login(client, ModeratorFactory())
    queue = client.get("/petitions/moderation").get_data(as_text=True)
    assert "Keep the Riverside pool in-house" in queue and "Overdue" in queue


def test_a_moderator_refuses_with_a_reason_or_is_asked_for_one(client) -> None:
    petition, _ = pending()
    login(client, ModeratorFactory())
    page = f"/petitions/{petition.id}/moderate"
    missing = post_form(client, page, {"decision": "refuse", "reason": ""})
    assert missing.status_code == 422
    assert "Say which rule the petition breaks" in missing.get_data(as_text=True)
    done = post_form(client, page, {"decision": "refuse", "reason": "Duplicate of petition 3."})
    assert done.status_code == 302
    shown = client.get(f"/petitions/{petition.id}").get_data(as_text=True)
    assert "Refused on" in shown and "Duplicate of petition 3." in shown


def test_signing_twice_is_a_409_with_a_clear_message_and_nothing_written(client) -> None:
    area = AreaFactory()
    _levels(area)
    petition, people = open_petition(3, area)
    login(client, people[1])
    page = f"/petitions/{petition.id}"
    assert post_form(client, f"{page}/sign", {}, token_from=page).status_code == 302
    again = post_form(client, f"{page}/sign", {}, token_from=page)
    assert again.status_code == 409
    assert "You have already signed this petition." in again.get_data(as_text=True)
    db.session.refresh(petition)
    assert petition.signature_count == 1


def test_signing_when_not_eligible_is_a_403_saying_how_to_become_eligible(client) -> None:
    petition, _ = open_petition(1)
    outsider = UserFactory()
    login(client, outsider)
    page = f"/petitions/{petition.id}"
    assert "code from your letter" in client.get(page).get_data(as_text=True)
    refused = post_form(client, f"{page}/sign", {}, token_from=page)
    assert refused.status_code == 403
    assert "code from your letter" in refused.get_data(as_text=True)
    assert petition.signature_count == 0


def test_withdrawing_after_the_threshold_is_a_409(client) -> None:
    area = AreaFactory()
    _levels(area, "1", "5")
    petition, people = open_petition(1, area)
    services.sign(people[1], petition)
    db.session.commit()
    login(client, people[1])
    page = f"/petitions/{petition.id}"
    html = client.get(page).get_data(as_text=True)
    assert "Withdraw my signature" not in html and "signatures are final" in html
    refused = post_form(client, f"{page}/withdraw", {}, token_from=page)
    assert refused.status_code == 409
    assert "cannot be withdrawn" in refused.get_data(as_text=True)


def test_the_progress_fragment_for_htmx_and_the_full_page_without(client, htmx_client) -> None:
    area = AreaFactory()
    _levels(area, "3", "6")
    petition, people = open_petition(3, area)
    services.sign(people[1], petition)
    db.session.commit()
    full = client.get(f"/petitions/{petition.id}/progress").get_data(as_text=True)
    assert "<html" in full and full.count("<h1") == 1
    part = htmx_client.get(f"/petitions/{petition.id}/progress")
    text = part.get_data(as_text=True)
    assert "<html" not in text and 'id="petition-progress"' in text
    assert 'id="signature-count">1<' in text and "3 needed for a council response" in text
    assert "HX-Request" in part.headers.get("Vary", "")


def test_the_council_response_is_published_from_its_form(client) -> None:
    area = AreaFactory()
    _levels(area, "1", "5")
    petition, people = open_petition(0, area)
    services.sign(people[0], petition)
    db.session.commit()
    login(client, ModeratorFactory())
    page = f"/petitions/{petition.id}/respond"
    assert post_form(client, page, {"response": ""}).status_code == 422
    done = post_form(client, page, {"response": "We will **reopen** the toilets in May."})
    assert done.status_code == 302
    shown = client.get(f"/petitions/{petition.id}").get_data(as_text=True)
    assert "<strong>reopen</strong>" in shown and "Published" in shown


def test_a_threshold_of_zero_is_a_form_error_and_nothing_is_saved(client) -> None:
    area = AreaFactory(name="Riverside")
    login(client, AdminFactory())
    data = {
        "area": str(area.id),
        "kind": "general",
        "first": "0",
        "second": "120%",
        "follow_up": "vote",
    }
    refused = post_form(client, "/petitions/thresholds", data)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "A threshold of zero would need no signatures" in html
    assert "at most 100 %" in html and "govuk-error-summary" in html
    assert thresholds.all_settings() == []
    saved = post_form(client, "/petitions/thresholds", {**data, "first": "50", "second": "5%"})
    assert saved.status_code == 302
    assert thresholds.setting_for(area).first.count == 50


def test_the_json_gives_state_banded_count_thresholds_and_response(client, app) -> None:
    area = AreaFactory(slug="riverside")
    _levels(area, "1", "5")
    petition, people = open_petition(2, area)
    services.sign(people[0], petition)
    services.respond(ModeratorFactory(), petition, "Agreed.")
    refused, _ = pending(area=area)
    services.refuse(ModeratorFactory(), refused, "Not the council's to decide.")
    hidden, _ = pending(area=area)
    db.session.commit()
    app.config["MIN_ELECTORATE"] = 10
    try:
        one = json.loads(client.get(f"/petitions/{petition.id}.json").get_data())
        listing = json.loads(client.get("/petitions.json").get_data())
    finally:
        app.config["MIN_ELECTORATE"] = 0
    assert one["state"] == "open" and one["area"] == "riverside"
    assert one["signatures"] == "1"  # past the first threshold: exact
    assert one["thresholds"]["first"]["signatures"] == 1
    assert one["thresholds"]["higher"]["opens"] == "consultation"
    assert one["response"]["text"] == "Agreed."
    ids = {p["id"] for p in listing["petitions"]}
    assert ids == {petition.id, refused.id}  # never the pending one
    assert hidden.state is PetitionState.PENDING


def test_the_count_is_banded_before_the_threshold(client, app) -> None:
    area = AreaFactory()
    _levels(area, "30", "60")
    petition, people = open_petition(12, area)
    for person in people[:12]:
        services.sign(person, petition)
    db.session.commit()
    app.config["MIN_ELECTORATE"] = 10
    try:
        one = json.loads(client.get(f"/petitions/{petition.id}.json").get_data())
    finally:
        app.config["MIN_ELECTORATE"] = 0
    assert one["signatures"] == "at least 10" and one["signatures_at_least"] == 10


def test_site_search_finds_a_petition_once_moderated(client) -> None:
    petition, _ = pending()
    db.session.commit()
    assert "Keep the Riverside pool" not in client.get("/search?q=swimming").get_data(as_text=True)
    services.accept(ModeratorFactory(), petition)
    db.session.commit()
    found = client.get("/search?q=swimming").get_data(as_text=True)
    assert f"/petitions/{petition.id}" in found
