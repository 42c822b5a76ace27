"""The paper desk for a group's motions and elections (enter a member's paper, print blank
numbered papers) and the member's own paper page with its contest form; the moderators
decide contests in the one queue (`civic.contests.views`), where the old group queue's
addresses lead. `kind` in a URL is "motion" or "election"."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user, login_required

from civic.accounts.models import Group
from civic.accounts.services import can_manage_group, get_or_404
from civic.errors import Conflict, ValidationFailed
from civic.forms import check_csrf
from civic.groups import paper as services
from civic.groups import paper_contests as group_contests
from civic.groups.models import Motion
from civic.i18n import _
from civic.paper.services import printable_range
from civic.params import MAX_ID
from civic.permissions import require_moderator
from civic.web import render

bp = Blueprint("group_paper", __name__, url_prefix="/paper/groups")


@bp.app_template_global("group_paper_split")
def _split(subject: Any) -> dict[str, int] | None:
    return services.split_counts(subject)


@bp.app_template_global("group_paper_entry_for")
def _entry_for(subject: Any) -> Any:
    """The signed-in member's paper vote or ballot in `subject`, for its page."""
    return services.paper_entry(subject, current_user)


@bp.app_template_global("group_paper_officer")
def _officer(group: Group) -> bool:
    return can_manage_group(current_user, group)


def _subject(slug: str, kind: str, subject_id: int) -> Any:
    group = get_or_404(Group, slug=slug)
    return services.get_subject(group, kind, subject_id if subject_id <= MAX_ID else 0)


def _officer_subject(slug: str, kind: str, subject_id: int) -> Any:
    """Permission first, before saying whether the motion or election exists."""
    group = get_or_404(Group, slug=slug)
    services.require_officer(current_user, group)
    return services.get_subject(group, kind, subject_id if subject_id <= MAX_ID else 0)


def _context(subject: Any) -> dict[str, Any]:
    is_motion = isinstance(subject, Motion)
    return {
        "subject": subject,
        "group": subject.group,
        "kind": services.kind_of(subject).value,
        "is_motion": is_motion,
        "is_recall": not is_motion and subject.is_recall,
        "title": services.title(subject),
        "back": (
            url_for("groups.motion", slug=subject.group.slug, motion_id=subject.id)
            if is_motion
            else url_for("group_elections.detail", slug=subject.group.slug, election_id=subject.id)
        ),
        "label": services.label,
    }


def _desk(subject: Any, status: int = 200, **context: Any) -> Any:
    context.setdefault("errors", {})
    context.setdefault("typed", {})
    context.setdefault("picked", [])
    return render(
        "groups/paper/enter.html",
        status=status,
        still_open=services.still_open(subject),
        **_context(subject),
        **context,
    )


@bp.route("/<slug>/<kind>/<int:subject_id>/enter", methods=["GET", "POST"])
@login_required
def enter(slug: str, kind: str, subject_id: int) -> Any:
    """An organiser or moderator enters one member's paper."""
    subject = _officer_subject(slug, kind, subject_id)
    if request.method == "GET":
        return _desk(subject)
    check_csrf()
    typed = {
        name: (request.form.get(name) or "").strip()
        for name in ("code", "email", "check", "paper_number", "choice")
    }
    if isinstance(subject, Motion) or subject.is_recall:
        picked = [typed["choice"]] if typed["choice"] else []
    else:
        picked = [c for c in request.form.getlist("candidates") if c]
    try:
        entry = services.enter(
            current_user,
            subject,
            choices=picked,
            paper_number=typed["paper_number"],
            code=typed["code"],
            email=typed["email"],
            check=typed["check"],
        )
    except ValidationFailed as failure:
        return _desk(subject, 422, errors=failure.errors, typed=typed, picked=picked)
    except Conflict as refused:
        where = "paper_number" if isinstance(refused, services.DuplicatePaper) else "entry"
        return _desk(subject, 409, errors={where: refused.message}, typed=typed, picked=picked)
    flash(
        _(
            "Paper %(label)s entered; its receipt is %(code)s. The member is told if they "
            "have an account.",
            label=services.label(subject, entry.paper_number),
            code=entry.receipt,
        ),
        "success",
    )
    return redirect(url_for("group_paper.enter", slug=slug, kind=kind, subject_id=subject_id))


@bp.post("/<slug>/<kind>/<int:subject_id>/print")
@login_required
def print_papers(slug: str, kind: str, subject_id: int) -> Any:
    """Reserve numbers for a stack of blank papers, then show them to print."""
    subject = _officer_subject(slug, kind, subject_id)
    check_csrf()
    count = request.form.get("count") or ""
    try:
        first, last = services.issue(current_user, subject, count)
    except ValidationFailed as failure:
        return _desk(subject, 422, errors=failure.errors, typed={"count": count})
    except Conflict as refused:
        return _desk(subject, 409, errors={"count": refused.message}, typed={"count": count})
    return redirect(
        url_for(
            "group_paper.papers",
            slug=slug,
            kind=kind,
            subject_id=subject_id,
            first=first,
            last=last,
        )
    )


@bp.get("/<slug>/<kind>/<int:subject_id>/papers")
@login_required
def papers(slug: str, kind: str, subject_id: int) -> Any:
    """Printable blank papers, one per printed page, each with its own number."""
    subject = _officer_subject(slug, kind, subject_id)
    numbers = printable_range(subject, request.args.get("first"), request.args.get("last"))
    return render("groups/paper/papers.html", numbers=numbers, **_context(subject))


def _mine_page(subject: Any, status: int = 200, **context: Any) -> Any:
    entry = services.paper_entry(subject, current_user)
    return render(
        "groups/paper/mine.html",
        status=status,
        entry=entry,
        says=services.what_it_says(subject, entry) if entry is not None else "",
        contests=group_contests.contests_of(subject, current_user),
        still_open=services.still_open(subject),
        **_context(subject),
        **context,
    )


@bp.route("/<slug>/<kind>/<int:subject_id>/mine", methods=["GET", "POST"])
@login_required
def mine(slug: str, kind: str, subject_id: int) -> Any:
    """The member's paper (who entered it, when, what it says) and the contest form."""
    subject = _subject(slug, kind, subject_id)
    if request.method == "GET":
        return _mine_page(subject)
    check_csrf()
    reason = request.form.get("reason") or ""
    try:
        group_contests.contest(current_user, subject, reason)
    except ValidationFailed as failure:
        return _mine_page(subject, 422, errors=failure.errors, reason=reason)
    except Conflict as refused:
        return _mine_page(subject, 409, errors={"reason": refused.message}, reason=reason)
    flash(_("Your contest is sent. A moderator will decide; the answer appears here."), "success")
    return redirect(url_for("group_paper.mine", slug=slug, kind=kind, subject_id=subject_id))


@bp.get("/contests")
@login_required
def contests() -> Any:
    """The old address of the group contests queue: every kind now shares one."""
    require_moderator(current_user)
    return redirect(url_for("contests.queue"), code=301)


@bp.post("/contests/<int:contest_id>")
@login_required
def resolve(contest_id: int) -> Any:
    """A form from a page served before the queue moved: 308 keeps the method and body."""
    require_moderator(current_user)
    return redirect(
        url_for("contests.resolve", kind="group_paper", contest_id=contest_id), code=308
    )
