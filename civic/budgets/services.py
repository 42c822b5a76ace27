"""Every change to a community budget round: permission, validation, write, audit entry."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from civic import audit, ballot_box, privacy
from civic.accounts.models import Area, Group, GroupRole, User, utcnow
from civic.budgets import ballots as ballot_rules
from civic.budgets.ballots import MINOR_PER_UNIT, BallotRules, money
from civic.budgets.models import (
    Ballot,
    BallotContest,
    BallotEntry,
    BallotKind,
    BudgetRound,
    ContestState,
    DeliveryStatus,
    Phase,
    ProgressNote,
    Project,
    ProjectStatus,
    RoundResult,
)
from civic.budgets.rules import (
    RULES,
    TIE_BREAKING,
    Instance,
    Outcome,
    Profile,
    borda,
    compute,
    input_digest,
)
from civic.clock import aware, early_reason, spoken
from civic.constituencies import services as constituencies
from civic.database import lock_row, lock_rows
from civic.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from civic.extensions import db
from civic.i18n import _, current_language, format_day, format_money, format_number, ngettext
from civic.i18n import lazy_gettext as _l
from civic.notifications import events
from civic.paper import services as paper_forms
from civic.permissions import require_signed_in
from civic.receipts import codes as receipts
from civic.slugs import is_slug
from civic.votes import wording as vote_wording
from civic.wording import ROUND_PHASES

RULE_NAMES = {
    "greedy": _l("Greedy: most votes first, skipping projects that no longer fit"),
    "greedy-no-skip": _l("Greedy: most votes first, stopping at the first that does not fit"),
    "greedy-threshold": _l("Greedy among projects over a minimum support"),
    "mes": _l("Method of Equal Shares"),
    "mes-add1": _l("Method of Equal Shares, completed by Add1 (as Assen, Świecie, Wieliczka)"),
}


# addresses under /budgets/ that are pages of their own, so no round may take them
RESERVED_SLUGS = frozenset({"new", "contests"})


# --- who may do what --------------------------------------------------------------------


def can_manage(user: User | None, round_: BudgetRound) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if user.is_moderator:
        return True
    return round_.group is not None and round_.group.role_of(user) is GroupRole.ORGANISER


def can_review(user: User | None, project: Project) -> bool:
    """Managers review ideas, but never their own: a conflict of interest."""
    return can_manage(user, project.round) and project.proposer_id != user.id


def _require_manager(user: User | None, round_: BudgetRound) -> User:
    user = require_signed_in(user)
    if not can_manage(user, round_):
        raise PermissionDenied(_("Only moderators and the group's organisers can do this."))
    return user


def require_manager(user: User | None, round_: BudgetRound) -> User:
    """Views call this before reading a manager's form: a refusal then shows nothing else."""
    return _require_manager(user, round_)


def can_start_round(user: User | None, group: Group | None = None) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return user.is_moderator or (group is not None and group.role_of(user) is GroupRole.ORGANISER)


def can_propose(user: User | None, round_: BudgetRound) -> bool:
    """Who may propose an idea: the round's managers and its eligible residents (the round
    page asks this too, to show the button only to them)."""
    return can_manage(user, round_) or can_take_part(user, round_)


def require_proposer(user: User | None, round_: BudgetRound) -> User:
    if can_propose(user, round_):
        return user
    return _require_resident(user, round_)


def require_voter(user: User | None, round_: BudgetRound) -> User:
    """Who may cast an online ballot; the ballot page calls it before reading the form."""
    return _require_resident(user, round_)


def require_reviewer(user: User | None, project: Project) -> User:
    user = _require_manager(user, project.round)
    if not can_review(user, project):
        raise PermissionDenied(
            _("You proposed this project, so another moderator or organiser must review it.")
        )
    return user


def can_take_part(user: User | None, round_: BudgetRound) -> bool:
    return constituencies.may_take_part(user, round_)


def _require_resident(user: User | None, round_: BudgetRound) -> User:
    user = require_signed_in(user)
    if not can_take_part(user, round_):
        raise PermissionDenied(constituencies.refusal(round_, "take part"))
    return user


# --- rounds and phases ------------------------------------------------------------------


@dataclass(frozen=True)
class RoundSettings:
    title: str
    slug: str
    description: str
    amount: int  # minor units
    currency: str
    dates: Sequence[datetime]  # ideas, review, voting, results, delivery
    ballot_kind: BallotKind
    rule: str
    min_projects: int | None = None
    max_projects: int | None = None
    points: int | None = None
    max_points_per_project: int | None = None
    threshold: int | None = None


def _validate_settings(s: RoundSettings) -> None:
    errors: dict[str, str] = {}
    if not s.title.strip():
        errors["title"] = _("Enter a title")
    if not is_slug(s.slug):
        errors["slug"] = _("Use lower-case letters, numbers and single hyphens")
    elif s.slug in RESERVED_SLUGS:
        errors["slug"] = _(
            "“%(slug)s” is the address of another budgets page; choose another", slug=s.slug
        )
    if s.amount <= 0 or s.amount % MINOR_PER_UNIT:
        errors["amount"] = _("Enter the budget in whole pounds, more than zero")
    if not re.fullmatch(r"[A-Z]{3}", s.currency):
        errors["currency"] = _("Use a three-letter currency code such as GBP")
    if len(s.dates) != 5 or any(a >= b for a, b in zip(s.dates, s.dates[1:], strict=False)):
        errors["dates"] = _("Each phase must start after the one before")
    if s.rule not in RULES:
        errors["rule"] = _("Choose how winners are picked")
    if s.rule == "greedy-threshold" and not s.threshold:
        errors["threshold"] = _("Enter the minimum support for the threshold rule")
    if s.ballot_kind is BallotKind.K_OF_N and not s.max_projects:
        errors["max_projects"] = _("Say how many projects each resident may choose")
    if s.ballot_kind is BallotKind.CUMULATIVE and not s.points:
        errors["points"] = _("Say how many points each resident shares out")
    if s.ballot_kind is BallotKind.RANKED and not s.max_projects:
        errors["max_projects"] = _("Say how many projects a resident may rank")
    if s.min_projects and s.max_projects and s.min_projects > s.max_projects:
        errors["min_projects"] = _(
            "The fewest projects (%(fewest)s) cannot be more than the most (%(most)s)",
            fewest=format_number(s.min_projects),
            most=format_number(s.max_projects),
        )
    errors.update(_contradictions(s))
    if errors:
        raise ValidationFailed(errors)


