"""Consultation pages: builder (with htmx reordering), responding, analysis, CSV, JSON."""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser

from sqlalchemy import func, insert, select

from civic.accounts.models import utcnow
from civic.consultations import services
from civic.consultations.models import Answer, AnswerChoice, Consultation, Response
from civic.extensions import db
from tests.budgets.rounds_helpers import resident_of
from tests.conftest import csrf_token, login
from tests.consultations.helpers import make_consultation, post_new_consultation
from tests.factories import UserFactory
from tests.queries import count_queries


def test_public_page_and_respond_with_errors_kept(client):
    consultation, _, q = make_consultation()
    assert "How should bins be collected?" in client.get(
        f"/consultations/{consultation.id}"
    ).get_data(as_text=True)
    login(client, resident_of(consultation.area))
    url = f"/consultations/{consultation.id}/respond"
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "action": "submit",
            q["single"].field: "",
            q["free_text"].field: "Keep the green bins",
            q["scale"].field: "4",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in page and "Answer “How often?”" in page
    assert "Keep the green bins" in page and 'value="4" checked' in page
    ok = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "action": "submit",
            q["single"].field: "1",
            f"{q['ranking'].field}-rank-1": "2",
            f"{q['ranking'].field}-rank-2": "0",
        },
    )
    assert ok.status_code == 302
    again = client.get(url).get_data(as_text=True)
    assert "You submitted your response" in again and 'value="1" checked' in again


def test_save_and_return(client):
    consultation, _, q = make_consultation()
    login(client, resident_of(consultation.area))
    url = f"/consultations/{consultation.id}/respond"
    saved = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "action": "save",
            q["free_text"].field: "Half done",
        },
    )
    assert saved.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "saved but not yet submitted" in page and "Half done" in page


def test_outsiders_cannot_respond(client):
    consultation, _, _ = make_consultation()
    login(client, UserFactory())
    assert client.get(f"/consultations/{consultation.id}/respond").status_code == 403


def test_htmx_reorder_returns_the_questions_block(htmx_client):
    consultation, moderator, q = make_consultation(open_=False)
    login(htmx_client, moderator)
    url = f"/consultations/{consultation.id}/build"
    token = csrf_token(htmx_client, url)
    fragment = htmx_client.post(
        f"/consultations/{consultation.id}/questions/{q['scale'].id}/move",
        data={"csrf_token": token, "direction": "up"},
    ).get_data(as_text=True)
    assert fragment.lstrip().startswith('<ol class="govuk-list govuk-list--number" id="questions">')
    assert fragment.index("Rate it") < fragment.index("Which bins?")


def test_locked_builder_refuses_edits_with_a_reason(client):
    consultation, moderator, q = make_consultation()
    services.save_response(
        resident_of(consultation.area), consultation, {q["single"].id: "0"}, submit=True
    )
    login(client, moderator)
    url = f"/consultations/{consultation.id}/build"
    response = client.post(
        f"/consultations/{consultation.id}/questions/{q['scale'].id}/move",
        data={"csrf_token": csrf_token(client, url), "direction": "up"},
    )
    assert response.status_code == 409 and "locked" in response.get_data(as_text=True)
    assert "Add a late question" in client.get(url).get_data(as_text=True)


def test_analysis_private_until_close_then_public_with_csv_and_json(client):
    consultation, moderator, q = make_consultation()
    services.save_response(
        resident_of(consultation.area),
        consultation,
        {q["single"].id: "1", q["free_text"].id: "Fewer bins"},
        submit=True,
    )
    assert client.get(f"/consultations/{consultation.id}/analysis").status_code == 403
    services.close_consultation(moderator, consultation, reason="Closed early in this test")
    page = client.get(f"/consultations/{consultation.id}/analysis").get_data(as_text=True)
    assert "<svg" in page and "100%" in page
    assert "Fewer bins" not in page  # free text: published apart, after a moderator's review
    data = client.get(f"/api/v1/consultations/{consultation.id}/results").get_json()
    single = next(x for x in data["questions"] if x["kind"] == "single")
    assert [o["count"] for o in single["options"]] == [0, 1] and data["responses"] == 1
    csv_text = client.get(f"/consultations/{consultation.id}/responses.csv").get_data(as_text=True)
    assert "Fortnightly" in csv_text and "Fewer bins" not in csv_text


