"""The pages and JSON: asking through the form (and its errors), anonymity on every page,
the moderators' answer and refusal, the public and overdue lists, the contract page's
section and JSON part, and the scorecard figure."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from civic import clock
from civic.contracts import scorecard, sections
from civic.contracts.inforequests import services
from civic.contracts.inforequests.models import InfoRequest, InfoRequestCounter, RequestStatus
from civic.extensions import db
from civic.search import index
from civic.votes.models import ProposalState
from tests.conftest import login, post_form
from tests.factories import ContractFactory, ModeratorFactory, UserFactory
from tests.votes.helpers import make_proposal

QUESTION = "How many missed bin collections were reported in October?"
NAME = "Philippa Abernethy-Nwosu"


def _count() -> int:
    return db.session.scalar(select(func.count(InfoRequest.id)))


def _ask(client, contract, *, question=QUESTION, publish="no", subject=None):
    return post_form(
        client,
        "/contracts/requests/new",
        {
            "subject": subject if subject is not None else f"contract-{contract.id}",
            "question": question,
            "publish_name": publish,
        },
    )


def test_anonymous_people_are_sent_to_sign_in_and_nothing_is_written(client):
    contract = ContractFactory()
    assert "/accounts/sign-in" in client.get("/contracts/requests/new").headers["Location"]
    response = client.post(
        "/contracts/requests/new",
        data={"subject": f"contract-{contract.id}", "question": QUESTION, "publish_name": "no"},
    )
    assert response.status_code in (302, 400)
    assert _count() == 0


def test_a_resident_asks_without_their_name_and_no_page_shows_it(client):
    contract = ContractFactory(title="Household waste collection")
    resident = UserFactory(display_name=NAME)
    login(client, resident)
    form = client.get(f"/contracts/requests/new?contract={contract.id}").get_data(as_text=True)
    assert f'value="contract-{contract.id}" selected' in form
    response = _ask(client, contract)
    assert response.status_code == 302
    req = db.session.scalars(select(InfoRequest)).one()
    assert response.headers["Location"].endswith(f"/contracts/requests/{req.reference}")
    client.post("/accounts/sign-out", data={"csrf_token": ""})
    anonymous = client.application.test_client()
    pages = [
        f"/contracts/requests/{req.reference}",
        "/contracts/requests",
        f"/contracts/{contract.id}",
        f"/audit/subject/info_request/{req.id}",
        f"/api/v1/contracts/requests/{req.reference}",
        "/api/v1/contracts/requests",
        "/audit",
    ]
    for path in pages:
        page = anonymous.get(path)
        assert page.status_code == 200, path
        assert NAME not in page.get_data(as_text=True), path
    detail = anonymous.get(f"/contracts/requests/{req.reference}").get_data(as_text=True)
    assert QUESTION in detail and "chose not to publish their name" in detail
    assert anonymous.get(f"/api/v1/contracts/requests/{req.reference}").json["requester"] is None


def test_a_named_request_shows_the_name(client):
    contract = ContractFactory()
    login(client, UserFactory(display_name=NAME))
    _ask(client, contract, publish="yes")
    req = db.session.scalars(select(InfoRequest)).one()
    assert NAME in client.get(f"/contracts/requests/{req.reference}").get_data(as_text=True)


def test_bad_input_re_renders_with_messages_the_text_kept_and_nothing_written(client):
    contract = ContractFactory()
    login(client, UserFactory())
    response = _ask(client, contract, question="", subject="contract-999999")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in page
    assert "Enter your question" in page
    assert "Choose the contract, provider or decision" in page
    long = "Please tell me " + "a" * 5000
    response = _ask(client, contract, question=long)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "5,000 characters or fewer" in page
    assert long in page  # kept for the person to shorten
    response = _ask(client, contract, publish="")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Choose whether to publish your name" in page and QUESTION in page
    assert _count() == 0
    assert db.session.scalar(select(func.count()).select_from(InfoRequestCounter)) == 0


def _received(days_ago: int = 0) -> InfoRequest:
    with clock.ago(timedelta(days=days_ago)):
        return services.ask(UserFactory(), f"contract-{ContractFactory().id}", QUESTION, False)


def _send(client, req, action: str, data: dict):
    """POST the answer or refusal form, with the token from the request's own page."""
    return post_form(
        client,
        f"/contracts/requests/{req.reference}/{action}",
        data,
        token_from=f"/contracts/requests/{req.reference}",
    )


def _page(client, req) -> str:
    return client.get(f"/contracts/requests/{req.reference}").get_data(as_text=True)


def test_a_resident_cannot_reach_the_answer_forms(client):
    req = _received()
    login(client, UserFactory())
    assert client.get(f"/contracts/requests/{req.reference}/respond").status_code == 403
    assert _send(client, req, "answer", {"answer": "Here it is."}).status_code == 403
    assert _send(client, req, "refuse", {"refuse-reason": "Not held here."}).status_code == 403
    assert req.status is RequestStatus.RECEIVED


def test_a_moderator_answers_and_the_answer_is_published(client):
    req = _received()
    login(client, ModeratorFactory())
    assert client.get(f"/contracts/requests/{req.reference}/respond").status_code == 200
    response = _send(client, req, "answer", {"answer": "There were **14** missed collections."})
    assert response.status_code == 302
    page = _page(client, req)
    assert "<strong>14</strong>" in page and "Answered" in page