def _contradictions(s: RoundSettings) -> dict[str, str]:
    """Ballot settings that no ballot could satisfy, or that promise what the ballot cannot
    give ("10 points, at most 50 a project"): refused here, in the service, so the CLI,
    seeds and any future form are held to them as the web form is."""
    errors: dict[str, str] = {}
    if s.ballot_kind is not BallotKind.CUMULATIVE:
        return errors
    cap, points = s.max_points_per_project, s.points
    if cap and points and cap > points:
        errors["max_points_per_project"] = ngettext(
            "The most points for one project (%(cap)s) cannot be more than the %(number)s "
            "point each resident shares out",
            "The most points for one project (%(cap)s) cannot be more than the %(number)s "
            "points each resident shares out",
            points,
            cap=format_number(cap),
            number=format_number(points),
        )
    if s.min_projects and points and s.min_projects > points:
        # every chosen project takes at least one point
        errors["min_projects"] = ngettext(
            "Residents cannot choose %(projects)s projects with %(number)s point: lower the "
            "fewest projects or raise the points",
            "Residents cannot choose %(projects)s projects with %(number)s points: lower the "
            "fewest projects or raise the points",
            points,
            projects=format_number(s.min_projects),
            number=format_number(points),
        )
    return errors


def _ballot_fits_projects(round_: BudgetRound) -> None:
    """At the move to voting, when the projects on the ballot are known: a minimum larger
    than the ballot, or a minimum whose cheapest projects already cost more than the
    budget, would leave residents a ballot nobody can fill in. (A maximum above the number
    of projects only allows every project, so it stands.)"""
    on_ballot = sorted(p.cost for p in round_.projects if p.status is ProjectStatus.FEASIBLE)
    n = len(on_ballot)
    least = round_.min_projects
    if least and least > n:
        asked = ngettext(
            "The ballot asks for at least %(number)s project",
            "The ballot asks for at least %(number)s projects",
            least,
            number=format_number(least),
        )
        raise Conflict(
            ngettext(
                "%(asked)s but only %(number)s is feasible; mark more projects feasible first.",
                "%(asked)s but only %(number)s are feasible; mark more projects feasible first.",
                n,
                asked=asked,
                number=format_number(n),
            )
        )
    if (
        least
        and round_.ballot_kind is BallotKind.APPROVAL
        and sum(on_ballot[:least]) > round_.amount
    ):
        raise Conflict(
            ngettext(
                "The cheapest project on the ballot costs %(cost)s, more than the budget of "
                "%(budget)s, so no ballot could be valid.",
                "The %(number)s cheapest projects on the ballot cost %(cost)s, more than the "
                "budget of %(budget)s, so no ballot could be valid.",
                least,
                number=format_number(least),
                cost=format_money(sum(on_ballot[:least]), round_.currency),
                budget=format_money(round_.amount, round_.currency),
            )
        )


def create_round(
    actor: User | None, area: Area, settings: RoundSettings, group: Group | None = None
) -> BudgetRound:
    user = require_signed_in(actor)
    if not can_start_round(user, group):
        raise PermissionDenied(_("Only moderators, or a group's organisers, can start a round."))
    if group is not None and group.area_id != area.id:
        raise ValidationFailed({"area": _("The group's round must be in the group's area")})
    _validate_settings(settings)
    ideas, review, voting, results, delivery = settings.dates
    round_ = BudgetRound(
        slug=settings.slug,
        title=settings.title.strip(),
        description=settings.description.strip(),
        area_id=area.id,
        group_id=group.id if group else None,
        amount=settings.amount,
        currency=settings.currency,
        phase=Phase.IDEAS,
        ideas_from=ideas,
        review_from=review,
        voting_from=voting,
        results_from=results,
        delivery_from=delivery,
        ballot_kind=settings.ballot_kind,
        rule=settings.rule,
        min_projects=settings.min_projects,
        max_projects=settings.max_projects,
        points=settings.points,
        max_points_per_project=settings.max_points_per_project,
        threshold=settings.threshold,
        extra={},
    )
    try:
        with db.session.begin_nested():
            db.session.add(round_)
    except IntegrityError:
        raise ValidationFailed({"slug": _("Another round already uses this short name")}) from None
    audit.record(
        user,
        "budget_round:create",
        round_,
        {
            "area": area.slug,
            "group": group.slug if group else None,
            "amount": settings.amount,
            "currency": settings.currency,
            "ballot": settings.ballot_kind.value,
            "rule": settings.rule,
            "dates": [d.isoformat() for d in settings.dates],
        },
    )
    db.session.flush()
    events.round_news(round_, "ideas")
    return round_


