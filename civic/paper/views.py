"""The officer's desk (enter a paper, print blank papers), the resident's paper page with
its contest form (the moderators decide contests at `civic.contests.views`). `kind` in a
URL is "proposal" (a public vote) or "consultation"."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user, login_required

from civic.consultations import services as consultations
from civic.consultations.views import _raw_answers
from civic.errors import Conflict, ValidationFailed
from civic.forms import check_csrf
from civic.i18n import _
from civic.paper import contests as paper_contests
from civic.paper import services
from civic.paper.models import PaperKind
from civic.permissions import require_moderator
from civic.votes.models import Proposal
from civic.web import render

bp = Blueprint("paper", __name__, url_prefix="/paper")


@bp.app_template_global("paper_split")
def _paper_split(subject: Any) -> dict[str, int] | None:
    return services.split_counts(subject)


@bp.app_template_global("paper_entry_for")
def _paper_entry_for(subject: Any) -> Any:
    """The signed-in resident's paper vote or response in `subject`, for its pages."""
    return paper_contests.paper_entry(subject, current_user)


def _desk(subject: Any, status: int = 200, **context: Any) -> Any:
    context.setdefault("errors", {})
    context.setdefault("typed", {})
    context.setdefault("values", {})
    return render(
        "paper/enter.html",
        status=status,
        subject=subject,
        kind=services.kind_of(subject).value,
        is_vote=isinstance(subject, Proposal),
        consultation=subject,  # for the consultation's question fields
        label=services.paper_label,
        **context,
    )


@bp.route("/<kind>/<int:subject_id>/enter", methods=["GET", "POST"])
@login_required
def enter(kind: str, subject_id: int) -> Any:
    """An officer enters one paper for a resident."""
    require_moderator(current_user)  # before saying whether the subject exists
    subject = services.get_subject(kind, subject_id)
    if request.method == "GET":
        return _desk(subject)
    check_csrf()
    typed = {
        name: (request.form.get(name) or "").strip()
        for name in ("code", "email", "check", "paper_number", "choice")
    }
    values = {} if kind == PaperKind.VOTE.value else _raw_answers(subject)
    try:
        if kind == PaperKind.VOTE.value:
            entry = services.enter_vote(
                current_user,
                subject,
                choice=typed["choice"],
                paper_number=typed["paper_number"],
                code=typed["code"],
                email=typed["email"],
                check=typed["check"],
            )
        else:
            entry = services.enter_response(
                current_user,
                subject,
                values,
                paper_number=typed["paper_number"],
                code=typed["code"],
                email=typed["email"],
                check=typed["check"],
            )
    except ValidationFailed as failure:
        return _desk(subject, 422, errors=failure.errors, typed=typed, values=values)
    except Conflict as refused:
        # a paper entered before goes by its number's field; other refusals by the resident
        where = "paper_number" if isinstance(refused, services.DuplicatePaper) else "entry"
        return _desk(subject, 409, errors={where: refused.message}, typed=typed, values=values)
    flash(entered_message(services.paper_label(subject, entry.paper_number), entry), "success")
    return redirect(url_for("paper.enter", kind=kind, subject_id=subject_id))


@bp.post("/<kind>/<int:subject_id>/print")
@login_required
def print_papers(kind: str, subject_id: int) -> Any:
    """Reserve numbers for a stack of blank papers, then show them to print."""
    require_moderator(current_user)
    subject = services.get_subject(kind, subject_id)
    check_csrf()
    count = request.form.get("count") or ""
    try:
        first, last = services.issue_papers(current_user, subject, count)
    except ValidationFailed as failure:
        return _desk(subject, 422, errors=failure.errors, typed={"count": count})
    return redirect(
        url_for("paper.papers", kind=kind, subject_id=subject_id, first=first, last=last)
    )


@bp.get("/<kind>/<int:subject_id>/papers")
@login_required
def papers(kind: str, subject_id: int) -> Any:
    """Printable blank papers, one per printed page, each with its own number."""
    require_moderator(current_user)
    subject = services.get_subject(kind, subject_id)
    numbers = services.printable_range(subject, request.args.get("first"), request.args.get("last"))
    return render(
        "paper/papers.html",
        subject=subject,
        kind=kind,
        is_vote=kind == PaperKind.VOTE.value,
        numbers=numbers,
        label=services.paper_label,
    )


def entered_message(label: str, entry: Any) -> str:
    """The desk's confirmation, saying when the resident has no account of their own."""
    if entry.new_resident:
        return _(
            "Paper %(label)s entered for a new resident, paper only: their letter code now "
            "holds their entries. If they register online with the code, they see them.",
            label=label,
        )
    if entry.paper_only_resident:
        return _(
            "Paper %(label)s entered for a resident with no account, paper only. If they "
            "register online with their letter code, they see it.",
            label=label,
        )
    return _("Paper %(label)s entered. The resident is told if they have an account.", label=label)


def _mine_page(subject: Any, status: int = 200, **context: Any) -> Any:
    entry = paper_contests.paper_entry(subject, current_user)
    answers = []
    if entry is not None and not isinstance(subject, Proposal):
        _response, values = consultations.my_response(subject, current_user)
        answers = consultations.answers_shown(subject, values)
    return render(
        "paper/mine.html",
        status=status,
        subject=subject,
        kind=services.kind_of(subject).value,
        is_vote=isinstance(subject, Proposal),
        entry=entry,
        answers=answers,
        contests=paper_contests.contests_of(subject, current_user),
        still_open=paper_contests.still_open(subject),
        label=services.paper_label,
        **context,
    )


@bp.route("/<kind>/<int:subject_id>/mine", methods=["GET", "POST"])
@login_required
def mine(kind: str, subject_id: int) -> Any:
    """The resident's paper (who entered it, when, what it says) and the contest form."""
    subject = services.get_subject(kind, subject_id)
    if request.method == "GET":
        return _mine_page(subject)
    check_csrf()
    reason = request.form.get("reason") or ""
    try:
        paper_contests.contest(current_user, subject, reason)
    except ValidationFailed as failure:
        return _mine_page(subject, 422, errors=failure.errors, reason=reason)
    except Conflict as refused:
        return _mine_page(subject, 409, errors={"reason": refused.message}, reason=reason)
    flash(_("Your contest is sent. A moderator will decide; the answer appears here."), "success")
    return redirect(url_for("paper.mine", kind=kind, subject_id=subject_id))


@bp.get("/contests")
@login_required
def contests() -> Any:
    """The old address of the contests queue: every kind now shares one."""
    require_moderator(current_user)
    return redirect(url_for("contests.queue"), code=301)


@bp.post("/contests/<int:contest_id>")
@login_required
def resolve(contest_id: int) -> Any:
    """A form from a page served before the queue moved: 308 keeps the method and body."""
    require_moderator(current_user)
    return redirect(url_for("contests.resolve", kind="paper", contest_id=contest_id), code=308)
