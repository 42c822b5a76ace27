"""Community budget pages: rounds, ideas, review, ballots (with a live running total),
paper ballots, results with explanations, and delivery."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, time
from fractions import Fraction
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from civic import frozen
from civic.accounts.models import Area, Group, utcnow
from civic.budgets import charts, contests, downloads, explain, services
from civic.budgets.ballots import MINOR_PER_UNIT
from civic.budgets.forms import DeliveryForm, ProjectForm, ReviewForm, RoundForm
from civic.budgets.models import (
    BallotKind,
    BudgetRound,
    DeliveryStatus,
    Phase,
    Project,
    RoundResult,
)
from civic.clock import aware
from civic.constituencies import services as constituencies
from civic.discussions import subjects
from civic.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from civic.extensions import db
from civic.forms import attach_errors, check_csrf
from civic.i18n import _
from civic.i18n import lazy_gettext as _l
from civic.paper import services as paper_desk
from civic.params import parse_id
from civic.permissions import require_moderator, require_signed_in
from civic.receipts import views as receipt_views
from civic.web import render

bp = Blueprint("budgets", __name__, url_prefix="/budgets")


def _round_subject(slug: str) -> subjects.SubjectInfo | None:
    found = db.session.scalar(select(BudgetRound).where(BudgetRound.slug == slug))
    if found is None:
        return None
    return subjects.SubjectInfo(found.title, found.area, "budgets.round_detail", {"slug": slug})


def _project_subject(project_id: str) -> subjects.SubjectInfo | None:
    ident = parse_id(project_id)
    found = db.session.get(Project, ident) if ident is not None else None
    if found is None:
        return None
    return subjects.SubjectInfo(
        found.title,
        found.round.area,
        "budgets.project_detail",
        {"slug": found.round.slug, "project_id": str(found.id)},
    )


subjects.register("budget_round", _round_subject)
subjects.register("budget_project", _project_subject)


def _project(round_: BudgetRound, project_id: int) -> Project:
    found = db.session.get(Project, project_id)
    if found is None or found.round_id != round_.id:
        raise NotFound(_("That project is not part of this round."))
    return found


# --- rounds -----------------------------------------------------------------------------


@bp.get("")
def index() -> Any:
    # each row shows its area and group: loaded with the rounds, not one query per row
    rounds = db.session.scalars(
        select(BudgetRound)
        .options(selectinload(BudgetRound.area), selectinload(BudgetRound.group))
        .order_by(BudgetRound.voting_from.desc())
    ).all()
    return render_template("budgets/index.html", rounds=rounds)


def _at_midnight(day: Any) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_round() -> Any:
    group = None
    if slug := request.args.get("group"):
        group = db.session.scalar(select(Group).where(Group.slug == slug))
        if group is None:  # not a moderator's general form in disguise
            raise NotFound(_("No neighbourhood group has that short name."))
    # permission before the form is read, for GET and POST alike
    if not services.can_start_round(require_signed_in(current_user), group):
        raise PermissionDenied(_("Only moderators, or a group's organisers, can start a round."))
    form = RoundForm()
    areas = [group.area] if group else db.session.scalars(select(Area).order_by(Area.name)).all()
    form.area.choices = [(a.id, a.name) for a in areas]
    if form.validate_on_submit():
        settings = services.RoundSettings(
            title=form.title.data,
            slug=form.slug.data.strip().lower(),
            description=form.description.data or "",
            amount=form.amount.data * 100,
            currency="GBP",
            dates=[
                _at_midnight(getattr(form, name).data)
                for name in (
                    "ideas_from",
                    "review_from",
                    "voting_from",
                    "results_from",
                    "delivery_from",
                )
            ],
            ballot_kind=BallotKind(form.ballot_kind.data),
            rule=form.rule.data,
            min_projects=form.min_projects.data,
            max_projects=form.max_projects.data,
            points=form.points.data,
            max_points_per_project=form.max_points_per_project.data,
            threshold=form.threshold.data,
        )
        try:
            area = db.session.get(Area, form.area.data)
            created = services.create_round(current_user, area, settings, group)
        except ValidationFailed as failure:
            if "dates" in failure.errors:
                failure.errors["review_from"] = failure.errors.pop("dates")
            attach_errors(form, failure)
        else:
            opens = aware(created.ideas_from)
            message = (
                _(
                    "Round %(title)s created; ideas open on %(day)s.",
                    title=created.title,
                    day=opens.strftime("%d %B %Y"),
                )
                if utcnow() < opens
                else _("Round %(title)s created; ideas are open.", title=created.title)
            )
            flash(message, "success")
            return redirect(url_for("budgets.round_detail", slug=created.slug))
    status = 422 if form.is_submitted() else 200
    return render("budgets/round_form.html", status=status, form=form, group=group)


CONFIRM_RESULTS = _l("Tick the box to confirm the results will be computed and frozen")


def _round_page(
    round_: BudgetRound,
    status: int = 200,
    error: str | None = None,
    confirm_error: str | None = None,
    reason_error: str | None = None,
) -> Any:
    total, paper = services.ballot_count(round_)  # exact: for the managers' column only
    order = list(Phase)
    due = services.due_phase(round_)
    now = utcnow()
    upcoming = round_.phase.next
    next_from = dict(round_.phase_dates())[upcoming] if upcoming is not None else None
    return render(
        "budgets/round.html",
        status=status,
        round=round_,
        services=services,
        Phase=Phase,
        ballots=total,
        paper_ballots=paper,
        public_ballots=services.public_ballot_count(round_),
        due=due,
        # phases never move back: only a later phase that is due is worth mentioning
        due_later=order.index(due) > order.index(round_.phase),
        not_started=utcnow() < aware(round_.ideas_from),
        error=error,
        confirm_error=confirm_error,
        reason_error=reason_error,
        # moving on before the next phase's published date needs a published reason
        early=next_from is not None and now < aware(next_from),
        next_from=next_from,
        reason=request.form.get("reason", "") if request.method == "POST" else "",
        early_moves=_early_moves(round_),
        who_takes_part=constituencies.who(round_),
        class_figures=services.class_figures(round_),
    )


def _early_moves(round_: BudgetRound) -> list[tuple[Phase, datetime, datetime, str]]:
    """(phase, when it began, its published date, reason) for each early move, in order."""
    return [(phase, *move) for phase, move in round_.moved_early().items()]


@bp.get("/<slug>")
def round_detail(slug: str) -> Any:
    return _round_page(services.get_round(slug))


@bp.post("/<slug>/phase")
@login_required
def advance(slug: str) -> Any:
    round_ = services.get_round(slug)
    services.require_manager(current_user, round_)  # before the form is read
    try:
        target = Phase(request.form.get("to", ""))
    except ValueError:
        return _round_page(round_, 422, _("Choose a phase to move to"))
    # computing the results freezes them for good: ask for a tick, not just a click
    confirmed = request.form.get("confirm") == "yes"
    if target is Phase.RESULTS and round_.phase.next is Phase.RESULTS and not confirmed:
        said = str(CONFIRM_RESULTS)
        return _round_page(round_, 422, said, confirm_error=said)
    try:
        services.advance_phase(current_user, round_, target, reason=request.form.get("reason", ""))
    except ValidationFailed as refused:  # e.g. no reason for moving early: by its field
        field_error = refused.errors.get("reason")
        return _round_page(round_, refused.status, refused.message, reason_error=field_error)
    except Conflict as refused:  # the reason goes on the page
        return _round_page(round_, refused.status, refused.message)
    flash(_("The round is now in its %(phase)s phase.", phase=target.title.lower()), "success")
    return redirect(url_for("budgets.round_detail", slug=slug))


# --- projects ---------------------------------------------------------------------------


@bp.route("/<slug>/propose", methods=["GET", "POST"])
@login_required
def propose(slug: str) -> Any:
    round_ = services.get_round(slug)
    services.require_proposer(current_user, round_)  # before the form is read
    form = ProjectForm()
    if form.validate_on_submit():
        try:
            project = services.propose_project(
                current_user,
                round_,
                title=form.title.data,
                description=form.description.data,
                cost_units=form.cost.data,
                location=form.location.data or "",
                category=form.category.data or "",
            )
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            flash(_("Thank you: your idea is submitted for review."), "success")
            return redirect(url_for("budgets.project_detail", slug=slug, project_id=project.id))
    status = 422 if form.is_submitted() else 200
    return render("budgets/propose.html", status=status, form=form, round=round_)


@bp.route("/<slug>/projects/<int:project_id>", methods=["GET", "POST"])
def project_detail(slug: str, project_id: int) -> Any:
    round_ = services.get_round(slug)
    project = _project(round_, project_id)
    review = ReviewForm(prefix="review")
    delivery = DeliveryForm(prefix="delivery")
    units, pence = divmod(project.cost, MINOR_PER_UNIT)
    if request.method == "GET" and not pence:
        # "leave as it is": the box starts with the current cost (a cost with pence is left
        # blank, which keeps it exactly, rather than rounded and flagged as changed)
        review.cost.data = units
    if request.method == "POST":
        form = review if "review-submit" in request.form else delivery
        # permission before the form is validated
        if form is review:
            services.require_reviewer(current_user, project)
        else:
            services.require_manager(current_user, round_)
        if form.validate_on_submit():
            try:
                if form is review:
                    services.review_project(
                        current_user,
                        project,
                        feasible=review.decision.data == "feasible",
                        reason=review.reason.data or "",
                        cost_units=review.cost.data,
                        cost_note=review.cost_note.data or "",
                    )
                else:
                    services.update_delivery(
                        current_user,
                        project,
                        DeliveryStatus(delivery.status.data),
                        delivery.note.data or "",
                    )
            except ValidationFailed as failure:
                attach_errors(form, failure)
            else:
                flash(_("Saved."), "success")
                return redirect(url_for("budgets.project_detail", slug=slug, project_id=project.id))
    status = 422 if request.method == "POST" else 200
    return render(
        "budgets/project.html",
        status=status,
        round=round_,
        project=project,
        review=review,
        delivery=delivery,
        can_manage=services.can_manage(current_user, round_),
        can_review=services.can_review(current_user, project),
    )


# --- ballots ----------------------------------------------------------------------------


def _parse_choice(round_: BudgetRound) -> list[tuple[int, int]]:
    """The ballot as (project id, points) from the form, in ballot order."""
    form = request.form
    if round_.ballot_kind is BallotKind.CUMULATIVE:
        choice, errors = [], {}
        for project in services.ballot_projects(round_):
            raw = (form.get(f"points-{project.id}") or "").strip()
            if not raw:
                continue
            if not re.fullmatch(r"-?[0-9]{1,9}", raw):
                errors[f"points-{project.id}"] = _(
                    "Enter the points for %(title)s as a whole number, like 3",
                    title=project.title,
                )
            elif int(raw) != 0:
                choice.append((project.id, int(raw)))
        if errors:
            raise ValidationFailed(errors)
        return choice
    if round_.ballot_kind is BallotKind.RANKED:
        chosen = [form.get(f"rank-{n}", "") for n in range(1, (round_.max_projects or 0) + 1)]
    else:
        chosen = form.getlist("project")
    ids = [parse_id(value) for value in chosen if value]
    if None in ids:  # a tampered form: "abc" where a project's number belongs
        raise ValidationFailed({"ballot": _not_a_project(round_.ballot_kind)})
    return [(ident, 1) for ident in ids if ident is not None]


def _not_a_project(kind: BallotKind) -> str:
    """What a ballot naming something that is not a project says, in the words of its kind:
    a ticked box on an approval ballot, a choice on a ranked one (never points)."""
    if kind is BallotKind.RANKED:
        return _("One of your choices is not a project on this ballot: pick each choice again")
    return _("One of the projects you ticked is not on this ballot: tick projects from the list")


def _ballot_page(
    round_: BudgetRound, choice: list[tuple[int, int]], status: int, **extra: Any
) -> Any:
    check = services.check_ballot(round_, choice) if choice else None
    if request.method == "POST":  # what was typed stays in the boxes, even if it is wrong
        extra.setdefault("typed", {key: value for key, value in request.form.items()})
    return render(
        "budgets/ballot.html",
        block=extra.pop("block", None),
        status=status,
        round=round_,
        projects=services.ballot_projects(round_),
        chosen={pid: pts for pid, pts in choice},
        order=[pid for pid, _ in choice],
        check=check,
        is_open=services.voting_open(round_),
        paper_label=paper_desk.paper_label,
        **_receipt_context(round_),
        **extra,
    )


# --- receipts ---------------------------------------------------------------------------


def _receipt_context(round_: BudgetRound) -> dict[str, Any]:
    """The signed-in voter's own receipt code, for the receipt panel on the ballot page."""
    mine = services.my_receipt(round_, current_user) if current_user.is_authenticated else None
    return {
        "my_receipt": mine,
        "receipt_download": url_for("budgets.receipt_txt", slug=round_.slug),
    }


