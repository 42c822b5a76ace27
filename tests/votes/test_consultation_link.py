"""Consultation before outsourcing: a proposal linked to a Civic consultation about it,
created from the proposal or chosen from its area, shown on both pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from civic.accounts.models import utcnow
from civic.audit.models import AuditEntry
from civic.consultations import services as consultations
from civic.consultations.models import Audience, ConsultationState, QuestionKind
from civic.errors import Conflict, PermissionDenied, ValidationFailed
from civic.extensions import db
from civic.votes import consulting
from civic.votes.models import ProposalState
from tests.budgets.rounds_helpers import resident_of
from tests.conftest import csrf_token, login
from tests.factories import AreaFactory, ModeratorFactory, UserFactory
from tests.votes.helpers import complete_case, make_proposal


def _consultation(moderator, area, title="Leisure centre: what matters?"):
    now = utcnow()
    return consultations.create_consultation(
        moderator,
        area,
        title=title,
        service="Leisure",
        summary="Tell us what you use.",
        documents="",
        audience=Audience.RESIDENTS,
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=20),
    )


def _actions(subject_id: str) -> list[tuple[str, str]]:
    return list(
        db.session.execute(
            select(AuditEntry.action, AuditEntry.subject_id)
            .where(AuditEntry.action == "proposal:link_consultation")
            .where(AuditEntry.subject_id == subject_id)
        ).all()
    )


# --- services -----------------------------------------------------------------------------


def test_created_from_the_proposal_prefilled_in_draft_with_starter_questions():
    proposal, moderator, area = make_proposal()
    complete_case(moderator, proposal)
    consultation = consulting.create_for_proposal(moderator, proposal)

    assert proposal.consultation_id == consultation.id
    assert consultation.state is ConsultationState.DRAFT  # the moderator opens it
    assert consultation.area_id == area.id and consultation.audience is Audience.RESIDENTS
    assert consultation.title == f"Have your say: {proposal.title}"
    assert consultation.service == proposal.service
    # the summary is the proposal's case, so residents read what they will vote on
    assert "Repairs backlog of £2m" in consultation.summary
    assert "Run by the council's leisure team" in consultation.summary
    assert f"/votes/{proposal.id}" in consultation.summary
    kinds = [q.kind for q in consultation.questions]
    assert kinds == [
        QuestionKind.SCALE,
        QuestionKind.SINGLE,
        QuestionKind.MULTIPLE,
        QuestionKind.FREE_TEXT,
    ]
    # "who should run it": the appraised options (in-house and private here), in-house first
    runners = consultation.questions[1].options
    assert runners == ["In-house (the council)", "Private company", consulting.NO_VIEW]
    # it runs for the proposal's consultation period
    length = consultation.closes_at - consultation.opens_at
    assert length == timedelta(days=proposal.consultation_days)
    assert _actions(str(proposal.id)) == [("proposal:link_consultation", str(proposal.id))]
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "proposal:link_consultation")
    )
    assert b'"created":true' in entry.body and f'"consultation":{consultation.id}'.encode() in (
        entry.body
    )


def test_created_during_the_consultation_phase_closes_when_the_phase_ends():
    proposal, moderator, _ = make_proposal(ProposalState.CONSULTATION)
    consultation = consulting.create_for_proposal(moderator, proposal)
    ends = proposal.consultation_from + timedelta(days=proposal.consultation_days)
    assert consultation.closes_at == ends


def test_an_existing_consultation_of_the_same_area_can_be_chosen():
    proposal, moderator, area = make_proposal()
    chosen = _consultation(moderator, area)
    consulting.link_consultation(moderator, proposal, chosen.id)
    assert proposal.consultation is chosen
    assert chosen in consulting.linkable_consultations(proposal)
    assert consulting.proposals_for(chosen) == []  # a draft proposal is not public yet


def test_a_consultation_from_another_area_is_refused():
    proposal, moderator, area = make_proposal()
    elsewhere = _consultation(moderator, AreaFactory(name="Northgate"), "Northgate parks")
    with pytest.raises(ValidationFailed) as refused:
        consulting.link_consultation(moderator, proposal, elsewhere.id)
    message = refused.value.errors["consultation"]
    assert "Northgate" in message and area.name in message and "same area" in message
    assert proposal.consultation_id is None
    assert elsewhere not in consulting.linkable_consultations(proposal)
    assert _actions(str(proposal.id)) == []


def test_nothing_chosen_or_an_unknown_consultation_is_refused():
    proposal, moderator, _ = make_proposal()
    for choice in (None, 0, 999_999):
        with pytest.raises(ValidationFailed, match="Choose a consultation"):
            consulting.link_consultation(moderator, proposal, choice)


@pytest.mark.parametrize("state", [ProposalState.VOTING])
def test_refused_once_the_vote_has_opened(state):
    proposal, moderator, area = make_proposal(state)
    chosen = _consultation(moderator, area)
    with pytest.raises(Conflict, match="only before the vote"):
        consulting.link_consultation(moderator, proposal, chosen.id)
    with pytest.raises(Conflict, match="only before the vote"):
        consulting.create_for_proposal(moderator, proposal)


def test_refused_after_the_decision():
    proposal, moderator, area = make_proposal(ProposalState.VOTING)
    proposal.state = ProposalState.DECIDED
    with pytest.raises(Conflict, match="this one is in decided"):
        consulting.link_consultation(moderator, proposal, _consultation(moderator, area).id)


def test_a_second_created_consultation_is_refused_but_another_can_be_chosen():
    proposal, moderator, area = make_proposal()
    first = consulting.create_for_proposal(moderator, proposal)
    with pytest.raises(Conflict, match="already linked"):
        consulting.create_for_proposal(moderator, proposal)
    other = _consultation(moderator, area)
    consulting.link_consultation(moderator, proposal, other.id)
    assert proposal.consultation_id == other.id
    entry = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "proposal:link_consultation")
        .order_by(AuditEntry.seq.desc())
    ).first()
    assert f'"replaced":{first.id}'.encode() in entry.body


@pytest.mark.parametrize("who", ["anonymous", "resident", "eligible"])
def test_only_moderators_link_or_create(who):
    proposal, moderator, area = make_proposal()
    chosen = _consultation(moderator, area)
    actor = {
        "anonymous": None,
        "resident": UserFactory(),
        "eligible": resident_of(area),
    }[who]
    with pytest.raises(PermissionDenied):
        consulting.link_consultation(actor, proposal, chosen.id)
    with pytest.raises(PermissionDenied):
        consulting.create_for_proposal(actor, proposal)
    assert proposal.consultation_id is None


# --- pages --------------------------------------------------------------------------------


def test_proposal_page_shows_the_consultation_and_its_you_said_we_did(client):
    proposal, moderator, _area = make_proposal(ProposalState.CONSULTATION)
    consultation = consulting.create_for_proposal(moderator, proposal)
    page = client.get(f"/votes/{proposal.id}").get_data(as_text=True)
    assert 'id="consultation"' not in page  # a draft consultation is not shown to residents
    assert client.get(f"/api/v1/proposals/{proposal.id}").get_json()["consultation"] is None

    consultations.open_consultation(moderator, consultation)
    page = client.get(f"/votes/{proposal.id}").get_data(as_text=True)
    assert "Consultation before the vote" in page
    assert f'href="/consultations/{consultation.id}"' in page
    assert "Open" in page
    data = client.get(f"/api/v1/proposals/{proposal.id}").get_json()["consultation"]
    assert data["id"] == consultation.id and data["state"] == "open"
    assert data["you_said_we_did"] is None

    # the consultation page links back to the proposal
    back = client.get(f"/consultations/{consultation.id}").get_data(as_text=True)
    assert f'href="/votes/{proposal.id}"' in back and proposal.title in back

    consultations.close_consultation(moderator, consultation, reason="Closing for the test run")
    page = client.get(f"/votes/{proposal.id}").get_data(as_text=True)
    assert "has not yet published what it heard" in page
    consultations.publish_reply(moderator, consultation, "**We heard** you: the pool stays.")
    page = client.get(f"/votes/{proposal.id}").get_data(as_text=True)
    assert "You said, we did" in page and "<strong>We heard</strong> you: the pool stays." in page
    data = client.get(f"/api/v1/proposals/{proposal.id}").get_json()["consultation"]
    assert data["state"] == "responded" and "the pool stays" in data["you_said_we_did"]
    assert data["responses"] == "0"  # exact once closed


def test_response_count_is_a_band_while_open(client):
    proposal, moderator, _area = make_proposal(ProposalState.CONSULTATION)
    consultation = consulting.create_for_proposal(moderator, proposal)
    consultations.open_consultation(moderator, consultation)
    shown = consulting.shown(proposal)
    assert shown.responses == consultations.public_response_count(consultation)


def test_manage_page_links_a_consultation(client):
    proposal, moderator, area = make_proposal()
    chosen = _consultation(moderator, area)
    login(client, moderator)
    url = f"/votes/{proposal.id}/manage"
    page = client.get(url).get_data(as_text=True)
    assert "Consultation about this proposal" in page and chosen.title in page
    response = client.post(
        f"{url}/link_consultation",
        data={"link-csrf_token": csrf_token(client, url), "link-consultation": str(chosen.id)},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert proposal.consultation_id == chosen.id


def test_manage_page_refuses_another_areas_consultation_next_to_the_field(client):
    proposal, moderator, _area = make_proposal()
    elsewhere = _consultation(moderator, AreaFactory(name="Northgate"), "Northgate parks")
    login(client, moderator)
    url = f"/votes/{proposal.id}/manage"
    for choice, words in ((str(elsewhere.id), "same area"), ("nonsense", "Choose a consultation")):
        response = client.post(
            f"{url}/link_consultation",
            data={"link-csrf_token": csrf_token(client, url), "link-consultation": choice},
        )
        page = response.get_data(as_text=True)
        assert response.status_code == 422
        assert 'href="#link-consultation"' in page  # the error summary points at the field
        assert 'id="link-consultation-error"' in page and words in page
    db.session.expire_all()
    assert proposal.consultation_id is None


def test_manage_page_creates_one_and_goes_to_its_builder(client):
    proposal, moderator, _ = make_proposal()
    login(client, moderator)
    url = f"/votes/{proposal.id}/manage"
    response = client.post(
        f"{url}/create_consultation", data={"create-csrf_token": csrf_token(client, url)}
    )
    db.session.expire_all()
    assert proposal.consultation_id is not None
    assert response.headers["Location"].endswith(f"/consultations/{proposal.consultation_id}/build")
    again = client.post(
        f"{url}/create_consultation", data={"create-csrf_token": csrf_token(client, url)}
    )
    assert again.status_code == 409 and "already linked" in again.get_data(as_text=True)


def test_a_resident_cannot_post_the_link_forms(client):
    proposal, moderator, area = make_proposal()
    chosen = _consultation(moderator, area)
    login(client, resident_of(area))
    url = f"/votes/{proposal.id}/manage"
    token = csrf_token(client, "/votes")
    for action, data in (
        ("link_consultation", {"link-csrf_token": token, "link-consultation": str(chosen.id)}),
        ("create_consultation", {"create-csrf_token": token}),
    ):
        assert client.post(f"{url}/{action}", data=data).status_code == 403
    db.session.expire_all()
    assert proposal.consultation_id is None


def test_linked_twice_by_two_moderators_both_audited():
    proposal, moderator, area = make_proposal()
    other = ModeratorFactory()
    first, second = _consultation(moderator, area), _consultation(moderator, area, "Second")
    consulting.link_consultation(moderator, proposal, first.id)
    consulting.link_consultation(other, proposal, second.id)
    assert len(_actions(str(proposal.id))) == 2
