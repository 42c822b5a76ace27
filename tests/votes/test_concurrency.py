"""One resident, one vote, and every vote answered with success counted, under real
concurrency on PostgreSQL."""

from __future__ import annotations

import re
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from civic import ballot_box
from civic.accounts.models import User, utcnow
from civic.extensions import db, limiter
from civic.votes import services
from civic.votes.models import Proposal, ProposalState, VoteCast
from tests.conftest import RequestClient, csrf_token, login, on_postgres
from tests.races import (
    ACCEPTED,
    REFUSED,
    assert_participation_before_close,
    log_of,
    many_residents,
    race,
    skip_without_postgres,
)
from tests.votes.helpers import make_proposal, residents

LATE = re.compile(
    r"^Voting closed at \d\d:\d\d on .* \(UTC\) before your vote arrived; it was not counted\.$"
)
REASON = "The council's decision meeting moved forward"


def _run(app, jobs) -> list[BaseException]:
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def work(proposal_id: int, user_id: int, choice: str) -> None:
        with app.app_context():
            try:
                proposal = db.session.get(Proposal, proposal_id)
                user = db.session.get(User, user_id)
                barrier.wait(timeout=60)
                services.cast_vote(user, proposal, choice)
                db.session.commit()
            except BaseException as exc:  # asserted below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def _skip_without_postgres() -> None:
    if not on_postgres():
        pytest.skip("needs PostgreSQL: set CIVIC_TEST_DATABASE_URL (CI does)")


def _choice(user_id: int) -> str:
    return "for" if user_id % 3 else "against"


def _assert_frozen_count_is_every_accepted_vote(proposal_id: int, accepted: list[int]) -> None:
    """The frozen tally, the stored votes and the log all say exactly the accepted votes."""
    db.session.expire_all()
    proposal = db.session.get(Proposal, proposal_id)
    assert proposal.state is ProposalState.CLOSED
    assert (proposal.votes_for, proposal.votes_against) == (
        sum(1 for uid in accepted if _choice(uid) == "for"),
        sum(1 for uid in accepted if _choice(uid) == "against"),
    )
    stored = set(
        db.session.scalars(select(VoteCast.voter_key).where(VoteCast.proposal_id == proposal_id))
    )
    # no vote row the count missed, and no accepted vote without its row
    assert stored == {ballot_box.voter_key(f"proposal:{proposal_id}", uid) for uid in accepted}
    close = assert_participation_before_close(
        log_of("proposal", str(proposal_id)), "proposal:vote_cast", "proposal:close", len(accepted)
    )
    assert close["for"] + close["against"] == len(accepted)
    assert close["early_reason"] == REASON


@pytest.mark.commits
def test_fifty_simultaneous_votes_by_one_resident_count_once(app):
    _skip_without_postgres()
    proposal, _, area = make_proposal(services.ProposalState.VOTING)
    (voter,) = residents(area, 1)
    db.session.commit()
    jobs = [(proposal.id, voter.id, "for" if n % 2 else "against") for n in range(50)]
    assert _run(app, jobs) == []
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(VoteCast)) == 1


@pytest.mark.commits
def test_two_hundred_residents_at_once_tally_equals_votes(app):
    _skip_without_postgres()
    proposal, moderator, area = make_proposal(services.ProposalState.VOTING)
    voters = residents(area, 200)
    db.session.commit()
    jobs = [(proposal.id, v.id, "for" if n % 3 else "against") for n, v in enumerate(voters)]
    errors = []
    for start in range(0, 200, 50):  # 4 waves of 50 concurrent voters (the pool holds 70)
        errors += _run(app, jobs[start : start + 50])
    assert errors == []
    db.session.expire_all()
    proposal = db.session.get(Proposal, proposal.id)
    result = services.close_vote(moderator, proposal, reason="Closed early in this test")
    assert (result.votes_for, result.votes_against) == (133, 67)
    assert result.votes_for + result.votes_against == 200


@pytest.mark.commits
def test_votes_racing_the_close_are_each_counted_or_refused(app):
    """150 residents vote while a moderator closes the vote (DESIGN §4a)."""
    skip_without_postgres()
    proposal, moderator, area = make_proposal(ProposalState.VOTING)
    voters = many_residents(area, 150)
    db.session.commit()
    proposal_id, moderator_id = proposal.id, moderator.id

    def cast(user_id: int) -> str:
        services.cast_vote(
            db.session.get(User, user_id), db.session.get(Proposal, proposal_id), _choice(user_id)
        )
        db.session.commit()
        return ACCEPTED

    def close() -> None:
        services.close_vote(
            db.session.get(User, moderator_id),
            db.session.get(Proposal, proposal_id),
            reason=REASON,
        )
        db.session.commit()

    outcome = race(app, [v.id for v in voters], cast, close, close_after=40)
    print(f"{len(outcome.accepted)} votes accepted, {len(outcome.refused)} refused")
    assert outcome.errors == [] and outcome.close_error is None
    assert len(outcome.accepted) + len(outcome.refused) == 150
    assert len(outcome.accepted) >= outcome.accepted_before_close >= 40
    assert outcome.refused, "the close landed after every vote: no race was tested"
    assert all(LATE.match(message) for message in outcome.refused.values())
    _assert_frozen_count_is_every_accepted_vote(proposal_id, outcome.accepted)