def test_reply_shows_on_the_page_and_on_my_responses(client):
    consultation, moderator, q = make_consultation()
    voter = resident_of(consultation.area)
    services.save_response(voter, consultation, {q["single"].id: "0"}, submit=True)
    services.close_consultation(moderator, consultation, reason="Closed early in this test")
    services.publish_reply(moderator, consultation, "We heard **weekly**; collections stay weekly.")
    assert "<strong>weekly</strong>" in client.get(f"/consultations/{consultation.id}").get_data(
        as_text=True
    )
    login(client, voter)
    assert "You said, we did" in client.get("/consultations/mine").get_data(as_text=True)


def _many_responses(consultation, q, n: int, batch: str) -> None:
    """`n` submitted responses straight in the database, each from its own account."""
    from civic.accounts.models import User

    when = utcnow() - timedelta(days=1)
    people = [
        {
            "email": f"bulk-{batch}-{i}@example.org",
            "display_name": "Bulk",
            "password_hash": "x",
            "role": "resident",
            "active": True,
        }
        for i in range(n)
    ]
    user_ids = db.session.execute(insert(User).returning(User.id), people).scalars().all()
    response_ids = (
        db.session.execute(
            insert(Response).returning(Response.id),
            [
                {
                    "consultation_id": consultation.id,
                    "respondent_id": u,
                    "submitted_at": when,
                    "updated_at": when,
                }
                for u in user_ids
            ],
        )
        .scalars()
        .all()
    )
    singles = (
        db.session.execute(
            insert(Answer).returning(Answer.id),
            [
                {"response_id": r, "question_id": q["single"].id, "text": "", "scale": None}
                for r in response_ids
            ],
        )
        .scalars()
        .all()
    )
    db.session.execute(
        insert(Answer),
        [
            {"response_id": r, "question_id": q["scale"].id, "text": "", "scale": 1 + r % 5}
            for r in response_ids
        ]
        + [
            {
                "response_id": r,
                "question_id": q["free_text"].id,
                "text": f"Comment {r}",
                "scale": None,
            }
            for r in response_ids
        ],
    )
    db.session.execute(
        insert(AnswerChoice),
        [
            {"answer_id": a, "question_id": q["single"].id, "option": a % 2, "rank": 1}
            for a in singles
        ],
    )
    db.session.flush()


def _closed_with(n: int, batch: str) -> Consultation:
    consultation, moderator, q = make_consultation()
    _many_responses(consultation, q, n, batch)
    services.close_consultation(moderator, consultation, reason="Closed early in this test")
    return consultation


def test_analysis_query_count_is_constant_up_to_10000_responses(client):
    small = _closed_with(20, "small")
    large = _closed_with(10_000, "large")
    for page in ("/consultations/{}/analysis", "/api/v1/consultations/{}/results"):
        counted = [count_queries(client, page.format(c.id)) for c in (small, large)]
        assert counted[0] == counted[1], (page, counted)
    url = f"/consultations/{large.id}/analysis"
    assert "10,000 submitted responses" in client.get(url).get_data(as_text=True)


def test_residents_cannot_build_or_tag_and_drafts_are_hidden(client):
    consultation, _, q = make_consultation(open_=False)
    resident = resident_of(consultation.area)
    assert client.get(f"/consultations/{consultation.id}").status_code in (302, 403)
    login(client, resident)
    assert client.get(f"/consultations/{consultation.id}").status_code == 403
    assert client.get(f"/consultations/{consultation.id}/build").status_code == 403
    token = csrf_token(client, "/")
    moved = client.post(
        f"/consultations/{consultation.id}/questions/{q['scale'].id}/move",
        data={"csrf_token": token, "direction": "up"},
    )
    assert moved.status_code == 403
    opened = client.post(
        f"/consultations/{consultation.id}/state", data={"csrf_token": token, "action": "open"}
    )
    assert opened.status_code == 403
    assert consultation.state.value == "draft"