def due_phase(round_: BudgetRound, now: datetime | None = None) -> Phase:
    """The phase the round's dates say it should be in now."""
    now = now or utcnow()
    due = Phase.IDEAS
    for phase, start in round_.phase_dates():
        if aware(start) <= now:
            due = phase
    return due


def voting_open(round_: BudgetRound, now: datetime | None = None) -> bool:
    """Ballots count only in the voting phase and before its closing date, whichever comes
    first: a late phase change cannot keep voting open past the published date."""
    now = now or utcnow()
    return round_.phase is Phase.VOTING and now < aware(round_.results_from)


def _locked(round_: BudgetRound) -> BudgetRound:
    """The round re-read under its row lock (civic.database.lock_row): the one point where
    ballots and the move to results serialise."""
    # the lock is held until COMMIT: commit without waiting for the disk inside it, then
    # wait for the flush before answering (issue 16: ballots serialised on the fsync).
    # Asked for before the lock, so its statement is not one more under it.
    audit.flush_after_commit()
    locked = lock_row(BudgetRound, round_.id)
    if locked is None:
        raise NotFound(_("No community budget round has that address."))
    return locked


def advance_phase(
    actor: User | None,
    round_: BudgetRound,
    to: Phase,
    *,
    by_date: bool = False,
    reason: str = "",
) -> None:
    """Move to the next phase (never back, never skipping). Leaving voting computes and
    freezes the results in the same transaction.

    The round row is locked (exclusive) first and the phase checked after the lock, so the
    move to results waits for every ballot in flight and counts it, and later ballots see
    the new phase. Moving by hand before the phase's published start needs a `reason`,
    published on the round page and in the log; moving by date needs none.
    """
    user = None if by_date else _require_manager(actor, round_)
    round_ = _locked(round_)
    if round_.phase.next is not to:
        if round_.phase.next is None:
            raise Conflict(
                _(
                    "A round in “%(phase)s” cannot move on to another phase.",
                    phase=ROUND_PHASES[round_.phase.value],
                )
            )
        raise Conflict(
            _(
                "A round in “%(phase)s” can only move to “%(next)s”, not “%(to)s”.",
                phase=ROUND_PHASES[round_.phase.value],
                next=ROUND_PHASES[round_.phase.next.value],
                to=ROUND_PHASES[to.value],
            )
        )
    if to is Phase.VOTING and not any(p.status is ProjectStatus.FEASIBLE for p in round_.projects):
        raise Conflict(_("No project has been marked feasible, so there is nothing to vote on."))
    if to is Phase.REVIEW or to is Phase.VOTING:
        pending = [p for p in round_.projects if p.status is ProjectStatus.SUBMITTED]
        if to is Phase.VOTING and pending:
            raise Conflict(
                ngettext(
                    "%(number)s project still awaits review.",
                    "%(number)s projects still await review.",
                    len(pending),
                    number=format_number(len(pending)),
                )
            )
    if to is Phase.VOTING:
        _ballot_fits_projects(round_)
    if to is Phase.VOTING:
        # who can vote in a round, a group's too, is every eligible resident of its area
        privacy.require_electorate(
            constituencies.electorate(round_), "voting in this round", constituencies.who(round_)
        )
    if to is Phase.RESULTS and (contested := open_contest_count(round_)):
        # every accepted ballot is counted: a contested paper ballot is decided first
        raise Conflict(
            ngettext(
                "%(number)s paper ballot is contested; a moderator must decide before the "
                "results are computed.",
                "%(number)s paper ballots are contested; a moderator must decide before the "
                "results are computed.",
                contested,
                number=format_number(contested),
            )
        )
    now = utcnow()
    scheduled = dict(round_.phase_dates())[to]
    why = (
        ""
        if by_date
        else early_reason(
            reason, scheduled, now, doing="move the round", phase=str(ROUND_PHASES[to.value])
        )
    )
    previous = round_.phase
    round_.phase = to
    if why:
        round_.early_moves = {
            **(round_.early_moves or {}),
            to.value: {"reason": why, "at": now.isoformat(), "scheduled": _iso(scheduled)},
        }
    audit.release_pending(round_)  # every ballot is in the log before voting ends
    audit.record(
        user,
        "budget_round:phase",
        round_,
        {
            "from": previous.value,
            "to": to.value,
            "by": "date" if by_date else "hand",
            **({"early_reason": why, "scheduled": _iso(scheduled)} if why else {}),
        },
    )
    if to is Phase.RESULTS:
        compute_results(round_, user)
    db.session.flush()
    if to.value in events.ROUND_NEWS:  # voting and results (see ROUND_NEWS for why)
        events.round_news(round_, to.value)


def open_contest_count(round_: BudgetRound) -> int:
    """Paper ballots in the round that their resident contested and nobody decided yet."""
    return db.session.scalar(
        select(func.count())
        .select_from(BallotContest)
        .where(BallotContest.round_id == round_.id, BallotContest.state == ContestState.OPEN)
    )


def _iso(moment: datetime) -> str:
    return aware(moment).isoformat()


