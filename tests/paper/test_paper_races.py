"""Paper entries and online casts racing each other and the close, on PostgreSQL with real
threads (DESIGN §4a): every cast answered with success is in the frozen count, every later
one is refused with a 409, and nobody is counted both on paper and online."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from civic.accounts.models import User
from civic.extensions import db
from civic.paper import services as paper
from civic.votes import services as votes
from civic.votes.models import Proposal, ProposalState, VoteCast
from tests.factories import ModeratorFactory
from tests.races import (
    ACCEPTED,
    all_at_once,
    assert_participation_before_close,
    log_of,
    many_residents,
    race,
    skip_without_postgres,
)
from tests.votes.helpers import make_proposal

REASON = "The council's decision meeting moved forward"


@pytest.mark.commits
def test_paper_and_online_votes_racing_the_close(app):
    skip_without_postgres()
    proposal, moderator, area = make_proposal(ProposalState.VOTING)
    voters = many_residents(area, 100)
    paper.issue_papers(moderator, proposal, 100)
    db.session.commit()
    proposal_id, officer_id = proposal.id, moderator.id
    numbers = {v.id: n for n, v in enumerate(voters, start=1)}
    on_paper = {v.id for v in voters[::2]}  # every other voter hands in a paper

    def cast(user_id: int) -> str:
        user = db.session.get(User, user_id)
        subject = db.session.get(Proposal, proposal_id)
        if user_id in on_paper:
            paper.enter_vote(
                db.session.get(User, officer_id),
                subject,
                choice="against",
                paper_number=str(numbers[user_id]),
                email=user.email,
                check="seen at the library",
            )
        else:
            votes.cast_vote(user, subject, "for")
        db.session.commit()
        return ACCEPTED

    def close() -> None:
        votes.close_vote(
            db.session.get(User, officer_id), db.session.get(Proposal, proposal_id), reason=REASON
        )
        db.session.commit()

    outcome = race(app, [v.id for v in voters], cast, close, close_after=10, spread=4.0)
    print(f"{len(outcome.accepted)} accepted, {len(outcome.refused)} refused (paper + online)")
    assert outcome.errors == [] and outcome.close_error is None
    assert len(outcome.accepted) + len(outcome.refused) == 100
    assert len(outcome.accepted) >= outcome.accepted_before_close >= 10
    assert outcome.refused, "the close landed after every cast: no race was tested"
    db.session.expire_all()
    closed = db.session.get(Proposal, proposal_id)
    paper_accepted = [uid for uid in outcome.accepted if uid in on_paper]
    assert closed.votes_against == closed.paper_votes == len(paper_accepted)
    assert closed.votes_for == len(outcome.accepted) - len(paper_accepted)
    stored = db.session.scalar(
        select(func.count()).select_from(VoteCast).where(VoteCast.proposal_id == proposal_id)
    )
    assert stored == len(outcome.accepted)
    assert_participation_before_close(
        log_of("proposal", str(proposal_id)),
        "proposal:vote_cast",
        "proposal:close",
        len(outcome.accepted),
    )


@pytest.mark.commits
def test_the_same_resident_on_paper_and_online_at_once_counts_once(app):
    skip_without_postgres()
    proposal, moderator, area = make_proposal(ProposalState.VOTING)
    (voter,) = many_residents(area, 1)
    paper.issue_papers(moderator, proposal, 20)
    db.session.commit()
    proposal_id, officer_id, voter_id = proposal.id, moderator.id, voter.id

    def work(n: int) -> None:
        subject = db.session.get(Proposal, proposal_id)
        user = db.session.get(User, voter_id)
        if n % 2:
            paper.enter_vote(
                db.session.get(User, officer_id),
                subject,
                choice="against",
                paper_number=str(n),
                email=user.email,
                check="seen at the library",
            )
        else:
            votes.cast_vote(user, subject, "for")

    errors = all_at_once(app, 20, work)
    db.session.expire_all()
    rows = db.session.scalars(select(VoteCast).where(VoteCast.proposal_id == proposal_id)).all()
    assert len(rows) == 1
    # whoever came first stands; every paper after it was refused (409), and online changes
    # after an online vote are changes, after a paper vote refusals
    assert all(getattr(e, "status", None) == 409 for e in errors), errors


@pytest.mark.commits
def test_one_paper_number_entered_twice_at_once_is_written_once(app):
    skip_without_postgres()
    proposal, moderator, area = make_proposal(ProposalState.VOTING)
    people = many_residents(area, 10)
    paper.issue_papers(moderator, proposal, 5)
    db.session.commit()
    proposal_id, officer_id = proposal.id, moderator.id
    ids = [p.id for p in people]

    def work(n: int) -> None:
        paper.enter_vote(
            db.session.get(User, officer_id),
            db.session.get(Proposal, proposal_id),
            choice="for",
            paper_number="3",
            email=db.session.get(User, ids[n]).email,
            check="seen at the library",
        )

    errors = all_at_once(app, 10, work)
    assert len(errors) == 9 and all(isinstance(e, paper.DuplicatePaper) for e in errors)
    db.session.expire_all()
    assert votes.tally(db.session.get(Proposal, proposal_id)) == (1, 0)


@pytest.mark.commits
def test_two_desks_entering_one_new_code_at_once_make_one_account_and_one_vote(app):
    """Two officers type the same unused letter code for the same vote at the same moment:
    the code's row lock makes one paper-only account, and the vote's unique key one cast;
    the other desk is refused with a 409."""
    skip_without_postgres()
    from civic.accounts import services as accounts
    from civic.accounts.models import EligibilityCode

    proposal, moderator, area = make_proposal(ProposalState.VOTING)
    second = ModeratorFactory()
    paper.issue_papers(moderator, proposal, 10)
    _batch, (code,) = accounts.generate_codes(moderator, area, count=1, valid_days=30)
    db.session.commit()
    proposal_id, officers = proposal.id, [moderator.id, second.id]

    def work(n: int) -> None:
        paper.enter_vote(
            db.session.get(User, officers[n]),
            db.session.get(Proposal, proposal_id),
            choice="for" if n else "against",
            paper_number=str(n + 1),
            code=code,
        )

    errors = all_at_once(app, 2, work)
    db.session.expire_all()
    assert [getattr(e, "status", None) for e in errors] == [409], errors
    people = db.session.scalars(select(User).where(User.paper_only.is_(True))).all()
    assert len(people) == 1
    rows = db.session.scalars(select(VoteCast).where(VoteCast.proposal_id == proposal_id)).all()
    assert len(rows) == 1 and rows[0].voter_key == paper._key(proposal, people[0])
    used = db.session.scalar(select(EligibilityCode.redeemed_by_id))
    assert used == people[0].id