class _Elements(HTMLParser):
    """Every start tag in order, with its attributes (as a browser reads them)."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(markup)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def ids(self) -> list[str]:
        return [a["id"] for _, a in self.tags if a.get("id")]

    def by_id(self, id_: str) -> tuple[str, dict[str, str | None]]:
        (found,) = [(t, a) for t, a in self.tags if a.get("id") == id_]
        return found


def _move_forms(elements: _Elements) -> list[tuple[dict, dict]]:
    """(form attributes, its button's attributes) for each move form, in page order."""
    pairs, form = [], None
    for tag, attrs in elements.tags:
        if tag == "form":
            form = attrs if (attrs.get("action") or "").endswith("/move") else None
        elif tag == "button" and form is not None:
            pairs.append((form, attrs))
            form = None
    return pairs


def test_move_buttons_have_stable_ids_and_say_where_focus_goes_after_a_swap(client):
    consultation, moderator, q = make_consultation(open_=False)
    login(client, moderator)
    page = client.get(f"/consultations/{consultation.id}/build").get_data(as_text=True)
    elements = _Elements(page)
    order = [q[kind].id for kind in ("single", "multiple", "scale", "ranking", "free_text")]
    expected = []
    for n, question_id in enumerate(order):
        if n > 0:
            expected.append((question_id, "up", "down"))
        if n < len(order) - 1:
            expected.append((question_id, "down", "up"))
    forms = _move_forms(elements)
    assert len(forms) == len(expected)
    for (form, button), (question_id, direction, other) in zip(forms, expected, strict=True):
        assert form["action"] == f"/consultations/{consultation.id}/questions/{question_id}/move"
        assert button["id"] == f"move-{question_id}-{direction}"
        # the same button first; once the question is first or last, its other move button
        assert form["data-civic-focus-after"] == (
            f"move-{question_id}-{direction} move-{question_id}-{other}"
        )
    ids = elements.ids()
    assert len(ids) == len(set(ids)), "ids must be unique"
    # The live region is in the page before any move, outside the list htmx replaces.
    tag, region = elements.by_id("questions-status")
    assert (tag, region["role"], region["aria-live"]) == ("p", "status", "polite")
    assert page.index('id="questions-status"') < page.index('<ol class="govuk-list')
    assert "moved to position" not in page


def test_htmx_move_announces_the_new_position_in_the_live_region(htmx_client):
    consultation, moderator, q = make_consultation(open_=False)
    login(htmx_client, moderator)
    token = csrf_token(htmx_client, f"/consultations/{consultation.id}/build")

    def move(kind: str, direction: str) -> str:
        response = htmx_client.post(
            f"/consultations/{consultation.id}/questions/{q[kind].id}/move",
            data={"csrf_token": token, "direction": direction},
        )
        assert response.status_code == 200
        return response.get_data(as_text=True)

    fragment = move("scale", "up")
    status = (
        '<p id="questions-status" hx-swap-oob="innerHTML">'
        "Question “Rate it” moved to position 2 of 5.</p>"
    )
    assert status in fragment
    assert fragment.lstrip().startswith('<ol class="govuk-list govuk-list--number" id="questions">')
    elements = _Elements(fragment)
    assert {f"move-{q['scale'].id}-up", f"move-{q['scale'].id}-down"} <= set(elements.ids())
    # Now first: only its "Move down" button is left, which the focus-after list names next.
    fragment = move("scale", "up")
    assert "Question “Rate it” moved to position 1 of 5." in fragment
    ids = _Elements(fragment).ids()
    assert f"move-{q['scale'].id}-up" not in ids and f"move-{q['scale'].id}-down" in ids
    assert "Question “Anything else?” moved to position 4 of 5." in move("free_text", "up")


def _described(markup: str) -> list[str | None]:
    """aria-describedby of each question's fieldset or textarea, in order (None: absent)."""
    return [
        attrs.get("aria-describedby")
        for tag, attrs in _Elements(markup).tags
        if (tag, attrs.get("class")) == ("fieldset", "govuk-fieldset")
        or (tag == "textarea" and (attrs.get("name") or "").startswith("q"))
    ]


def _assert_describedby_resolves(markup: str) -> None:
    elements = _Elements(markup)
    ids = set(elements.ids())
    for tag, attrs in elements.tags:
        if "aria-describedby" in attrs:
            value = attrs["aria-describedby"] or ""
            assert value.strip() and value == " ".join(value.split()), (tag, value)
            missing = [ref for ref in value.split() if ref not in ids]
            assert not missing, (tag, value, missing)


def test_respond_describedby_names_exactly_the_hints_and_errors_shown(client):
    consultation, _, q = make_consultation()
    q["multiple"].hint = "Only the bins you would put out each week."
    q["free_text"].hint = "Do not include personal details."
    q["free_text"].required = True
    db.session.flush()
    f = {kind: question.field for kind, question in q.items()}
    login(client, resident_of(consultation.area))
    url = f"/consultations/{consultation.id}/respond"

    page = client.get(url).get_data(as_text=True)
    assert f'<div id="{f["multiple"]}-most-hint" class="govuk-hint">Choose up to 2.</div>' in page
    _assert_describedby_resolves(page)
    assert _described(page) == [
        None,  # single: no hint, no error: no attribute at all
        f"{f['multiple']}-hint {f['multiple']}-most-hint",
        None,  # scale
        None,  # ranking
        f"{f['free_text']}-hint",
    ]
    assert 'aria-describedby=" "' not in page and 'aria-describedby=""' not in page

    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "action": "submit",
            f["multiple"]: ["0", "1", "2"],  # one more than "choose up to 2"
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    _assert_describedby_resolves(page)
    assert _described(page) == [
        f"{f['single']}-error",
        f"{f['multiple']}-hint {f['multiple']}-most-hint {f['multiple']}-error",
        None,
        None,
        f"{f['free_text']}-hint {f['free_text']}-error",
    ]


def test_after_close_a_respondent_sees_their_answers_read_only(client):
    consultation, moderator, q = make_consultation()
    voter = resident_of(consultation.area)
    services.save_response(
        voter,
        consultation,
        {
            q["single"].id: "1",
            q["multiple"].id: ["0", "2"],
            q["scale"].id: "4",
            q["ranking"].id: ["2", "0"],
            q["free_text"].id: "Keep the green bins",
        },
        submit=True,
    )
    services.close_consultation(moderator, consultation, reason="Closed early in this test")
    login(client, voter)
    response = client.get(f"/consultations/{consultation.id}/respond")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    answers = page[page.index('id="your-answers"') :]
    for shown in ("Fortnightly", "Food", "Garden", "4 out of 5", "1. Recycling", "2. Cost"):
        assert shown in answers, shown
    assert "Keep the green bins" in answers and "Not answered" not in answers
    assert "You can change it until" not in page and "not taking responses" not in page
    assert "has closed, so your answers cannot change" in page
    assert "<form" not in page.split('id="your-answers"')[1].split("</main>")[0]
    assert "Submit my response" not in page and "Save and come back later" not in page


def test_new_consultation_refuses_a_closing_date_in_the_past_and_keeps_input(client):
    response = post_new_consultation(client, "Old dates", ["1", "1", "2020"], ["1", "2", "2020"])
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The closing date must be in the future" in page
    assert 'href="#closes' in page  # the error summary links to the field
    assert 'id="closes-error"' in page and 'value="Old dates"' in page and "2020" in page
    assert db.session.scalar(select(func.count()).select_from(Consultation)) == 1


def test_opening_after_the_closing_date_is_refused_on_the_builder(client):
    consultation, moderator, _ = make_consultation(open_=False)
    consultation.closes_at = utcnow() - timedelta(days=1)
    db.session.commit()
    login(client, moderator)
    url = f"/consultations/{consultation.id}/build"
    response = client.post(
        f"/consultations/{consultation.id}/state",
        data={"csrf_token": csrf_token(client, url), "action": "open"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "There is a problem" in page and "has passed, so the consultation cannot open" in page
    assert 'href="#state-error"' in page and 'id="state-error"' in page
    assert "Build consultation · Draft" in page and "<title>Error: " in page
    assert consultation.state.value == "draft"


def test_opening_with_no_questions_shows_the_reason_on_the_builder(client):
    consultation, moderator, q = make_consultation(open_=False)
    for question in q.values():
        services.remove_question(moderator, question)
    db.session.commit()
    login(client, moderator)
    url = f"/consultations/{consultation.id}/build"
    response = client.post(
        f"/consultations/{consultation.id}/state",
        data={"csrf_token": csrf_token(client, url), "action": "open"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "There is a problem" in page
    assert "Add at least one question before opening the consultation." in page
    assert 'id="state-error"' in page and "Add a question" in page  # the builder, not a bare page


def test_a_refused_move_without_javascript_is_shown_on_the_builder(client):
    consultation, moderator, q = make_consultation()
    services.save_response(
        resident_of(consultation.area), consultation, {q["single"].id: "0"}, submit=True
    )
    db.session.commit()
    login(client, moderator)
    url = f"/consultations/{consultation.id}/build"
    response = client.post(
        f"/consultations/{consultation.id}/questions/{q['scale'].id}/move",
        data={"csrf_token": csrf_token(client, url), "direction": "up"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "There is a problem" in page and 'id="questions-error"' in page
    assert "Add a late question" in page


def test_the_page_says_you_responded_instead_of_offering_respond(client):
    consultation, moderator, q = make_consultation()
    voter = resident_of(consultation.area)
    login(client, voter)
    url = f"/consultations/{consultation.id}"
    assert ">Respond</a>" in client.get(url).get_data(as_text=True)
    services.save_response(voter, consultation, {q["single"].id: "0"}, submit=True)
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert ">Respond</a>" not in page
    today = utcnow().strftime("%d %B %Y")
    assert f"You responded on {today}." in page and "Change your response" in page
    services.close_consultation(moderator, consultation, reason="Closed early in this test")
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert f"You responded on {today}." in page and "See your answers" in page
    assert "Change your response" not in page


def test_a_closed_builder_does_not_offer_a_late_question(client):
    consultation, moderator, q = make_consultation()
    services.save_response(
        resident_of(consultation.area), consultation, {q["single"].id: "0"}, submit=True
    )
    services.close_consultation(moderator, consultation, reason="Closed early in this test")
    db.session.commit()
    login(client, moderator)
    page = client.get(f"/consultations/{consultation.id}/build").get_data(as_text=True)
    assert "late question" not in page
    assert "The consultation is closed: its questions cannot change." in page


def test_saving_a_submitted_response_says_the_change_is_in_the_submitted_response(client):
    consultation, _, q = make_consultation()
    voter = resident_of(consultation.area)
    services.save_response(voter, consultation, {q["single"].id: "0"}, submit=True)
    db.session.commit()
    login(client, voter)
    url = f"/consultations/{consultation.id}/respond"
    saved = client.post(
        url,
        data={"csrf_token": csrf_token(client, url), "action": "save", q["single"].field: "1"},
        follow_redirects=True,
    )
    page = saved.get_data(as_text=True)
    assert "Your changes are saved in your submitted response." in page
    assert "Come back to finish them" not in page
    assert "You submitted your response" in page and 'value="1" checked' in page


def test_the_facts_beside_a_consultation_are_not_squeezed_into_a_key_column(client):
    consultation, _, _ = make_consultation()
    page = client.get(f"/consultations/{consultation.id}").get_data(as_text=True)
    facts = page[page.index('id="consultation-facts"') :].split("</dl>")[0]
    assert ">Responses</dt>" in facts
    # the summary list's 30% key column in a one-third column broke "Responses" mid-word
    assert "govuk-summary-list" not in facts