def advance_due_rounds(now: datetime | None = None) -> list[str]:
    """Move every round whose dates have passed on, one phase at a time (run by cron).

    Every round to move is locked, in id order, before the first moves: moving one appends
    to the audit log, and a transaction holding the log must not then wait for a round
    whose voters wait for the log (a deadlock). Run it in a transaction of its own.
    """
    order = list(Phase)
    due = [
        r.id
        for r in db.session.scalars(select(BudgetRound))
        if order.index(due_phase(r, now)) > order.index(r.phase)
    ]
    moved = []
    for round_ in lock_rows(BudgetRound, due):
        target = due_phase(round_, now)  # again, after the lock
        while order.index(round_.phase) < order.index(target):
            step = round_.phase.next
            assert step is not None
            try:
                advance_phase(None, round_, step, by_date=True)
            except Conflict as exc:
                moved.append(f"{round_.slug}: stays in {round_.phase.value} ({exc.message})")
                break
            moved.append(f"{round_.slug}: {step.value}")
    return moved


# --- projects ---------------------------------------------------------------------------


def propose_project(
    actor: User | None,
    round_: BudgetRound,
    *,
    title: str,
    description: str,
    cost_units: int,
    location: str = "",
    category: str = "",
) -> Project:
    user = require_proposer(actor, round_)
    if round_.phase is not Phase.IDEAS:
        raise Conflict(_("Ideas can only be proposed in the ideas phase."))
    errors = {}
    if not title.strip():
        errors["title"] = _("Give your idea a title")
    if not description.strip():
        errors["description"] = _("Describe your idea")
    if cost_units <= 0:
        errors["cost"] = _("Enter the estimated cost in whole pounds")
    elif cost_units * MINOR_PER_UNIT > round_.amount:
        errors["cost"] = _(
            "The whole budget is %(amount)s", amount=money(round_.amount, round_.currency)
        )
    if errors:
        raise ValidationFailed(errors)
    position = (
        db.session.scalar(select(func.max(Project.position)).where(Project.round_id == round_.id))
        or 0
    ) + 1
    project = Project(
        round_id=round_.id,
        position=position,
        external_id=str(position),
        title=title.strip(),
        description=description.strip(),
        cost=cost_units * MINOR_PER_UNIT,
        proposed_cost=cost_units * MINOR_PER_UNIT,
        location=location.strip(),
        category=category.strip(),
        proposer_id=user.id,
        status=ProjectStatus.SUBMITTED,
        extra={},
    )
    db.session.add(project)
    db.session.flush()
    db.session.expire(round_, ["projects"])
    audit.record(
        user, "budget_project:propose", project, {"round": round_.slug, "cost": project.cost}
    )
    events.took_part(user, project, round_)
    return project


def review_project(
    actor: User | None,
    project: Project,
    *,
    feasible: bool,
    reason: str = "",
    cost_units: int | None = None,
    cost_note: str = "",
) -> None:
    round_ = project.round
    user = require_reviewer(actor, project)
    if round_.phase not in (Phase.IDEAS, Phase.REVIEW):
        raise Conflict(_("Projects can only be reviewed before voting opens."))
    if feasible:
        new_cost = project.cost if cost_units is None else cost_units * MINOR_PER_UNIT
        if new_cost <= 0:
            raise ValidationFailed({"cost": _("Enter the cost in whole pounds")})
        if new_cost > round_.amount:
            raise ValidationFailed(
                {
                    "cost": _(
                        "The checked cost cannot be more than the whole budget of %(budget)s",
                        budget=format_money(round_.amount, round_.currency),
                    )
                }
            )
        if new_cost != project.cost and not cost_note.strip():
            raise ValidationFailed({"cost_note": _("Say why the cost changed (it is published)")})
        project.cost = new_cost
        project.cost_note = cost_note.strip()
        project.status = ProjectStatus.FEASIBLE
        project.rejection_reason = ""
        data = {"decision": "feasible", "cost": new_cost, "cost_note": project.cost_note}
    else:
        if not reason.strip():
            raise ValidationFailed({"reason": _("Give the reason; it is shown to everyone")})
        project.status = ProjectStatus.REJECTED
        project.rejection_reason = reason.strip()
        data = {"decision": "rejected", "reason": project.rejection_reason}
    audit.record(user, "budget_project:review", project, data)
    db.session.flush()
    events.project_reviewed(project, user)


def update_delivery(
    actor: User | None, project: Project, status: DeliveryStatus, note: str
) -> None:
    user = _require_manager(actor, project.round)
    if project.status is not ProjectStatus.SELECTED:
        raise Conflict(_("Only funded projects have a delivery status."))
    if not note.strip():
        raise ValidationFailed({"note": _("Write a progress note for residents")})
    project.delivery = status
    db.session.add(ProgressNote(project_id=project.id, author_id=user.id, text=note.strip()))
    audit.record(user, "budget_project:delivery", project, {"status": status.value})
    db.session.flush()


# --- ballots ----------------------------------------------------------------------------


def ballot_rules_for(round_: BudgetRound) -> BallotRules:
    return BallotRules(
        kind=round_.ballot_kind.value,
        budget=round_.amount,
        currency=round_.currency,
        min_projects=round_.min_projects,
        max_projects=round_.max_projects,
        points=round_.points,
        max_points_per_project=round_.max_points_per_project,
    )


def ballot_projects(round_: BudgetRound) -> list[Project]:
    return [p for p in round_.projects if p.on_ballot]


def voter_key(round_: BudgetRound, user: User) -> str:
    """Who cast a ballot, as an HMAC: unique per person and round, unreadable without the key."""
    return ballot_box.voter_key(f"budget:{round_.id}", user.id)


def check_ballot(round_: BudgetRound, choice: Sequence[tuple[int, int]]) -> ballot_rules.Check:
    projects = ballot_projects(round_)
    costs = {p.id: p.cost for p in projects}
    titles = {p.id: p.title for p in projects}
    return ballot_rules.check(ballot_rules_for(round_), costs, choice, titles)


