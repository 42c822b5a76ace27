"""Pages for running a group: join and leave, requests to join, the published rules,
motions (propose, vote, open, close, minutes), and the same as JSON.

The group page itself stays in civic.accounts; it includes `groups/_governance.html`,
which reads what it needs through the template globals registered here.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, jsonify, redirect, url_for
from flask_login import current_user, login_required

from civic.accounts.models import Group, GroupMembership, User, utcnow
from civic.accounts.services import can_manage_group, get_or_404, membership_of
from civic.clock import aware
from civic.discussions import subjects
from civic.errors import Conflict, PermissionDenied, ValidationFailed
from civic.extensions import db
from civic.forms import CloseForm, attach_errors
from civic.groups import membership, motions
from civic.groups import paper as group_paper
from civic.groups import rules as group_rules
from civic.groups.forms import (
    MOTION_CLOSE,
    DecideRequestForm,
    JoinForm,
    LeaveForm,
    MinutesForm,
    MotionForm,
    OpenVotingForm,
    RulesForm,
    VoteForm,
)
from civic.groups.models import Motion, MotionState
from civic.i18n import _
from civic.params import parse_id
from civic.web import render
from civic.wording import spoken

bp = Blueprint("groups", __name__, url_prefix="/groups")
api = Blueprint("groups_api", __name__, url_prefix="/api/v1/groups")


def _motion_subject(motion_id: str) -> subjects.SubjectInfo | None:
    ident = parse_id(motion_id)
    found = db.session.get(Motion, ident) if ident is not None else None
    if found is None:
        return None
    return subjects.SubjectInfo(
        found.title,
        found.group.area,
        "groups.motion",
        {"slug": found.group.slug, "motion_id": str(found.id)},
    )


subjects.register("group_motion", _motion_subject)


@bp.app_template_global("group_governance")
def group_governance(group: Group) -> dict[str, Any]:
    """What the group page's governance section shows to the current viewer."""
    user: User | None = current_user if current_user.is_authenticated else None
    member = membership_of(user, group)
    return {
        "rules": group_rules.published(group),
        "motions": motions.motions_of(group),
        "member": member,
        "manager": can_manage_group(user, group),
        "can_propose": motions.can_propose(user, group),
        "join_refusal": membership.join_refusal(user, group),
        "pending_request": membership.pending_request(user, group),
        "refused_request": membership.last_answer(user, group),
        "join_form": JoinForm(formdata=None),
        "leave_form": LeaveForm(formdata=None),
    }


@bp.app_template_global("quorum_words")
def quorum_words(motion: Motion) -> str:
    """The quorum a voting or closed motion is decided by (copied when voting opened)."""
    rule = motion.quorum_rule.value if motion.quorum_rule else "none"
    return group_rules.quorum_words(rule, motion.quorum_value or 0)


@bp.app_template_global("motion_outcome_words")
def motion_outcome_words(motion: Motion) -> str:
    """A closed motion's result in the reader's language (the stored English is for JSON)."""
    return group_rules.motion_outcome_words(motion)


@bp.app_template_global("majority_words")
def majority_words(motion: Motion) -> str:
    return group_rules.majority_words(
        motion.majority_rule.value if motion.majority_rule else "simple"
    )


def _group(slug: str) -> Group:
    return get_or_404(Group, slug=slug)


# --- joining and leaving ----------------------------------------------------------------


@bp.post("/<slug>/join")
@login_required
def join(slug: str) -> Any:
    group = _group(slug)
    membership.require_joiner(current_user, group)  # before the form is read
    form = JoinForm()
    if form.validate_on_submit():
        try:
            made = membership.join(current_user, group, form.message.data or "")
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            flash(
                _("You joined %(group)s.", group=group.name)
                if isinstance(made, GroupMembership)
                else _("Your request to join was sent to the organisers."),
                "success",
            )
            return redirect(url_for("accounts.group", slug=slug))
    return render("groups/join.html", group=group, form=form, status=422)


@bp.post("/<slug>/leave")
@login_required
def leave(slug: str) -> Any:
    group = _group(slug)
    if membership_of(current_user, group) is None:
        raise PermissionDenied(_("You are not a member of %(group)s.", group=group.name))
    if not LeaveForm().validate_on_submit():
        raise Conflict(_("The form could not be read: go back, reload the page and try again."))
    orphaned = membership.leave(current_user, group)
    flash(
        _("You left %(group)s.", group=group.name)
        + (
            " "
            + _("It has no organiser now: a moderator can appoint one, or the members elect one.")
            if orphaned
            else ""
        ),
        "success",
    )
    return redirect(url_for("accounts.group", slug=slug))


