"""Votes, consultations and discussions in Welsh (slice "vote" of issue 17): a Welsh-speaking
resident reads a proposal, votes, answers a consultation and takes part in a discussion,
and every page, form error and confirmation is in Welsh, with Welsh dates."""

from __future__ import annotations

from sqlalchemy import func, select

from civic.consultations.models import Response
from civic.discussions.models import Comment
from civic.extensions import db
from civic.i18n import format_day, in_language
from civic.votes.models import ProposalState, VoteCast
from tests.conftest import csrf_token, login
from tests.consultations.helpers import make_consultation
from tests.discussions.conftest import make_resident
from tests.factories import AreaFactory
from tests.votes.helpers import make_proposal, residents

WELSH = {"Accept-Language": "cy"}


def _welsh_speaker(user):
    """The resident chose Cymraeg with the switch: saved on the account, beats the browser."""
    user.locale = "cy"
    db.session.flush()
    return user


def _in_welsh(moment) -> str:
    with in_language("cy"):
        return format_day(moment)


def test_a_welsh_speaking_resident_reads_a_proposal_and_votes_in_welsh(app, client):
    proposal, _, area = make_proposal(ProposalState.VOTING)
    voter = _welsh_speaker(residents(area, 1)[0])
    login(client, voter)

    page = client.get(f"/votes/{proposal.id}").get_data(as_text=True)
    assert '<html lang="cy"' in page
    assert "Cynnig i allanoli" in page and "Proposal to outsource" not in page
    assert "Yr achos budd y cyhoedd" in page and "The public-interest case" not in page
    assert "Arfarniad opsiynau" in page and "Mewnol (y cyngor)" in page
    assert "Cymal cyflog teg (o leiaf y Cyflog Byw go iawn)" in page  # standards' labels
    assert "Y nifer sydd wedi pleidleisio hyd yma" in page and "Turnout so far" not in page
    assert "Cam:" in page and "Pleidleisio" in page and "Stage:" not in page
    assert "£1,200,000" in page  # money as the locale writes it
    # dates in Welsh, in the timeline and the honest-dates sentence
    assert (
        f"Pleidleisio: {_in_welsh(proposal.voting_from)} i {_in_welsh(proposal.voting_until)}"
        in (page)
    )

    url = f"/votes/{proposal.id}/vote"
    form = client.get(url).get_data(as_text=True)
    assert (
        "O blaid: allanoli\u2019r gwasanaeth" in form
        and "Yn erbyn: cadw\u2019r gwasanaeth yn fewnol" in form
    )
    assert "Bwrw fy mhleidlais" in form and "Cast my vote" not in form
    assert f"nes bydd y bleidlais yn cau ar {_in_welsh(proposal.voting_until)}" in form

    # a form error, in Welsh, next to the field and in the summary
    empty = client.post(url, data={"csrf_token": csrf_token(client, url), "choice": ""})
    error = empty.get_data(as_text=True)
    assert empty.status_code == 422
    assert "Dewiswch o blaid neu yn erbyn" in error and "Choose for or against" not in error

    cast = client.post(url, data={"csrf_token": csrf_token(client, url), "choice": "for"})
    assert cast.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(VoteCast)) == 1
    after = client.get(f"/votes/{proposal.id}").get_data(as_text=True)
    assert "Fe wnaethoch bleidleisio <strong>o blaid</strong>" in after
    assert "Newid fy mhleidlais" in after and "You voted" not in after


def test_the_results_of_a_vote_in_welsh(app, client):
    proposal, moderator, area = make_proposal(ProposalState.VOTING, quorum=0)
    from civic.votes import services

    voters = residents(area, 3)
    for voter in voters:
        services.cast_vote(voter, proposal, "against")
    services.close_vote(moderator, proposal, reason="The council withdrew the tender early")
    page = client.get(f"/votes/{proposal.id}", headers=WELSH).get_data(as_text=True)
    assert "Canlyniad y bleidlais" in page and "Result of the vote" not in page
    assert "Wedi\u2019i gwrthod" in page
    assert "0 o blaid, 3 yn erbyn, o 3 o drigolion cymwys" in page
    assert "Felly yn ôl rheol Civic: mae\u2019r gwasanaeth yn aros yn fewnol." in page
    # the close, its reason and the privacy rule for few ballots
    assert f"Wedi cau\u2019n gynnar ar {_in_welsh(proposal.closed_at)}" in page
    assert "Y rheswm dros gau\u2019n gynnar: The council withdrew the tender early" in page
    assert "Cyhoeddir pob pleidlais yn ôl ei chod derbynneb" in page
    assert "Every vote is published" not in page