def ballot_errors(checked: ballot_rules.Check) -> dict[str, str]:
    """A refused ballot's errors by form field: one project's points next to its box
    (`points-<id>`), the rest about the ballot as a whole (`ballot`)."""
    errors = {}
    general = [e for e in checked.errors if e not in checked.project_errors.values()]
    if general:
        errors["ballot"] = "; ".join(general)
    for project_id, message in checked.project_errors.items():
        errors[f"points-{project_id}"] = message
    return errors


def _upsert_ballot(round_: BudgetRound, key: str, code: str) -> int | None:
    """One online ballot per voter: 50 simultaneous submissions by one person leave one.
    None when the existing ballot is a paper one: nobody votes both ways."""
    table = Ballot.__table__
    return ballot_box.upsert_returning_id(
        table,
        ("round_id", "voter_key"),
        {
            "round_id": round_.id,
            "voter_key": key,
            "paper": False,
            "entered_by_id": None,
            "extra": {},
            "receipt": code,
            "updated_at": utcnow(),
        },
        ("updated_at", "entered_by_id", "receipt"),
        where=table.c.paper.is_(False),
    )


def _insert_paper_ballot(
    round_: BudgetRound, key: str, code: str, officer: User, number: int
) -> int | None:
    """A paper ballot is only ever added, never written over another: None when the
    resident already has a ballot here. Its number is unique in the round by a constraint,
    so two desks typing the same paper at once store it once (`DuplicatePaper`)."""
    values = {
        "round_id": round_.id,
        "voter_key": key,
        "paper": True,
        "paper_number": number,
        "entered_by_id": officer.id,
        "extra": {},
        "receipt": code,
        "updated_at": utcnow(),
    }
    try:
        with db.session.begin_nested():
            return ballot_box.insert_or_nothing(Ballot.__table__, ("round_id", "voter_key"), values)
    except IntegrityError:
        raise paper_forms._duplicate(round_, number) from None


class AlreadyVoted(Conflict):
    """The resident a paper ballot is entered for already has a ballot in the round."""


def _already_has_ballot(person: User, paper: bool) -> Conflict:
    if paper:
        return AlreadyVoted(
            _(
                "A paper ballot was already entered for %(name)s in this round, and one "
                "paper never replaces another. If it is wrong, %(name)s can contest it on "
                "their ballot page and a moderator will decide.",
                name=person.display_name,
            )
        )
    return AlreadyVoted(
        _("This resident has already voted online in this round; nobody votes both ways.")
    )


def receipt_ballot(round_: BudgetRound, choice: Sequence[tuple[int, int]]) -> dict:
    """The ballot as its receipt code hashes it: projects by their published ids, in order."""
    external = {p.id: p.external_id for p in round_.projects}
    return {
        "projects": [external[project_id] for project_id, _ in choice],
        "points": [points for _, points in choice],
    }


def cast_ballot(
    actor: User | None,
    round_: BudgetRound,
    choice: Sequence[tuple[int, int]],
    *,
    voter: User | None = None,
    paper_number: object = None,
) -> Ballot:
    """Cast or replace a ballot. With `voter`, a manager enters that person's paper ballot,
    from the printed paper numbered `paper_number` ("42" or "B3-0042"; only numbers
    printed for this round, each entered once).

    Every cast gets a new receipt code (`Ballot.receipt`); a change retires the old code as
    replaced (`Ballot.replaced_receipt` says which, for the confirmation) and logs
    `budget_ballot:change` instead of `budget_ballot:cast`, so the log's casts count the
    ballots. A paper ballot is never changed: a second one for the same resident is
    refused, since nobody's paper is replaced by another officer's typing (they contest
    it instead)."""
    paper = voter is not None
    officer = None
    number = None
    paper_errors: dict[str, str] = {}
    if paper:
        officer = _require_manager(actor, round_)
        if not can_take_part(voter, round_):
            raise ValidationFailed(
                {
                    "email": _(
                        "%(name)s is not a registered resident of %(area)s",
                        name=voter.display_name,
                        area=round_.area.name,
                    )
                }
            )
        person = voter
        try:
            number = paper_forms._paper_number(round_, paper_number)
        except ValidationFailed as failure:
            paper_errors = failure.errors  # shown with the ballot's own errors, all at once
    else:
        person = _require_resident(actor, round_)
    # Every cast of the round queues on the round's lock, so what does not need it is done
    # first: the voter key, the classes the person counts in, and, once voting is open
    # (from then on the projects and the ballot rules cannot change), the ballot's check
    # and its receipt code. Under the lock: the phase check and the writes (issue 16).
    key = voter_key(round_, person)
    classes = constituencies.eligible_for(person, round_)
    checked = code = None
    if round_.phase is Phase.VOTING:
        checked = check_ballot(round_, choice)
        if checked.ok:
            code = receipts.new_code(round_.audit_subject, receipt_ballot(round_, checked.chosen))
    # lock before checking the phase: the move to results waits for this ballot
    # and counts it, or has happened and this ballot is refused with a 409
    round_ = _locked(round_)
    if not voting_open(round_):
        raise _too_late(round_)
    if checked is None:  # voting opened while this cast waited for the lock
        checked = check_ballot(round_, choice)
    if not checked.ok or paper_errors:
        raise ValidationFailed(
            {**(ballot_errors(checked) if not checked.ok else {}), **paper_errors}
        )
    if code is None:
        code = receipts.new_code(round_.audit_subject, receipt_ballot(round_, checked.chosen))
    # read under the round's lock: no other ballot of this round is written meanwhile
    earlier, earlier_paper = db.session.execute(
        select(Ballot.receipt, Ballot.paper).where(
            Ballot.round_id == round_.id, Ballot.voter_key == key
        )
    ).first() or (None, None)
    if paper:
        if number is not None and paper_forms._number_taken(round_, number):
            raise paper_forms._duplicate(round_, number)
        if earlier is not None:
            raise _already_has_ballot(person, bool(earlier_paper))
        ballot_id = _insert_paper_ballot(round_, key, code, officer, number)
        if ballot_id is None:  # another desk entered one for them meanwhile
            raise _already_has_ballot(person, True)
    else:
        ballot_id = _upsert_ballot(round_, key, code)
    if ballot_id is None:
        raise Conflict(
            _("This resident has already voted on paper in this round; nobody votes both ways.")
        )
    new = earlier is None  # a new ballot row: nothing of an earlier one to replace
    if not new:
        db.session.execute(delete(BallotEntry).where(BallotEntry.ballot_id == ballot_id))
    # the classes this ballot counts in (one ballot, however many classes)
    constituencies.record_classes(round_, ballot_id, person, classes=classes, new=new)
    db.session.execute(
        insert(BallotEntry),
        [
            {"ballot_id": ballot_id, "project_id": project_id, "rank": rank, "points": points}
            for rank, (project_id, points) in enumerate(checked.chosen, start=1)
        ],
    )
    if earlier is not None:
        receipts.retire(round_.audit_subject, earlier)
    else:  # a new ballot, not a change
        count_ballots(round_.id, 1, paper=paper)
    # a secret ballot: the log records that a ballot was cast, never what it says
    tag = "budget_ballot:change" if earlier is not None else "budget_ballot:cast"
    if paper:
        # As for paper votes (civic.paper): the ballot is the resident's own private act
        # under their pseudonym for this round, as online, so an officer's pseudonym never
        # gathers the ballots they typed; the officer's entry is a named act giving the
        # printed paper's number, never what it says. The resident is told.
        audit.record(person, tag, round_, {"paper": True})
        label = paper_forms.paper_label(round_, number)
        audit.record(officer, "paper:enter", round_, {"paper": label})
        paper_forms.tell_entered(person, round_, number)
    else:
        audit.record(actor, tag, round_, {"paper": False})
        events.took_part(person, round_)
    # the row as the upsert left it (its new receipt), in one read
    ballot = db.session.get(Ballot, ballot_id, populate_existing=True)
    ballot.replaced_receipt = earlier
    return ballot