@bp.get("/<slug>/receipt.txt")
@login_required
def receipt_txt(slug: str) -> Any:
    """The voter's receipt as a text file (found by their voter key)."""
    round_ = services.get_round(slug)
    return receipt_views.download(services.my_receipt(round_, current_user))


@bp.get("/<slug>/replaced.json")
def replaced_json(slug: str) -> Any:
    """Receipt codes no longer counted: replaced by the same voter's later ballot, withdrawn
    by their voter before the close, or (paper ballots) voided after a contest. Published
    with the ballots, by the same rule."""
    round_ = services.get_round(slug)
    if reason := services.ballots_withheld(round_):
        body = json.dumps({"error": "Not published", "message": reason, "status": 404})
        return Response(body, status=404, mimetype="application/json")
    return _frozen(round_, "replaced.json")  # final with the results: built once


@bp.route("/<slug>/ballot", methods=["GET", "POST"])
@login_required
def ballot(slug: str) -> Any:
    round_ = services.get_round(slug)
    if request.method == "GET":
        choice = services.current_choice(round_, current_user)
        return _ballot_page(
            round_,
            choice,
            200,
            errors={},
            summary_of="saved",
            may_vote=services.can_take_part(current_user, round_),
            **_paper_notice(round_),
        )
    services.require_voter(current_user, round_)  # before the ballot is read
    choice: list[tuple[int, int]] = []
    try:
        check_csrf()
        choice = _parse_choice(round_)
        if _checking_only():
            return _ballot_page(
                round_, choice, 200, errors={}, summary_of="checked", **_paper_notice(round_)
            )
        cast = services.cast_ballot(current_user, round_, choice)
    except ValidationFailed as failure:
        return _ballot_page(
            round_,
            choice,
            422,
            errors=failure.errors,
            summary_of="sent",
            **_paper_notice(round_),
        )
    flash(_saved_words(cast.receipt, cast.replaced_receipt), "success")
    return redirect(url_for("budgets.ballot", slug=slug))