@pytest.mark.commits
def test_votes_posted_over_http_racing_the_moderators_close(app):
    """The issue's scenario through the web stack: residents post /votes/<id>/vote while a
    moderator posts the close; "Your vote is recorded" means counted, a 409 means not."""
    skip_without_postgres()
    proposal, moderator, area = make_proposal(ProposalState.VOTING)
    voters = many_residents(area, 60)  # with the moderator, within the pool's 70
    db.session.commit()
    proposal_id = proposal.id
    app.test_client_class = RequestClient
    limiter.enabled = False  # 61 sign-ins from one test address
    try:
        sessions = {}
        for voter in voters:
            browser = app.test_client()
            login(browser, voter)
            sessions[voter.id] = (browser, csrf_token(browser, f"/votes/{proposal_id}/vote"))
        officer = app.test_client()
        login(officer, moderator)
        manage = f"/votes/{proposal_id}/manage"
        officer_token = csrf_token(officer, manage)
    finally:
        limiter.enabled = True

    def cast(user_id: int) -> str:
        browser, token = sessions[user_id]
        response = browser.post(
            f"/votes/{proposal_id}/vote", data={"csrf_token": token, "choice": _choice(user_id)}
        )
        if response.status_code == 302:
            return ACCEPTED
        page = response.get_data(as_text=True)
        if response.status_code == 409 and "before your vote arrived; it was not counted" in page:
            return REFUSED
        return f"{response.status_code}: {page[:300]}"

    def close() -> None:
        response = officer.post(
            f"{manage}/close",
            data={
                "close-csrf_token": officer_token,
                "close-confirm": "y",
                "close-reason": REASON,
            },
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:500]

    outcome = race(app, list(sessions), cast, close, close_after=10, spread=3.0)
    print(f"{len(outcome.accepted)} votes accepted, {len(outcome.refused)} refused (HTTP)")
    assert outcome.errors == [] and outcome.close_error is None
    assert len(outcome.accepted) + len(outcome.refused) == 60
    assert outcome.refused, "the close landed after every vote: no race was tested"
    _assert_frozen_count_is_every_accepted_vote(proposal_id, outcome.accepted)


@pytest.mark.commits
def test_votes_racing_the_published_closing_time_and_the_tick(app):
    """Voting ends at its published time while votes arrive; `civic tick` closes it just
    after. Votes before the time are all counted, later ones refused, none lost."""
    skip_without_postgres()
    proposal, _, area = make_proposal(ProposalState.VOTING)
    voters = many_residents(area, 100)
    proposal.voting_until = utcnow() + timedelta(seconds=2)
    db.session.commit()
    proposal_id, closes = proposal.id, proposal.voting_until

    def cast(user_id: int) -> str:
        services.cast_vote(
            db.session.get(User, user_id), db.session.get(Proposal, proposal_id), _choice(user_id)
        )
        db.session.commit()
        return ACCEPTED

    def tick() -> None:
        time.sleep(max((closes - utcnow()).total_seconds(), 0) + 0.05)
        assert services.close_due_votes() != []
        db.session.commit()

    outcome = race(app, [v.id for v in voters], cast, tick, close_after=1, spread=4.0)
    print(f"{len(outcome.accepted)} votes accepted, {len(outcome.refused)} refused (by date)")
    assert outcome.errors == [] and outcome.close_error is None
    assert outcome.accepted and outcome.refused
    assert len(outcome.accepted) + len(outcome.refused) == 100
    said = f"Voting closed at {closes:%H:%M on %d %B %Y} (UTC) before your vote arrived"
    db.session.expire_all()
    proposal = db.session.get(Proposal, proposal_id)
    ended = {said, said.replace(f"{closes:%H:%M}", f"{proposal.closed_at:%H:%M}")}
    assert all(message.rsplit(";", 1)[0] in ended for message in outcome.refused.values())
    assert proposal.votes_for + proposal.votes_against == len(outcome.accepted)
    assert db.session.scalar(
        select(func.count()).select_from(VoteCast).where(VoteCast.proposal_id == proposal_id)
    ) == len(outcome.accepted)
    close = assert_participation_before_close(
        log_of("proposal", str(proposal_id)),
        "proposal:vote_cast",
        "proposal:close",
        len(outcome.accepted),
    )
    assert "early_reason" not in close