def withdraw_ballot(actor: User | None, round_: BudgetRound) -> str:
    """Take back the resident's own online ballot before voting closes; returns the
    withdrawn ballot's receipt code.

    The ballot and its entries are deleted (counted nowhere), its code is retired as
    "withdrawn" (a receipt check says so once ballots are published) and the log gets
    `budget_ballot:withdraw`, so its casts less its withdrawals still count the ballots.
    It takes the round's row lock first, as a cast does: the move to results either
    counts the withdrawal (it came first) or has happened and the withdrawal is refused.
    The resident may cast again afterwards. A paper ballot is contested, not withdrawn:
    an officer entered it, so a moderator decides."""
    user = _require_resident(actor, round_)
    round_ = _locked(round_)
    if not voting_open(round_):
        raise _too_late(round_, withdrawing=True)
    ballot = db.session.scalar(
        select(Ballot).where(
            Ballot.round_id == round_.id, Ballot.voter_key == voter_key(round_, user)
        )
    )
    if ballot is None:
        raise Conflict(
            _("You have no saved ballot in this round, so there is nothing to withdraw.")
        )
    if ballot.paper:
        raise Conflict(
            _(
                "A paper ballot was entered for you. You cannot withdraw it online; if it is "
                "wrong, contest it on your ballot page and a moderator will decide."
            )
        )
    code = ballot.receipt
    constituencies.forget_cast(round_, ballot.id)
    db.session.delete(ballot)  # its entries go with it (delete-orphan)
    count_ballots(round_.id, -1)
    receipts.retire(round_.audit_subject, code, receipts.WITHDRAWN)
    audit.record(actor, "budget_ballot:withdraw", round_, {"paper": False})
    db.session.flush()
    return code


def _too_late(round_: BudgetRound, *, withdrawing: bool = False) -> Conflict:
    """The refusal a ballot gets when voting ended before it arrived: never a silent loss."""
    order = list(Phase)
    if order.index(round_.phase) < order.index(Phase.VOTING):
        return Conflict(_("Voting has not opened in this round; your ballot was not counted."))
    frozen = db.session.get(RoundResult, round_.id)
    ended = frozen.computed_at if frozen is not None else round_.results_from
    if withdrawing:
        return Conflict(
            _(
                "Voting closed at %(moment)s, so your ballot can no longer be withdrawn; "
                "it is counted as you saved it.",
                moment=_spoken(ended),
            )
        )
    return Conflict(
        _(
            "Voting closed at %(moment)s before your ballot arrived; it was not counted.",
            moment=_spoken(ended),
        )
    )


def _spoken(moment: datetime) -> str:
    """`clock.spoken` in the reader's language ("14:03 on 29 November 2026 (UTC)")."""
    if current_language() == "en":
        return spoken(moment)
    return _(
        "%(time)s on %(day)s (UTC)", time=aware(moment).strftime("%H:%M"), day=format_day(moment)
    )


def my_receipt(round_: BudgetRound, user: User) -> str | None:
    """The receipt code of the resident's current ballot, found by their voter key."""
    return db.session.scalar(
        select(Ballot.receipt).where(
            Ballot.round_id == round_.id, Ballot.voter_key == voter_key(round_, user)
        )
    )


