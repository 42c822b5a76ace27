"""The recall petition's pages: sign and withdraw forms, refusals shown on the page, live
progress for htmx, the list, the contract page section and the contract's JSON."""

from __future__ import annotations

from datetime import date, timedelta

from civic.contracts import review as reviews
from civic.contracts.recall import services
from civic.extensions import db
from tests.budgets.rounds_helpers import resident_of
from tests.conftest import login, post_form
from tests.factories import AreaFactory, ContractFactory, ModeratorFactory, UserFactory


def _contract(residents: int = 0, **kwargs):
    area = AreaFactory(name="Riverside")
    contract = ContractFactory(area=area, title="School meals", **kwargs)
    return contract, [resident_of(area) for _ in range(residents)]


def _sign(client, contract, confirm: str | None = "y"):
    page = f"/contracts/{contract.id}/recall"
    data = {"confirm": confirm} if confirm else {}
    return post_form(client, f"{page}/sign", data, token_from=page)


def test_anyone_reads_the_petition_and_is_offered_to_sign_in(client) -> None:
    contract, _ = _contract(40)
    html = client.get(f"/contracts/{contract.id}/recall").get_data(as_text=True)
    assert "<h1" in html and html.count("<h1") == 1
    assert "Recall petition: School meals" in html
    assert "Sign in</a> to sign this petition" in html
    assert ">0</span> signatures of the 2 needed (5% of 40 eligible residents)" in html
    assert 'hx-get="/contracts/' in html and "every 20s" in html


def test_a_resident_signs_then_withdraws(client) -> None:
    contract, people = _contract(100)
    login(client, people[0])
    page = client.get(f"/contracts/{contract.id}/recall").get_data(as_text=True)
    assert "Sign the recall petition" in page
    response = _sign(client, contract)
    assert response.status_code == 302
    after = client.get(f"/contracts/{contract.id}/recall").get_data(as_text=True)
    assert "You signed the recall petition" in after
    assert "You have signed this petition." in after and "Withdraw my signature" in after
    assert ">1</span> signature of the 5 needed" in after
    page = f"/contracts/{contract.id}/recall"
    withdrawn = post_form(client, f"{page}/withdraw", {}, token_from=page)
    assert withdrawn.status_code == 302
    assert services.petition_for(contract).signature_count == 0
    assert "Your signature was withdrawn." in client.get(page).get_data(as_text=True)


def test_signing_twice_shows_already_signed(client) -> None:
    contract, people = _contract(100)
    services.sign(people[0], contract)
    db.session.flush()
    login(client, people[0])
    page = f"/contracts/{contract.id}/recall"
    # the form is no longer shown, but a second post (another tab) gets a clear answer
    token = client.get("/").get_data(as_text=True).split('"X-CSRFToken": "')[1].split('"')[0]
    response = client.post(f"{page}/sign", data={"csrf_token": token, "confirm": "y"})
    assert response.status_code == 409
    assert "You have already signed this recall petition." in response.get_data(as_text=True)
    assert services.petition_for(contract).signature_count == 1


def test_an_unticked_box_re_renders_with_the_error(client) -> None:
    contract, people = _contract(100)
    login(client, people[0])
    response = _sign(client, contract, confirm=None)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "govuk-error-summary" in html
    assert "Tick the box to confirm you want to sign the petition" in html
    assert html.startswith("<!") and "<title>Error:" in html
    assert services.petition_for(contract) is None


def test_an_ineligible_resident_is_told_why_and_refused(client) -> None:
    contract, _ = _contract(10)
    outsider = UserFactory()
    login(client, outsider)
    page = client.get(f"/contracts/{contract.id}/recall").get_data(as_text=True)
    assert "Only residents of Riverside can sign this petition" in page
    assert "Sign the recall petition" not in page
    token = client.get("/").get_data(as_text=True).split('"X-CSRFToken": "')[1].split('"')[0]
    response = client.post(
        f"/contracts/{contract.id}/recall/sign", data={"csrf_token": token, "confirm": "y"}
    )
    assert response.status_code == 403
    assert services.petition_for(contract) is None