def _saved_words(code: str, replaced: str | None) -> str:
    """`receipts.receipt_words` for a budget ballot, in the reader's language."""
    if replaced:
        return _(
            "Your ballot is saved. You can change it until voting closes. Your new receipt "
            "is %(code)s; your earlier receipt %(old)s is now marked replaced.",
            code=code,
            old=replaced,
        )
    return _(
        "Your ballot is saved. You can change it until voting closes. Your receipt is %(code)s.",
        code=code,
    )


@bp.route("/<slug>/ballot/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(slug: str) -> Any:
    """Withdraw a saved ballot: GET asks for confirmation (a plain form, no JavaScript
    needed), POST withdraws it through the service."""
    round_ = services.get_round(slug)
    services.require_voter(current_user, round_)  # before anything about a ballot is shown
    receipt = services.my_receipt(round_, current_user)
    if request.method == "GET":
        return render("budgets/withdraw.html", round=round_, receipt=receipt, error=None)
    check_csrf()
    try:
        code = services.withdraw_ballot(current_user, round_)
    except Conflict as refused:
        return render(
            "budgets/withdraw.html",
            status=refused.status,
            round=round_,
            receipt=services.my_receipt(round_, current_user),
            error=refused.message,
        )
    flash(
        _(
            "Your ballot is withdrawn and will not be counted. Its receipt %(code)s is now "
            "marked withdrawn. You can vote again until voting closes.",
            code=code,
        ),
        "success",
    )
    return redirect(url_for("budgets.ballot", slug=slug))


def _checking_only() -> bool:
    """The "Check my total" button: the running total without JavaScript. The page comes
    back with the choices, their total and anything wrong, and nothing is saved."""
    return request.form.get("action") == "check"


@bp.post("/<slug>/ballot/check")
def ballot_check(slug: str) -> Any:
    """The running total for htmx: what is chosen, what is left, what is wrong."""
    round_ = services.get_round(slug)
    check_csrf()
    try:
        choice = _parse_choice(round_)
    except ValidationFailed as failure:
        return _ballot_page(
            round_, [], 200, block="summary", errors=failure.errors, summary_of="live"
        )
    return _ballot_page(round_, choice, 200, block="summary", errors={}, summary_of="live")


@bp.route("/<slug>/paper", methods=["GET", "POST"])
@login_required
def paper(slug: str) -> Any:
    round_ = services.get_round(slug)
    if not services.can_manage(current_user, round_):
        raise PermissionDenied(_("Only moderators and the group's organisers enter paper ballots."))
    if request.method == "GET":
        return _ballot_page(
            round_, [], 200, errors={}, paper=True, email="", code="", summary_of="empty"
        )
    email = (request.form.get("email") or "").strip()
    code = (request.form.get("code") or "").strip()
    typed = {"email": email, "code": code}
    choice: list[tuple[int, int]] = []
    try:
        choice = _parse_choice(round_)
        if _checking_only():
            return _ballot_page(
                round_, choice, 200, errors={}, paper=True, summary_of="checked", **typed
            )
        # the desk's own look-up: a letter code (used or not) or an account's address
        who = paper_desk.identify(code, email, "", check_required=False)
        voter = paper_desk.resident_for(current_user, who, round_)
        cast = services.cast_ballot(
            current_user, round_, choice, voter=voter, paper_number=request.form.get("paper_number")
        )
    except ValidationFailed as failure:
        errors = failure.errors
        if code and "email" in errors and not email:  # the resident was named by code
            errors = {("code" if k == "email" else k): v for k, v in errors.items()}
        return _ballot_page(
            round_, choice, 422, errors=errors, paper=True, summary_of="sent", **typed
        )
    except (paper_desk.DuplicatePaper, services.AlreadyVoted) as refused:
        # a paper entered before goes by its number's field; a resident's ballot by theirs
        if isinstance(refused, paper_desk.DuplicatePaper):
            where = "paper_number"
        else:
            where = "code" if code and not email else "email"
        return _ballot_page(
            round_,
            choice,
            409,
            errors={where: refused.message},
            paper=True,
            summary_of="sent",
            **typed,
        )
    label = paper_desk.paper_label(round_, cast.paper_number)
    if voter.paper_only:
        said = _(
            "Paper ballot %(label)s recorded for a resident with no account, paper only. Its "
            "receipt is %(code)s: write it on the resident's slip. If they register online "
            "with their letter code, they see it on their ballot page.",
            label=label,
            code=cast.receipt,
        )
    else:
        said = _(
            "Paper ballot %(label)s recorded. Its receipt is %(code)s: write it on the "
            "resident's slip; they also see it on their ballot page when they sign in.",
            label=label,
            code=cast.receipt,
        )
    flash(said, "success")
    return redirect(url_for("budgets.paper", slug=slug))


@bp.post("/<slug>/paper/print")
@login_required
def print_papers(slug: str) -> Any:
    """Reserve numbers for a stack of blank ballot papers, then show them to print."""
    round_ = services.get_round(slug)
    services.require_manager(current_user, round_)  # before the form is read
    check_csrf()
    count = request.form.get("count") or ""
    try:
        first, last = paper_desk.issue_papers(current_user, round_, count)
    except ValidationFailed as failure:
        return _ballot_page(
            round_,
            [],
            422,
            errors=failure.errors,
            paper=True,
            email="",
            code="",
            summary_of="empty",
        )
    return redirect(url_for("budgets.papers", slug=slug, first=first, last=last))


@bp.get("/<slug>/paper/papers")
@login_required
def papers(slug: str) -> Any:
    """Printable blank ballot papers, one per printed page, each with its own number."""
    round_ = services.get_round(slug)
    services.require_manager(current_user, round_)
    numbers = paper_desk.printable_range(
        round_, request.args.get("first"), request.args.get("last")
    )
    return render(
        "budgets/papers.html",
        round=round_,
        projects=services.ballot_projects(round_),
        numbers=numbers,
        label=paper_desk.paper_label,
    )


# --- contested paper ballots ------------------------------------------------------------


@bp.app_template_global("paper_ballot_for")
def _paper_ballot_for(round_: BudgetRound) -> Any:
    """The signed-in resident's paper ballot in `round_`, for the round and ballot pages."""
    return contests.paper_ballot_for(round_, current_user)


@bp.app_template_global("open_contest_count")
def _open_contest_count(round_: BudgetRound) -> int:
    return services.open_contest_count(round_)


def _paper_notice(round_: BudgetRound) -> dict[str, Any]:
    """What the ballot page shows a resident about a paper ballot entered for them."""
    return {
        "paper_ballot": contests.paper_ballot_for(round_, current_user),
        "contests": contests.contests_of(round_, current_user),
        "results_frozen": contests.results_frozen(round_),
    }


@bp.post("/<slug>/ballot/contest")
@login_required
def contest(slug: str) -> Any:
    """The resident contests the paper ballot an officer entered for them."""
    round_ = services.get_round(slug)
    contests.require_contestant(current_user, round_)  # before the form is read
    check_csrf()
    reason = request.form.get("reason") or ""
    try:
        contests.contest_paper_ballot(current_user, round_, reason)
    except (ValidationFailed, Conflict) as refused:
        errors = getattr(refused, "errors", None) or {"reason": refused.message}
        choice = services.current_choice(round_, current_user)
        return _ballot_page(
            round_,
            choice,
            refused.status,
            errors={},
            summary_of="saved",
            contest_errors=errors,
            contest_reason=reason,
            **_paper_notice(round_),
        )
    flash(_("Your contest is sent. A moderator will decide; the answer appears here."), "success")
    return redirect(url_for("budgets.ballot", slug=slug, _anchor="paper-ballot"))


@bp.get("/contests")
@login_required
def contest_list() -> Any:
    """The old address of the contests queue: every kind now shares one."""
    require_moderator(current_user)
    return redirect(url_for("contests.queue"), code=301)


@bp.post("/contests/<int:contest_id>")
@login_required
def resolve_contest(contest_id: int) -> Any:
    """A form from a page served before the queue moved: 308 keeps the method and body."""
    require_moderator(current_user)
    return redirect(
        url_for("contests.resolve", kind="budget_ballot", contest_id=contest_id), code=308
    )


# --- results ----------------------------------------------------------------------------


def _result(round_: BudgetRound) -> RoundResult:
    result = db.session.get(RoundResult, round_.id)
    if result is None:
        raise NotFound(_("Results are published when voting closes."))
    return result


@bp.get("/<slug>/results")
def results(slug: str) -> Any:
    round_ = services.get_round(slug)
    result = _result(round_)
    ordered = sorted(
        result.projects, key=lambda p: (not p["selected"], -(p["score"] or p["votes"] or 0))
    )
    left = explain.remaining_before(result.projects, round_.amount)
    return render_template(
        "budgets/results.html",
        round=round_,
        result=result,
        projects=ordered,
        chart=charts.results_bars(ordered, round_.currency),
        rule_name=services.RULE_NAMES[result.rule],
        ballots_withheld=services.ballots_withheld(round_),
        shares=_share_figures(result),
        tie_breaking=explain.tie_breaking(result.tie_breaking),
        explain=lambda figure: explain.explanation(figure, result.rule, round_.currency, left),
        note=explain.note,
    )


def _share_figures(result: RoundResult) -> dict[str, int] | None:
    """MES: each voter's final share of the budget and, with Add1, what the completion added,
    in minor units for the page (the exact share, a fraction, is in results.json)."""
    detail = result.detail or {}
    if not detail.get("share"):
        return None
    share = Fraction(detail["share"])
    increment = detail.get("increment") or 0
    return {
        "final": round(share * MINOR_PER_UNIT),
        "start": round((share - increment) * MINOR_PER_UNIT),
        "added": increment * MINOR_PER_UNIT,
        "increment": increment,
    }


def _frozen(round_: BudgetRound, name: str, filename: str | None = None) -> Response:
    """A download of the round's frozen results, served from its stored bytes."""
    return frozen.serve(downloads.subject(round_), downloads.download(round_, name), filename)


@bp.get("/<slug>/results.json")
def results_json(slug: str) -> Any:
    round_ = services.get_round(slug)
    _result(round_)  # 404 until the results are frozen: nothing is built before
    return _frozen(round_, "results.json")


@bp.get("/<slug>/results.csv")
def results_csv(slug: str) -> Any:
    round_ = services.get_round(slug)
    _result(round_)
    return _frozen(round_, "results.csv", f"{slug}-results.csv")


@bp.get("/<slug>/ballots.json")
def ballots_json(slug: str) -> Any:
    round_ = services.get_round(slug)
    # published with the results, and only when enough were cast: otherwise 404, saying why
    if reason := services.ballots_withheld(round_):
        body = json.dumps({"error": "Not published", "message": reason, "status": 404})
        return Response(body, status=404, mimetype="application/json")
    return _frozen(round_, "ballots.json")


@bp.get("/<slug>/ballots.csv")
def ballots_csv(slug: str) -> Any:
    round_ = services.get_round(slug)
    if reason := services.ballots_withheld(round_):
        raise NotFound(reason)
    return _frozen(round_, "ballots.csv", f"{slug}-ballots.csv")


@bp.get("/<slug>/ballots.pb")
def ballots_pb(slug: str) -> Any:
    """The published ballots as a Pabulib file, for any Pabulib tool and for recounts."""
    round_ = services.get_round(slug)
    if reason := services.ballots_withheld(round_):
        raise NotFound(reason)
    return _frozen(round_, "ballots.pb", f"{slug}.pb")


# --- for the group page (accounts cannot import budgets: these reach its template) --------


@bp.app_template_global("group_rounds")
def group_rounds(group: Group) -> list[BudgetRound]:
    """The group's budget rounds, newest first, for the links on its page."""
    return services.rounds_of_group(group)


@bp.app_template_global("can_start_round")
def can_start_round(group: Group | None = None) -> bool:
    """Whether the signed-in person may start a round (for `group`): the same check the
    round form makes, so the link is shown exactly to those the form accepts."""
    return services.can_start_round(current_user, group)