def current_choice(round_: BudgetRound, user: User) -> list[tuple[int, int]]:
    ballot = db.session.scalar(
        select(Ballot).where(
            Ballot.round_id == round_.id, Ballot.voter_key == voter_key(round_, user)
        )
    )
    if ballot is None:
        return []
    return [(e.project_id, e.points) for e in ballot.entries]


def count_ballots(round_id: int, change: int, *, paper: bool = False) -> None:
    """Keep the round's ballot counts (`BudgetRound.ballots_cast`) in step with a ballot
    added (change > 0) or removed (< 0), in the caller's transaction. The database adds to
    the stored value (`SET n = n + change`), so simultaneous casts never lose one."""
    db.session.execute(
        update(BudgetRound)
        .where(BudgetRound.id == round_id)
        .values(
            ballots_cast=BudgetRound.ballots_cast + change,
            paper_ballots_cast=BudgetRound.paper_ballots_cast + (change if paper else 0),
        )
        .execution_options(synchronize_session=False)
    )
    round_ = db.session.get(BudgetRound, round_id)
    if round_ is not None:  # the object in the session reads the new values when next used
        db.session.expire(round_, ["ballots_cast", "paper_ballots_cast"])


def ballot_count(round_: BudgetRound) -> tuple[int, int]:
    """(all ballots, paper ballots) cast in the round, as kept on the round: the round page
    shows them on every view, and counting 60,000 ballots each time is what it must not
    do."""
    return round_.ballots_cast, round_.paper_ballots_cast


def counted_ballots(round_: BudgetRound) -> tuple[int, int]:
    """(all ballots, paper ballots) counted from the ballots themselves: the frozen
    results state these, once."""
    rows = db.session.execute(
        select(Ballot.paper, func.count())
        .where(Ballot.round_id == round_.id)
        .group_by(Ballot.paper)
    ).all()
    counts = {paper: n for paper, n in rows}
    return sum(counts.values()), counts.get(True, 0)


def public_ballot_count(round_: BudgetRound) -> dict[str, object]:
    """What anyone may know of how many ballots were cast: exact once the results are
    frozen, before that a band (`privacy.turnout_band`), so the count does not tick up by
    one right after a named act. {"exact": n or None, "paper": n or None, "words": str}."""
    # the two counts only: the result row's per-project figures and rule detail are large
    # JSON for a city round, and the round page asks this on every view
    counts = db.session.execute(
        select(RoundResult.ballots, RoundResult.paper_ballots).where(
            RoundResult.round_id == round_.id
        )
    ).first()
    if counts is not None:
        exact, paper = counts
        return {"exact": exact, "paper": paper, "words": str(exact)}
    if round_.phase in (Phase.IDEAS, Phase.REVIEW):  # nobody can have voted yet
        return {"exact": 0, "paper": 0, "words": "0"}
    total, _paper = ballot_count(round_)
    return {"exact": None, "paper": None, "words": vote_wording.band_words(total)}


def class_figures(round_: BudgetRound) -> constituencies.ClassFigures | None:
    """Ballots counted per class for a round open to constituencies (a voter in two classes
    once in each), withheld until results and below the privacy minimum."""
    final = round_.phase in (Phase.RESULTS, Phase.DELIVERY)
    counts = (
        constituencies.counts_by_class(
            round_, select(Ballot.id).where(Ballot.round_id == round_.id)
        )
        if final
        else {}
    )
    return constituencies.class_figures(round_, counts, final=final, noun="ballots")


def ballots_withheld(round_: BudgetRound) -> str | None:
    """Why the round's ballots may not be published one by one (None: they may be).

    Ballots come out with the frozen results, and only when at least MIN_ELECTORATE were
    cast: with three ballots, anyone who knows two voters' choices knows the third's."""
    result = db.session.get(RoundResult, round_.id)
    if result is None:
        return _("Ballots are published with the results, when voting closes.")
    if not privacy.publishable(result.ballots):
        return privacy.ballots_withheld_words(result.ballots)
    return None


def anonymised_ballots(round_: BudgetRound) -> list[dict]:
    """Every ballot's contents and receipt code, sorted by code: an order that says nothing
    about who or when (codes are random). A blank ballot (possible in imported and paper
    rounds) is kept: its voter still holds a share of the budget under the Method of Equal
    Shares, as pabutools and the cities count it.

    During a Pabulib import they are the ones just parsed (`imported_ballots`, the same
    list this query would give), so freezing the round does not read 60,000 ballots back."""
    if round_.imported_ballots is not None:
        return round_.imported_ballots
    entries: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    paper: dict[int, bool] = {}
    codes: dict[int, str] = {}
    rows = db.session.execute(
        select(
            Ballot.id,
            Ballot.paper,
            Ballot.receipt,
            BallotEntry.project_id,
            BallotEntry.rank,
            BallotEntry.points,
        )
        .outerjoin(BallotEntry, BallotEntry.ballot_id == Ballot.id)
        .where(Ballot.round_id == round_.id)
    )
    for ballot_id, is_paper, code, project_id, rank, points in rows:
        paper[ballot_id] = is_paper
        codes[ballot_id] = code
        items = entries[ballot_id]  # a blank ballot stays, with nothing on it
        if project_id is not None:
            items.append((rank, project_id, points))
    external = {p.id: p.external_id for p in round_.projects}
    # who voted on paper is often known locally: mark paper ballots only when each kind is
    # absent or numerous enough not to single anyone out (else "paper" is None)
    on_paper = sum(paper.values())
    mark = all(n == 0 or privacy.publishable(n) for n in (on_paper, len(paper) - on_paper))
    out = []
    for ballot_id, items in entries.items():
        items.sort()
        out.append(
            {
                "receipt": codes[ballot_id],
                "projects": [external[p] for _, p, _ in items],
                "points": [pts for _, _, pts in items],
                "paper": paper[ballot_id] if mark else None,
            }
        )
    out.sort(key=lambda b: b["receipt"])
    return out