def test_a_welsh_speaking_resident_answers_a_consultation_in_welsh(app, client):
    consultation, _, questions = make_consultation()
    resident = _welsh_speaker(make_resident(consultation.area))
    login(client, resident)

    detail = client.get(f"/consultations/{consultation.id}").get_data(as_text=True)
    assert "Ymgynghoriad" in detail and "Statws" in detail and "Ar agor" in detail
    assert "Pwy all ymateb" in detail and f"Trigolion {consultation.area.name}" in detail
    assert "Who can respond" not in detail
    assert f"{_in_welsh(consultation.opens_at)} i {_in_welsh(consultation.closes_at)}" in detail

    url = f"/consultations/{consultation.id}/respond"
    form = client.get(url).get_data(as_text=True)
    assert "Anfon fy ymateb" in form and "Cadw a dod yn ôl nes ymlaen" in form
    # the question has no Welsh version: its English text is marked as English inside the
    # Welsh label (civic.content)
    assert '<span lang="en-GB">Anything else?</span> (dewisol)' in form
    assert "(optional)" not in form
    assert "1 (gwael iawn)" in form and "Dewis 1" in form and "Dewiswch hyd at 2." in form

    # the required question left out: the error is in Welsh, the typed answer kept
    missing = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            questions["free_text"].field: "Collect glass monthly",
            "action": "submit",
        },
    )
    page = missing.get_data(as_text=True)
    assert missing.status_code == 422
    assert "Mae problem" in page and "Atebwch “How often?”" in page
    assert "Collect glass monthly" in page and "Answer “" not in page

    done = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            questions["single"].field: "0",
            "action": "submit",
        },
        follow_redirects=True,
    )
    confirmation = done.get_data(as_text=True)
    assert "Diolch: mae eich ymateb wedi\u2019i anfon." in confirmation
    assert "Thank you: your response is submitted" not in confirmation
    assert db.session.scalar(select(func.count()).select_from(Response)) == 1
    mine = client.get("/consultations/mine").get_data(as_text=True)
    assert "Eich ymatebion" in mine and "Gweld neu newid eich atebion" in mine


def test_the_discussion_page_in_welsh(app, client):
    area = AreaFactory(slug="riverside", name="Riverside")
    resident = _welsh_speaker(make_resident(area, display_name="Rhian"))
    url = "/discussions/area/riverside"

    visitor = app.test_client().get(url, headers=WELSH).get_data(as_text=True)
    assert "Trafodaeth" in visitor and "0 sylw" in visitor and "Dim sylwadau eto." in visitor
    assert "i ymuno â\u2019r drafodaeth" in visitor and "No comments yet." not in visitor

    login(client, resident)
    page = client.get(url).get_data(as_text=True)
    assert "Ychwanegu sylw" in page and "Postio sylw" in page and "Add a comment" not in page
    empty = client.post(url, data={"csrf_token": csrf_token(client, url), "body": " "})
    assert empty.status_code == 422
    assert "Ysgrifennwch eich sylw cyn postio" in empty.get_data(as_text=True)

    posted = client.post(
        url,
        data={"csrf_token": csrf_token(client, url), "body": "Mae angen mwy o feinciau"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Mae eich sylw wedi\u2019i bostio." in posted and "1 sylw" in posted
    comment = db.session.scalars(select(Comment)).one()
    assert f"{_in_welsh(comment.created_at)}, {comment.created_at:%H:%M}" in posted

    # a neighbour reports it, in Welsh, with the reasons' labels in Welsh
    neighbour = _welsh_speaker(make_resident(area, display_name="Ned"))
    other = app.test_client()
    login(other, neighbour)
    flag_url = f"/discussions/comments/{comment.id}/flag"
    form = other.get(flag_url).get_data(as_text=True)
    assert "Rhoi gwybod am sylw" in form and "Sbam neu hysbysebu" in form
    refused = other.post(
        flag_url, data={"csrf_token": csrf_token(other, flag_url), "reason": "other"}
    )
    assert refused.status_code == 422
    assert "Dywedwch beth sydd o\u2019i le ar y sylw hwn" in refused.get_data(as_text=True)


def test_moderators_pages_render_in_welsh(app, client):
    """Every moderator page of the slice renders in Welsh (a translation that broke a
    placeholder would be a 500 here), with its headings in Welsh."""
    from civic.consultations import services as consultations

    draft, moderator, _ = make_proposal(ProposalState.DRAFT)
    consulting, _, _ = make_proposal(ProposalState.CONSULTATION)
    voting, _, _ = make_proposal(ProposalState.VOTING)
    consultation, _, _ = make_consultation()
    consultations.close_consultation(
        moderator, consultation, reason="The council changed its plans for bins"
    )
    open_one, _, questions = make_consultation()
    _welsh_speaker(moderator)
    login(client, moderator)
    pages = {
        f"/votes/{draft.id}/manage": "Rheoli\u2019r cynnig",
        f"/votes/{consulting.id}/manage": "Cworwm a mwyafrif",
        f"/votes/{voting.id}/manage": "Y cam nesaf",
        "/votes/new": "Cynnig newydd",
        "/consultations/new": "Ymgynghoriad newydd",
        f"/consultations/{consultation.id}/build": "Llunio ymgynghoriad",
        f"/consultations/{open_one.id}/close": "Cau\u2019r ymgynghoriad",
        f"/consultations/{consultation.id}/analysis": "Canlyniadau a dadansoddiad",
        f"/consultations/{consultation.id}/free-text/review": "Adolygu atebion testun rhydd",
        f"/consultations/{consultation.id}/free-text": "Beth ysgrifennodd pobl",
        f"/consultations/{open_one.id}/questions/{questions['single'].id}/edit": "Golygu cwestiwn",
        "/discussions/moderation": "Sylwadau i\u2019w hadolygu",
    }
    for url, heading in pages.items():
        response = client.get(url)
        page = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert heading in page, url
        assert "There is a problem" not in page and "See the public page" not in page, url
