"""The constituency pages per role, their refusals, and the per-class results on the
vote, consultation and round pages and in the JSON."""

from __future__ import annotations

from sqlalchemy import select

from civic.accounts import services as accounts
from civic.accounts.constituencies import Constituency, is_member
from civic.constituencies import services as constituencies
from civic.consultations import services as consultations
from civic.extensions import db
from civic.votes.models import ProposalState
from tests.conftest import csrf_token, login
from tests.constituencies.helpers import make_constituency, member_of
from tests.consultations.helpers import make_consultation
from tests.factories import AreaFactory, ModeratorFactory, UserFactory
from tests.votes.helpers import make_proposal


def test_a_moderator_creates_a_constituency_and_a_resident_may_not(client):
    area = AreaFactory()
    login(client, UserFactory())
    assert client.get("/constituencies/new").status_code == 403
    login(client, ModeratorFactory())
    token = csrf_token(client, "/constituencies/new")
    form = {"csrf_token": token, "name": "", "slug": "leisure-staff", "kind": "staff"}
    refused = client.post("/constituencies/new", data={**form, "area": str(area.id), "group": "0"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Give the constituency a name" in page and 'value="leisure-staff"' in page
    done = client.post(
        "/constituencies/new",
        data={**form, "name": "Leisure staff", "area": str(area.id), "group": "0"},
    )
    assert done.status_code == 302
    made = db.session.scalar(select(Constituency).where(Constituency.slug == "leisure-staff"))
    assert made.name == "Leisure staff" and made.area_id == area.id


def test_redeeming_on_the_page_and_a_code_for_another_class(client):
    area = AreaFactory()
    staff, users = make_constituency(area, "Leisure staff"), make_constituency(area, "Users")
    moderator = ModeratorFactory()
    _, staff_codes = accounts.generate_codes(
        moderator, area, count=1, valid_days=30, constituency=staff
    )
    _, user_codes = accounts.generate_codes(
        moderator, area, count=1, valid_days=30, constituency=users
    )
    person = UserFactory()
    login(client, person)
    token = csrf_token(client, "/constituencies/leisure-staff")
    wrong = client.post(
        "/constituencies/leisure-staff/code", data={"csrf_token": token, "code": user_codes[0]}
    )
    assert wrong.status_code == 422
    assert "This code is for Users, not Leisure staff" in wrong.get_data(as_text=True)
    right = client.post(
        "/constituencies/leisure-staff/code", data={"csrf_token": token, "code": staff_codes[0]}
    )
    assert right.status_code == 302
    assert is_member(person, staff)
    page = client.get("/accounts/eligibility").get_data(as_text=True)
    assert "Your constituencies" in page and "Leisure staff" in page
    used = client.post(
        "/constituencies/leisure-staff/code", data={"csrf_token": token, "code": staff_codes[0]}
    )
    assert used.status_code == 422
    assert "already used by you" in used.get_data(as_text=True)
    assert "You belong to Leisure staff" in client.get("/constituencies/leisure-staff").get_data(
        as_text=True
    )


def test_a_moderator_confirms_a_member_with_a_note(client):
    staff = make_constituency(AreaFactory(), "Leisure staff")
    person = UserFactory()
    login(client, UserFactory())
    token = csrf_token(client, "/constituencies/leisure-staff")
    data = {"csrf_token": token, "email": person.email, "note": "Staff pass seen"}
    assert client.post("/constituencies/leisure-staff/confirm", data=data).status_code == 403
    login(client, ModeratorFactory())
    token = csrf_token(client, "/constituencies/leisure-staff")
    no_note = client.post(
        "/constituencies/leisure-staff/confirm",
        data={"csrf_token": token, "email": person.email, "note": ""},
    )
    assert no_note.status_code == 422
    assert "Say how membership was checked" in no_note.get_data(as_text=True)
    ok = client.post("/constituencies/leisure-staff/confirm", data={**data, "csrf_token": token})
    assert ok.status_code == 302 and is_member(person, staff)


def test_choosing_who_can_vote_on_a_draft_and_not_after(client):
    proposal, moderator, area = make_proposal(ProposalState.DRAFT)
    staff = make_constituency(area, "Leisure staff")
    url = f"/constituencies/open/proposal/{proposal.id}"
    login(client, UserFactory())
    assert client.get(url).status_code == 403
    login(client, moderator)
    token = csrf_token(client, url)
    done = client.post(url, data={"csrf_token": token, "constituencies": [str(staff.id)]})
    assert done.status_code == 302
    assert constituencies.linked(proposal) == [staff]
    junk = client.post(url, data={"csrf_token": token, "constituencies": ["99999999"]})
    assert junk.status_code == 422  # not a choice offered
    voting, _, _ = make_proposal(ProposalState.VOTING)
    late = f"/constituencies/open/proposal/{voting.id}"
    assert client.post(late, data={"csrf_token": token}).status_code == 409
    assert client.get("/constituencies/open/petition/1").status_code == 404
    assert client.get(f"/constituencies/open/proposal/{2**62}").status_code == 404


def test_the_consultation_analysis_and_json_show_counts_by_class(client):
    consultation, moderator, q = make_consultation(open_=False)
    staff = make_constituency(consultation.area, "Leisure staff")
    users = make_constituency(consultation.area, "Leisure users")
    constituencies.set_constituencies(moderator, consultation, [staff, users], editable=True)
    consultations.open_consultation(moderator, consultation)
    both = member_of(users, member_of(staff))
    consultations.save_response(both, consultation, {q["single"].id: "1"}, submit=True)
    consultations.save_response(member_of(users), consultation, {q["single"].id: "0"}, submit=True)
    consultations.close_consultation(moderator, consultation, reason="Closed early in this test")
    page = client.get(f"/consultations/{consultation.id}/analysis").get_data(as_text=True)
    assert "Who took part, class by class" in page and "Leisure users" in page
    body = client.get(f"/api/v1/consultations/{consultation.id}/results").get_json()
    counts = {c["name"]: c["count"] for c in body["by_class"]["classes"]}
    assert counts == {"Leisure staff": 1, "Leisure users": 2}
    assert body["responses"] == 2
    assert body["options_by_class"][str(q["single"].id)][str(users.id)] == [1, 1]