# --- results ----------------------------------------------------------------------------


def _fraction_text(value: Fraction | int | None) -> str | None:
    if value is None:
        return None
    return (
        f"{Fraction(value).numerator}/{Fraction(value).denominator}"
        if isinstance(value, Fraction)
        else str(value)
    )


def rule_input(round_: BudgetRound) -> tuple[Instance, Profile, list[Project]]:
    projects = ballot_projects(round_)
    instance = Instance(
        {p.external_id: p.cost // MINOR_PER_UNIT for p in projects}, round_.amount // MINOR_PER_UNIT
    )
    with_points = round_.ballot_kind is BallotKind.CUMULATIVE
    votes = [
        (tuple(b["projects"]), tuple(b["points"]) if with_points else None)
        for b in anonymised_ballots(round_)
    ]
    return instance, Profile.from_votes(round_.ballot_kind.vote_type, votes), projects


def recount_settings(round_: BudgetRound) -> dict:
    """What an outsider needs, besides `ballots.json` and each project's cost, to recompute
    the winners exactly as `compute_results` did: published with the results."""
    return {
        "vote_type": round_.ballot_kind.vote_type,
        "points": round_.ballot_kind is BallotKind.CUMULATIVE,
        "borda_top": round_.max_projects if round_.ballot_kind is BallotKind.RANKED else None,
        "threshold": round_.threshold,
    }


def result_detail(outcome: Outcome) -> dict:
    """The rule's own figures worth publishing: for the Method of Equal Shares, each voter's
    share of the budget the count ended with (exact, "n/d") and, with Add1, how many whole
    units per voter the completion added to budget / voters."""
    if outcome.share is None:
        return {}
    return {"share": _fraction_text(outcome.share), "increment": outcome.increment}


def compute_results(round_: BudgetRound, actor: User | None) -> RoundResult:
    """Compute and freeze the results from every ballot, under the round's lock.

    The ballots read here and the count stored with the result come from one frozen state:
    no ballot can be written while the lock is held, and none after (the phase has left
    voting), so `ballots.json` always reproduces these winners and this input digest.
    """
    round_ = _locked(round_)
    if db.session.get(RoundResult, round_.id) is not None:
        raise Conflict(_("Results for this round are already computed and frozen."))
    instance, profile, projects = rule_input(round_)
    scoring = (
        borda(round_.max_projects)
        if round_.ballot_kind is BallotKind.RANKED and round_.max_projects
        else None
    )
    outcome = compute(
        instance, profile, round_.rule, threshold=round_.threshold, ranked_scoring=scoring
    )
    selected = set(outcome.selected)
    figures = []
    for project in projects:
        result = outcome.projects[project.external_id]
        project.status = (
            ProjectStatus.SELECTED
            if project.external_id in selected
            else ProjectStatus.NOT_SELECTED
        )
        figures.append(
            {
                "id": project.external_id,
                "title": project.title,
                "cost": project.cost,
                "votes": result.votes,
                "score": result.score,
                "status": result.status,
                "selected": result.selected,
                "position": result.position,
                "explanation": outcome.explain(project.external_id, round_.currency),
                "supporters_money": _fraction_text(result.supporters_money),
            }
        )
    total, paper = counted_ballots(round_)
    digest = input_digest(instance, profile)
    cost = sum(p.cost for p in projects if p.external_id in selected)
    entry = audit.record(
        actor,
        "budget_round:results",
        round_,
        {
            "rule": round_.rule,
            "input_digest": digest,
            "selected": list(outcome.selected),
            "votes": {f["id"]: f["votes"] for f in figures},
            "ballots": total,
            "paper_ballots": paper,
            "cost": cost,
        },
        at_once=True,  # its seq is stored with the frozen results, which are signed below
    )
    result = RoundResult(
        round_id=round_.id,
        rule=round_.rule,
        input_digest=digest,
        selected=list(outcome.selected),
        projects=figures,
        ballots=total,
        paper_ballots=paper,
        cost=cost,
        tie_breaking=TIE_BREAKING["greedy" if round_.rule.startswith("greedy") else "mes"],
        notes=list(outcome.notes),
        detail=result_detail(outcome),
        audit_seq=entry.seq,
        computed_at=utcnow(),
    )
    db.session.add(result)
    db.session.flush()
    audit.make_checkpoint(f"budget_round:results {round_.id}")  # signs the frozen results
    from civic.budgets import downloads  # it builds on this module's queries

    downloads.freeze(round_)  # built once now, never again per request
    return result


def rounds_of_group(group: Group) -> list[BudgetRound]:
    return list(
        db.session.scalars(
            select(BudgetRound)
            .where(BudgetRound.group_id == group.id)
            .order_by(BudgetRound.ideas_from.desc(), BudgetRound.id.desc())
        )
    )


def get_round(slug: str) -> BudgetRound:
    round_ = db.session.scalar(select(BudgetRound).where(BudgetRound.slug == slug))
    if round_ is None:
        raise NotFound(_("No community budget round has that address."))
    return round_