def test_a_refusal_without_a_reason_is_refused_with_the_message_by_the_field(client):
    req = _received()
    login(client, ModeratorFactory())
    response = _send(client, req, "refuse", {"refuse-reason": "no"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Give the reason for refusing" in page
    assert 'href="#refuse-reason"' in page  # the summary links to the field
    reason = "The council does not hold this information."
    assert _send(client, req, "refuse", {"refuse-reason": reason}).status_code == 302
    assert reason in _page(client, req)


def test_the_overdue_list_and_the_status_filter(client):
    late, fresh = _received(days_ago=60), _received()
    overdue = client.get("/contracts/requests/overdue").get_data(as_text=True)
    assert late.reference in overdue and fresh.reference not in overdue
    filtered = client.get("/contracts/requests?status=overdue").get_data(as_text=True)
    assert late.reference in filtered and fresh.reference not in filtered
    listed = client.get("/contracts/requests").get_data(as_text=True)
    assert late.reference in listed and fresh.reference in listed
    assert client.get("/contracts/requests?status=lost").status_code == 422
    api = client.get("/api/v1/contracts/requests?status=overdue").json
    assert [r["reference"] for r in api["information_requests"]] == [late.reference]
    assert api["information_requests"][0]["status"] == "overdue"


def test_an_htmx_filter_gets_only_the_results(htmx_client):
    _received()
    page = htmx_client.get("/contracts/requests?status=received").get_data(as_text=True)
    assert page.lstrip().startswith('<div id="results">')


def test_an_unknown_reference_is_404(client):
    assert client.get("/contracts/requests/IR-2026-9999").status_code == 404
    assert client.get("/api/v1/contracts/requests/IR-2026-9999").status_code == 404


def test_the_contract_page_lists_its_requests_and_links_to_ask(client):
    req = _received()
    contract = req.contract
    page = client.get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert req.reference in page
    assert f"/contracts/requests/new?contract={contract.id}" in page
    assert "Ask for information about this contract" in page
    other = ContractFactory()
    assert req.reference not in client.get(f"/contracts/{other.id}").get_data(as_text=True)


def test_the_contract_json_has_its_requests(app):
    req = _received()
    with app.test_request_context():
        parts = sections.json_parts(req.contract)
    (shown,) = parts["information_requests"]
    assert shown["reference"] == req.reference and shown["requester"] is None
    assert shown["due_on"] == req.due_on.isoformat() and shown["status"] == "received"


def test_the_scorecard_figure_counts_answered_in_time(app):
    in_time, late = _received(), _received(days_ago=60)
    moderator = ModeratorFactory()
    services.answer(moderator, in_time, "The figure is 14.")
    services.answer(moderator, late, "The figure is 15.")
    _received()  # not due yet: not counted
    (registered,) = [r for r in scorecard.registered() if r.key == "information_requests_in_time"]
    assert registered.principle == 3
    with app.test_request_context():
        figure = registered.compute()
    assert (figure.numerator, figure.denominator) == (1, 2)
    assert figure.link == "/contracts/requests"


def test_requests_are_found_by_search_without_the_requesters_name(client):
    resident = UserFactory(display_name=NAME)
    req = services.ask(
        resident, f"contract-{ContractFactory().id}", "How many gullies were cleared?", True
    )
    index.write_pending(db.session)  # what the commit ending a request does
    page = client.get("/search?q=gullies").get_data(as_text=True)
    assert f"/contracts/requests/{req.reference}" in page
    assert client.get("/search?q=Abernethy").get_data(as_text=True).count(req.reference) == 0


def test_the_proposal_page_links_to_ask_about_the_decision(client):
    proposal, _, _ = make_proposal(ProposalState.CONSULTATION)
    page = client.get(f"/votes/{proposal.id}").get_data(as_text=True)
    assert f"/contracts/requests/new?proposal={proposal.id}" in page
    login(client, UserFactory())
    form = client.get(f"/contracts/requests/new?proposal={proposal.id}").get_data(as_text=True)
    assert f'value="proposal-{proposal.id}" selected' in form


def test_the_requests_api_is_paged(client, monkeypatch):
    from civic.contracts.inforequests import views

    monkeypatch.setattr(views, "API_PER_PAGE", 2)
    made = [_received(days_ago=n) for n in (1, 2, 3)]
    first = client.get("/api/v1/contracts/requests").json
    assert [r["reference"] for r in first["information_requests"]] == [
        made[0].reference,
        made[1].reference,
    ]
    assert (first["total"], first["pages"], first["page"]) == (3, 2, 1)
    assert first["next"] == "http://localhost/api/v1/contracts/requests?page=2"
    second = client.get(first["next"]).json
    assert [r["reference"] for r in second["information_requests"]] == [made[2].reference]
    assert second["next"] is None
    overdue = client.get("/api/v1/contracts/requests?status=received&page=1").json
    assert overdue["total"] == 3
    for bad in ("0", "two", "-3"):
        assert client.get(f"/api/v1/contracts/requests?page={bad}").status_code == 400