def test_after_the_contract_ended_the_page_says_so_and_signing_is_refused(client) -> None:
    ended = reviews.today() - timedelta(days=2)
    contract, people = _contract(10, start_date=date(2020, 1, 1), end_date=ended)
    login(client, people[0])
    page = client.get(f"/contracts/{contract.id}/recall").get_data(as_text=True)
    assert "can no longer be signed" in page and "Sign the recall petition" not in page
    assert "every 20s" not in page  # nothing left to poll
    token = client.get("/").get_data(as_text=True).split('"X-CSRFToken": "')[1].split('"')[0]
    response = client.post(
        f"/contracts/{contract.id}/recall/sign", data={"csrf_token": token, "confirm": "y"}
    )
    assert response.status_code == 409
    assert "can no longer be signed" in response.get_data(as_text=True)
    assert services.petition_for(contract) is None


def test_anonymous_posts_are_sent_to_sign_in(client) -> None:
    contract, _ = _contract(10)
    response = client.post(f"/contracts/{contract.id}/recall/sign", data={})
    assert response.status_code in (302, 400)


def test_reaching_the_threshold_from_the_page_shows_the_outcome(client) -> None:
    contract, people = _contract(20)  # threshold 1
    login(client, people[0])
    assert _sign(client, contract).status_code == 302
    html = client.get(f"/contracts/{contract.id}/recall").get_data(as_text=True)
    assert "The threshold is reached: a recall review has started." in html
    assert "Threshold reached" in html
    petition = services.petition_for(contract)
    assert f"/votes/{petition.review_proposal_id}" in html
    assert "In-house provision is its default option" in html
    assert "Withdraw my signature" not in html
    # the proposal page links back to the petition and the contract
    detail = client.get(f"/votes/{petition.review_proposal_id}")
    # drafts are for moderators: the link is checked as one
    assert detail.status_code in (403, 404)
    moderator_client = client.application.test_client()
    login(moderator_client, ModeratorFactory())
    shown = moderator_client.get(f"/votes/{petition.review_proposal_id}").get_data(as_text=True)
    assert "This is a recall review" in shown and f"/contracts/{contract.id}/recall" in shown
    # made by the system (no creator): its manage page works like any other
    manage = moderator_client.get(f"/votes/{petition.review_proposal_id}/manage")
    assert manage.status_code == 200
    assert "Recall review: School meals" in manage.get_data(as_text=True)
    listed = client.get("/contracts/recall").get_data(as_text=True)
    assert "School meals" in listed and "Threshold reached" in listed


def test_progress_fragment_for_htmx(client, htmx_client) -> None:
    contract, people = _contract(100)
    services.sign(people[0], contract)
    db.session.flush()
    fragment = htmx_client.get(f"/contracts/{contract.id}/recall/progress")
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200
    assert html.lstrip().startswith('<div id="recall-progress"') and "<h1" not in html
    assert ">1</span> signature of the 5 needed" in html
    full = client.get(f"/contracts/{contract.id}/recall/progress").get_data(as_text=True)
    assert "<h1" in full  # without htmx: the whole page
    assert "Vary" in fragment.headers and "HX-Request" in fragment.headers["Vary"]


def test_the_contract_page_and_json_carry_the_petition_and_review(client) -> None:
    contract, people = _contract(100, end_date=reviews.today() + timedelta(days=60))
    services.sign(people[0], contract)
    db.session.flush()
    html = client.get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert 'id="recall-heading"' in html and "Read or sign the recall petition" in html
    assert 'id="review-heading"' in html and "Review due" in html
    assert "Start the review" not in html  # moderators only


def test_json_part(app) -> None:
    from civic.contracts import sections

    contract, people = _contract(100, end_date=reviews.today() + timedelta(days=60))
    services.sign(people[0], contract)
    with app.test_request_context():
        part = sections.json_parts(contract)["recall"]
    assert part["petition"]["state"] == "open"
    assert part["petition"]["signatures"] == "1"
    assert part["petition"]["threshold"] == 5
    assert part["petition"]["threshold_percent"] == "5"
    assert part["review"] == {
        "due": True,
        "marked_due_at": None,
        "proposal": None,
        "default_option": "in_house",
    }


def test_small_petitions_are_not_listed(client, app, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "MIN_ELECTORATE", 10)
    contract, people = _contract(100)
    services.sign(people[0], contract)
    db.session.flush()
    html = client.get("/contracts/recall").get_data(as_text=True)
    assert "School meals" not in html and "No recall petition is listed yet." in html
    assert "at least 10 signatures" in html
