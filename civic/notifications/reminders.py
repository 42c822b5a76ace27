"""The date-driven notices `civic tick` sends: "closing in 48 hours" to followers who have
not taken part, and the moderators' daily "overdue" list.

Both run every tick (about every 10 minutes) and tell nobody twice: the event names the
thing ("closing:proposal:12") or the thing and the day ("overdue:info-request:3:2026-05-01"),
and `feed.announce` writes at most one row per person and event.

Who took part in a secret vote is known only as an HMAC of their id (civic.ballot_box);
to leave a voter out, the follower's key is computed here and looked up. Nothing new is
stored that links a person to a ballot.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_ngettext
from sqlalchemy import func, select

from civic import ballot_box
from civic.accounts.models import Eligibility, utcnow
from civic.budgets.models import Ballot, BudgetRound, Phase, Project, ProjectStatus
from civic.consultations.models import Audience, Consultation, ConsultationState, Response
from civic.contracts.inforequests.models import InfoRequest, RequestStatus
from civic.contracts.performance import services as performance
from civic.contracts.performance.models import ReportStatus
from civic.contracts.performance.periods import Outcome
from civic.contracts.review import due_contracts
from civic.discussions.models import Flag
from civic.extensions import db
from civic.i18n import lazy_gettext as _l
from civic.notifications import feed
from civic.notifications.events import clipped, consultation_news, round_followed
from civic.notifications.kinds import Kind
from civic.notifications.wording import day, day_and_time
from civic.votes.models import Proposal, ProposalState, VoteCast
from civic.web import path_for

WINDOW = timedelta(hours=48)
# how performance.failures words a report that never came (KPI values, standards reports)
OVERDUE_LABELS = {Outcome.OVERDUE.label, ReportStatus.OVERDUE.label}


# --- consultations that open on a later date -------------------------------------------


def tell_opened(now: datetime | None = None) -> list[str]:
    """Consultations opened ahead of their opening date are announced here, once they
    accept responses (run by `civic tick`; a day's grace covers a tick that did not run)."""
    now = now or utcnow()
    told = []
    for consultation in db.session.scalars(
        select(Consultation).where(
            Consultation.state == ConsultationState.OPEN,
            Consultation.opens_at <= now,
            Consultation.opens_at > now - timedelta(days=1),
        )
    ):
        if n := consultation_news(consultation, "open"):
            told.append(f"Told {n} that consultation {consultation.id} has opened.")
    return told


# --- closing within 48 hours ----------------------------------------------------------


def _eligible_in(area_id: int, user_ids: Iterable[int]) -> set[int]:
    ids = list(user_ids)
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(Eligibility.user_id).where(
                Eligibility.area_id == area_id, Eligibility.user_id.in_(ids)
            )
        )
    )


def _not_cast(scope: str, area_id: int, followed: list, cast: Iterable[str]) -> set[int]:
    """Followers eligible in the area whose voter key for `scope` is not among `cast`:
    the key is computed for each follower and looked up, so no new link is stored."""
    keys = set(cast)
    who = _eligible_in(area_id, feed.followers(followed))
    return {user_id for user_id in who if ballot_box.voter_key(scope, user_id) not in keys}


def _closing_items(now: datetime) -> Iterable[tuple[str, object, str, datetime, set[int]]]:
    """(event key, what closes, path, when, who to tell) for each thing closing soon."""
    soon = now + WINDOW
    for proposal in db.session.scalars(
        select(Proposal).where(
            Proposal.state == ProposalState.VOTING,
            Proposal.voting_until > now,
            Proposal.voting_until <= soon,
        )
    ):
        cast = db.session.scalars(
            select(VoteCast.voter_key).where(VoteCast.proposal_id == proposal.id)
        )
        yield (
            f"proposal:{proposal.id}",
            _l(
                "the vote on %(title)s in %(area)s",
                title=proposal.title,
                area=proposal.area.name,
            ),
            path_for("votes.detail", proposal_id=proposal.id),
            proposal.voting_until,
            _not_cast(f"proposal:{proposal.id}", proposal.area_id, [proposal.area, proposal], cast),
        )
    for round_ in db.session.scalars(
        select(BudgetRound).where(
            BudgetRound.phase == Phase.VOTING,
            BudgetRound.results_from > now,
            BudgetRound.results_from <= soon,
        )
    ):
        cast = db.session.scalars(select(Ballot.voter_key).where(Ballot.round_id == round_.id))
        yield (
            f"budget-round:{round_.id}",
            _l("voting in %(title)s in %(area)s", title=round_.title, area=round_.area.name),
            path_for("budgets.round_detail", slug=round_.slug),
            round_.results_from,
            _not_cast(f"budget:{round_.id}", round_.area_id, round_followed(round_), cast),
        )
    for consultation in db.session.scalars(
        select(Consultation).where(
            Consultation.state == ConsultationState.OPEN,
            Consultation.opens_at <= now,
            Consultation.closes_at > now,
            Consultation.closes_at <= soon,
        )
    ):
        who = feed.followers([consultation.area, consultation])
        if consultation.audience is Audience.RESIDENTS:
            who = _eligible_in(consultation.area_id, who)
        answered = db.session.scalars(
            select(Response.respondent_id).where(
                Response.consultation_id == consultation.id,
                Response.submitted_at.is_not(None),
            )
        )
        yield (
            f"consultation:{consultation.id}",
            _l(
                "the consultation on %(title)s in %(area)s",
                title=consultation.title,
                area=consultation.area.name,
            ),
            path_for("consultations.detail", consultation_id=consultation.id),
            consultation.closes_at,
            who - set(answered),
        )


