"""`civic tick`'s notices (civic.notifications.reminders): "closing in 48 hours" to the
followers who have not taken part, and the moderators' daily list of overdue work. Each
runs every ten minutes: a second run tells nobody again."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from civic.accounts.models import utcnow
from civic.budgets import services as budgets
from civic.budgets.models import Phase
from civic.consultations import services as consultations
from civic.contracts import review as reviews
from civic.contracts.inforequests import services as inforequests
from civic.discussions import services as discussions
from civic.discussions.models import Flag
from civic.extensions import db
from civic.notifications import feed, reminders
from civic.notifications.kinds import Kind
from civic.notifications.models import Notification
from civic.votes import services as votes
from civic.votes.models import ProposalState
from tests.budgets.rounds_helpers import make_round, resident_of
from tests.consultations.helpers import make_consultation
from tests.factories import AreaFactory, ContractFactory, ModeratorFactory, UserFactory
from tests.votes.helpers import make_proposal


def told(event: str) -> set[int]:
    return set(db.session.scalars(select(Notification.user_id).where(Notification.event == event)))


def rows() -> int:
    return db.session.scalar(select(func.count()).select_from(Notification))


def test_a_vote_closing_soon_tells_followers_who_have_not_voted():
    proposal, _moderator, area = make_proposal(ProposalState.VOTING)
    voted, waiting, by_thing, not_resident, stranger = (
        resident_of(area),
        resident_of(area),
        resident_of(area),
        UserFactory(),
        resident_of(area),
    )
    votes.cast_vote(voted, proposal, "against")
    for person in (voted, waiting, not_resident):
        feed.follow(person, area)
    feed.follow(by_thing, proposal)
    event = f"closing:proposal:{proposal.id}"
    reminders.tell_closing()
    assert told(event) == set(), "a week away is not closing soon"
    proposal.voting_until = utcnow() + timedelta(hours=30)
    db.session.flush()
    reminders.tell_closing()
    assert told(event) == {waiting.id, by_thing.id}
    assert stranger.id not in told(event) and not_resident.id not in told(event)
    shown = db.session.scalar(select(Notification).where(Notification.event == event))
    assert shown.kind is Kind.CLOSING
    assert shown.title == f"Closing soon: the vote on {proposal.title} in {area.name}"
    before = rows()
    reminders.tell_closing()
    assert rows() == before


def test_a_round_closing_soon_leaves_out_its_voters_found_by_their_key():
    round_, _moderator, projects = make_round()
    voter, waiting = resident_of(round_.area), resident_of(round_.area)
    budgets.cast_ballot(voter, round_, [(projects[0].id, 1)])
    feed.follow(waiting, round_.area)
    feed.follow(voter, round_.area)
    round_.results_from = utcnow() + timedelta(hours=47)
    db.session.flush()
    reminders.tell_closing()
    # the proposer followed the round by proposing, and has not voted
    assert told(f"closing:budget-round:{round_.id}") == {waiting.id, projects[0].proposer_id}
    before = rows()
    reminders.tell_closing()
    assert rows() == before


def test_a_consultation_closing_soon_leaves_out_those_who_submitted():
    consultation, _moderator, q = make_consultation()
    answered, drafted = resident_of(consultation.area), resident_of(consultation.area)
    consultations.save_response(answered, consultation, {q["single"].id: "0"}, submit=True)
    consultations.save_response(drafted, consultation, {q["scale"].id: "2"}, submit=False)
    consultation.closes_at = utcnow() + timedelta(hours=12)
    db.session.flush()
    reminders.tell_closing()
    assert told(f"closing:consultation:{consultation.id}") == {drafted.id}


def test_a_consultation_opened_ahead_of_its_date_is_announced_when_it_opens():
    consultation, moderator, _q = make_consultation(open_=False)
    follower = UserFactory()
    feed.follow(follower, consultation.area)
    consultation.opens_at = utcnow() + timedelta(hours=3)
    db.session.flush()
    consultations.open_consultation(moderator, consultation)
    event = f"consultation-open:{consultation.id}"
    reminders.tell_opened()
    assert told(event) == set(), "not open to responses yet"
    reminders.tell_opened(utcnow() + timedelta(hours=4))
    assert told(event) == {follower.id}
    before = rows()
    reminders.tell_opened(utcnow() + timedelta(hours=5))
    assert rows() == before


def test_overdue_work_reaches_moderators_once_a_day():
    moderator, resident = ModeratorFactory(), UserFactory()
    area = AreaFactory()
    author, reporter = resident_of(area), resident_of(area)
    # an information request past its due date
    contract = ContractFactory(area=area)
    request = inforequests.ask(reporter, f"contract-{contract.id}", "How many bins?", False)
    request.received_on = reviews.today() - timedelta(days=40)
    request.due_on = reviews.today() - timedelta(days=2)
    # a contract ending within the review window, its review not started
    due = ContractFactory(area=area, end_date=reviews.today() + timedelta(days=30))
    # reports of a comment open for three days
    comment = discussions.post_comment(author, "area", area.slug, "Rude words")
    flag = discussions.flag_comment(reporter, comment, "abuse")
    flag.created_at = utcnow() - timedelta(days=3)
    # a round whose review phase has ended with a project still unreviewed
    round_, _, _ = make_round(phase=Phase.IDEAS)
    budgets.propose_project(
        resident_of(round_.area), round_, title="Benches", description="x", cost_units=10
    )
    db.session.flush()
    now = utcnow()
    reminders.tell_overdue(now)
    today = now.date().isoformat()
    for key in (
        f"info-request:{request.id}",
        f"contract-review:{due.id}",
        f"reports:{comment.id}",
        f"project-review:{round_.id}",
    ):
        assert told(f"overdue:{key}:{today}") == feed.moderator_ids(), key
    assert moderator.id in feed.moderator_ids()
    assert resident.id not in {
        n.user_id
        for n in db.session.scalars(select(Notification).where(Notification.kind == Kind.OVERDUE))
    }
    before = rows()
    reminders.tell_overdue(now)
    assert rows() == before
    reminders.tell_overdue(now + timedelta(days=1))
    assert rows() > before


def test_reports_not_yet_overdue_and_handled_reports_are_not_listed():
    ModeratorFactory()
    area = AreaFactory()
    author, reporter = resident_of(area), resident_of(area)
    comment = discussions.post_comment(author, "area", area.slug, "Rude words")
    discussions.flag_comment(reporter, comment, "abuse")
    reminders.tell_overdue()
    assert told(f"overdue:reports:{comment.id}:{utcnow().date().isoformat()}") == set()
    flag = db.session.scalar(select(Flag).where(Flag.comment_id == comment.id))
    flag.created_at = utcnow() - timedelta(days=3)
    discussions.restore_comment(ModeratorFactory(), comment, "Fine")
    reminders.tell_overdue()
    assert told(f"overdue:reports:{comment.id}:{utcnow().date().isoformat()}") == set()


def test_tick_runs_the_notices(app):
    proposal, _moderator, area = make_proposal(ProposalState.VOTING)
    waiting = resident_of(area)
    feed.follow(waiting, area)
    proposal.voting_until = utcnow() + timedelta(hours=5)
    db.session.flush()
    result = app.test_cli_runner().invoke(args=["civic", "tick"])
    assert result.exit_code == 0, result.output
    assert f"closes soon (proposal:{proposal.id})" in result.output
    assert told(f"closing:proposal:{proposal.id}") == {waiting.id}