@bp.get("/<slug>/requests")
@login_required
def requests(slug: str) -> Any:
    group = _group(slug)
    waiting = membership.requests_for(current_user, group)
    return render(
        "groups/requests.html", group=group, waiting=waiting, form=DecideRequestForm(), failed=None
    )


@bp.post("/<slug>/requests/<int:request_id>")
@login_required
def decide_request(slug: str, request_id: int) -> Any:
    group = _group(slug)
    waiting = membership.requests_for(current_user, group)  # managers only, before the form
    form = DecideRequestForm()
    if form.validate_on_submit():
        try:
            membership.decide_request(
                current_user,
                group,
                request_id,
                approve=form.decision.data == "approve",
                reason=form.reason.data or "",
            )
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            flash(_("Request answered."), "success")
            return redirect(url_for("groups.requests", slug=slug))
    return render(
        "groups/requests.html",
        group=group,
        waiting=waiting,
        form=form,
        failed=request_id,
        status=422,
    )


# --- rules ------------------------------------------------------------------------------


@bp.get("/<slug>/rules")
def rules(slug: str) -> Any:
    group = _group(slug)
    return render(
        "groups/rules.html",
        group=group,
        rules=group_rules.published(group),
        manager=can_manage_group(current_user, group),
    )


@bp.route("/<slug>/rules/edit", methods=["GET", "POST"])
@login_required
def edit_rules(slug: str) -> Any:
    group = _group(slug)
    if not can_manage_group(current_user, group):
        raise PermissionDenied(_("Only the group's organisers and moderators change its rules."))
    current = group_rules.rules_of(group)
    form = RulesForm(
        data={
            "join_policy": current.join_policy,
            "proposers": current.proposers,
            "quorum_rule": current.quorum_rule,
            "quorum_value": current.quorum_value or None,
            "majority_rule": current.majority_rule,
            "discussion_days": current.discussion_days,
            "voting_days": current.voting_days,
        }
    )
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            try:
                group_rules.set_rules(
                    current_user,
                    group,
                    join_policy=form.join_policy.data,
                    proposers=form.proposers.data,
                    quorum_rule=form.quorum_rule.data,
                    quorum_value=form.quorum_value.data,
                    majority_rule=form.majority_rule.data,
                    discussion_days=form.discussion_days.data,
                    voting_days=form.voting_days.data,
                )
            except ValidationFailed as failure:
                attach_errors(form, failure)
            else:
                flash(_("The group's rules are published."), "success")
                return redirect(url_for("groups.rules", slug=slug))
    return render("groups/rules_form.html", group=group, form=form, status=status)


# --- motions ----------------------------------------------------------------------------


@bp.route("/<slug>/motions/new", methods=["GET", "POST"])
@login_required
def new_motion(slug: str) -> Any:
    group = _group(slug)
    motions.require_proposer(current_user, group)
    form = MotionForm()
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            try:
                motion = motions.propose(current_user, group, form.title.data, form.text.data)
            except ValidationFailed as failure:
                attach_errors(form, failure)
            else:
                flash(
                    _("Your motion is proposed. Voting is open.")
                    if motion.state is MotionState.VOTING
                    else _(
                        "Your motion is proposed. Voting opens %(moment)s.",
                        moment=spoken(motion.voting_planned),
                    ),
                    "success",
                )
                return redirect(url_for("groups.motion", slug=slug, motion_id=motion.id))
    return render(
        "groups/motion_form.html",
        group=group,
        form=form,
        rules=group_rules.published(group),
        status=status,
    )


def _motion_page(group: Group, motion: Motion, status: int = 200, **forms: Any) -> Any:
    manager = can_manage_group(current_user, group)
    user = current_user if current_user.is_authenticated else None
    withheld = motions.ballots_withheld(motion)
    return render(
        "groups/motion.html",
        group=group,
        motion=motion,
        manager=manager,
        can_vote=motions.can_vote(user, motion),
        receipt=motions.my_receipt(motion, user),
        member=membership_of(user, group) is not None,
        voting_open=motions.voting_open(motion),
        withheld=withheld,
        ballots=[] if withheld else motions.published_ballots(motion),
        choices=motions.CHOICES,
        early=motion.voting_until is not None and utcnow() < aware(motion.voting_until),
        vote_form=forms.get("vote_form") or VoteForm(formdata=None),
        open_form=forms.get("open_form") or OpenVotingForm(formdata=None),
        close_form=forms.get("close_form") or CloseForm(formdata=None, wording=MOTION_CLOSE),
        minutes_form=forms.get("minutes_form")
        or MinutesForm(formdata=None, data={"minutes": motion.minutes}),
        status=status,
    )