def tell_closing(now: datetime | None = None) -> list[str]:
    """Votes, budget rounds in voting and consultations closing within 48 hours: tell
    their followers who can take part and have not (run by `civic tick`)."""
    told = []
    for key, what, url, closes, who in _closing_items(now or utcnow()):
        n = feed.announce(
            Kind.CLOSING,
            event=f"closing:{key}",
            title=clipped(_l("Closing soon: %(what)s", what=what)),
            url=url,
            text=_l("It closes on %(when)s; you have not taken part.", when=day_and_time(closes)),
            to=who,
        )
        if n:
            told.append(f"Told {n} that {what} closes soon ({key}).")
    return told


# --- the moderators' overdue work -------------------------------------------------------


def _overdue(key: str, on: date, title: object, url: str, text: object = "") -> int:
    return feed.announce(
        Kind.OVERDUE,
        event=f"overdue:{key}:{on.isoformat()}",
        title=clipped(title),
        url=url,
        text=text,
        to=feed.moderator_ids(),
    )


def _overdue_items(now: datetime) -> Iterable[tuple[str, object, str, object]]:
    """(key, title, path, text) for every piece of moderators' work past its time."""
    today = now.date()
    for request in db.session.scalars(
        select(InfoRequest)
        .where(InfoRequest.status == RequestStatus.RECEIVED, InfoRequest.due_on < today)
        .order_by(InfoRequest.id)
    ):
        yield (
            f"info-request:{request.id}",
            _l("Information request %(reference)s is overdue", reference=request.reference),
            path_for("contracts.request_detail", reference=request.reference),
            _l(
                "It was due on %(day)s and has not been answered.",
                day=day(request.due_on),
            ),
        )
    for failure in performance.failures(today):
        if failure.outcome not in OVERDUE_LABELS:  # a missed target is not moderators' work
            continue
        yield (
            f"report:{failure.contract.id}:{failure.what}:{failure.when.isoformat()}",
            _l(
                "A report on contract %(reference)s is overdue: %(what)s",
                reference=failure.contract.reference,
                what=failure.what,
            ),
            path_for("contracts.contract_detail", contract_id=failure.contract.id),
            f"{failure.period}: {failure.detail}.",
        )
    for row in due_contracts(today):
        if row.started:
            continue
        yield (
            f"contract-review:{row.contract.id}",
            _l("Contract %(reference)s is due for review", reference=row.contract.reference),
            path_for("contracts.review_due"),
            _l(
                "It ends on %(day)s; start its review before it is renewed.",
                day=day(row.contract.last_day),
            ),
        )
    since = now - timedelta(hours=int(current_app.config.get("FLAG_OVERDUE_HOURS", 48)))
    for comment_id in db.session.scalars(
        select(Flag.comment_id)
        .where(Flag.resolution.is_(None))
        .group_by(Flag.comment_id)
        .having(func.min(Flag.created_at) <= since)
        .order_by(Flag.comment_id)
    ):
        yield (
            f"reports:{comment_id}",
            _l("Reports of a comment have waited too long"),
            path_for("discussions.moderate", comment_id=comment_id),
            _l("Hide the comment or dismiss its reports."),
        )
    waiting = (
        select(BudgetRound.id, BudgetRound.slug, BudgetRound.title, func.count(Project.id))
        .join(Project, Project.round_id == BudgetRound.id)
        .where(
            BudgetRound.phase.in_((Phase.IDEAS, Phase.REVIEW)),
            BudgetRound.voting_from <= now,
            Project.status == ProjectStatus.SUBMITTED,
        )
        .group_by(BudgetRound.id, BudgetRound.slug, BudgetRound.title)
        .order_by(BudgetRound.id)
    )
    for round_id, slug, title, count in db.session.execute(waiting):
        yield (
            f"project-review:{round_id}",
            _l("Projects in %(title)s are waiting for review", title=title),
            path_for("budgets.round_detail", slug=slug),
            lazy_ngettext(
                "The review phase has ended; %(num)s still waits, so voting cannot open.",
                "The review phase has ended; %(num)s still wait, so voting cannot open.",
                count,
            ),
        )


def tell_overdue(now: datetime | None = None) -> list[str]:
    """Tell the moderators, once a day per item, of work past its time (run by `civic
    tick`): information requests past due, overdue contract reports, contracts due for
    review, reports of comments open too long, budget projects still unreviewed when
    voting should have opened."""
    now = now or utcnow()
    told = 0
    for key, title, url, text in _overdue_items(now):
        told += _overdue(key, now.date(), title, url, text)
    return [f"Told moderators of overdue work ({told} notifications)."] if told else []