@bp.get("/<slug>/motions/<int:motion_id>")
def motion(slug: str, motion_id: int) -> Any:
    group = _group(slug)
    return _motion_page(group, motions.get_motion(group, motion_id))


@bp.post("/<slug>/motions/<int:motion_id>/vote")
@login_required
def vote(slug: str, motion_id: int) -> Any:
    group = _group(slug)
    found = motions.get_motion(group, motion_id)
    motions.require_voter(current_user, found)  # before the form is read
    form = VoteForm()
    if form.validate_on_submit():
        try:
            code = motions.cast(current_user, found, form.choice.data)
        except ValidationFailed as failure:
            attach_errors(form, failure)
        except Conflict as refused:
            form.form_errors.append(refused.message)
            return _motion_page(group, found, status=409, vote_form=form)
        else:
            flash(
                _(
                    "Your vote is recorded. Your receipt is %(code)s: after the close, check "
                    "it is in the published ballots.",
                    code=code,
                ),
                "success",
            )
            return redirect(url_for("groups.motion", slug=slug, motion_id=motion_id))
    return _motion_page(group, found, status=422, vote_form=form)


def _managed_motion(slug: str, motion_id: int) -> tuple[Group, Motion]:
    group = _group(slug)
    if not can_manage_group(current_user, group):
        raise PermissionDenied(_("Only the group's organisers and moderators can do this."))
    return group, motions.get_motion(group, motion_id)


@bp.post("/<slug>/motions/<int:motion_id>/open")
@login_required
def open_voting(slug: str, motion_id: int) -> Any:
    group, found = _managed_motion(slug, motion_id)
    form = OpenVotingForm()
    if form.validate_on_submit():
        try:
            motions.open_voting(current_user, found, form.reason.data or "")
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            flash(_("Voting is open."), "success")
            return redirect(url_for("groups.motion", slug=slug, motion_id=motion_id))
    return _motion_page(group, found, status=422, open_form=form)


@bp.post("/<slug>/motions/<int:motion_id>/close")
@login_required
def close(slug: str, motion_id: int) -> Any:
    group, found = _managed_motion(slug, motion_id)
    form = CloseForm(wording=MOTION_CLOSE)
    if form.validate_on_submit():
        try:
            motions.close(current_user, found, reason=form.reason.data or "")
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            flash(
                _("Voting closed. %(result)s", result=group_rules.motion_outcome_words(found)),
                "success",
            )
            return redirect(url_for("groups.motion", slug=slug, motion_id=motion_id))
    return _motion_page(group, found, status=422, close_form=form)


@bp.post("/<slug>/motions/<int:motion_id>/minutes")
@login_required
def minutes(slug: str, motion_id: int) -> Any:
    group, found = _managed_motion(slug, motion_id)
    form = MinutesForm()
    if form.validate_on_submit():
        try:
            motions.record_minutes(current_user, found, form.minutes.data)
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            flash(_("The minutes are published."), "success")
            return redirect(url_for("groups.motion", slug=slug, motion_id=motion_id))
    return _motion_page(group, found, status=422, minutes_form=form)


# --- JSON -------------------------------------------------------------------------------


@api.get("/<slug>")
def api_group(slug: str) -> Any:
    """The group's published rules and its motions, for anyone."""
    group = _group(slug)
    return jsonify(
        group=group.slug,
        name=group.name,
        area=group.area.slug,
        members=len(group.memberships),
        rules=group_rules.published(group),
        motions=[motions.as_json(m) for m in motions.motions_of(group)],
    )


@api.get("/<slug>/motions/<int:motion_id>")
def api_motion(slug: str, motion_id: int) -> Any:
    group = _group(slug)
    found = motions.get_motion(group, motion_id)
    # paper and online votes apart, after the close and only when publishable (else null)
    return jsonify(motions.as_json(found) | {"paper_and_online": group_paper.split_counts(found)})
