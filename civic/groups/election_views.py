"""Pages for organiser elections and recall votes in a group: call, stand, vote, count,
propose and support a recall; and each election's result as JSON."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from flask import Blueprint, flash, jsonify, redirect, url_for
from flask_login import current_user, login_required

from civic import privacy
from civic.accounts.models import Group, GroupRole
from civic.accounts.services import get_or_404
from civic.errors import Conflict, PermissionDenied, ValidationFailed
from civic.forms import attach_errors
from civic.groups import election_count, paper
from civic.groups import elections as services
from civic.groups.election_forms import (
    BallotForm,
    CallElectionForm,
    CountForm,
    RecallBallotForm,
    RecallForm,
    StandForm,
    SupportForm,
    WithdrawForm,
)
from civic.groups.election_models import GroupElection
from civic.i18n import _
from civic.params import MAX_ID
from civic.web import render

bp = Blueprint("group_elections", __name__, url_prefix="/groups")


@bp.app_template_global("group_elections")
def group_elections(group: Group) -> dict[str, Any]:
    """What the group page's elections section shows (templates/groups/_elections.html)."""
    return {
        "elections": services.elections_for(group),
        "phase": services.phase,
        "can_call": services.can_call(current_user, group),
        "is_member": services.membership(group, current_user) is not None,
        "has_organisers": any(m.role is GroupRole.ORGANISER for m in group.memberships),
    }


def _group(slug: str) -> Group:
    return get_or_404(Group, slug=slug)


def _election(slug: str, election_id: int) -> GroupElection:
    group = _group(slug)
    if election_id > MAX_ID:
        return services.get_election(group, 0)  # the same 404
    return services.get_election(group, election_id)


def _start_of(day: Any) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def _end_of(day: Any) -> datetime:
    return datetime.combine(day, time(23, 59), tzinfo=UTC)


def _ballot_form(election: GroupElection, posted: bool) -> BallotForm | RecallBallotForm:
    """The ballot, read from the request when `posted`, else empty."""
    extra = {} if posted else {"formdata": None}
    if election.is_recall:
        return RecallBallotForm(**extra)
    form = BallotForm(**extra)
    form.candidates.choices = [(str(c.id), c.user.display_name) for c in election.candidates]
    return form


def _page(election: GroupElection, status: int = 200, **forms: Any) -> Any:
    viewer = current_user if current_user.is_authenticated else None
    mine = services.membership(election.group, viewer)
    context = {
        "election": election,
        "group": election.group,
        "phase": services.phase(election),
        "rule": election_count.RULE_RECALL if election.is_recall else election_count.RULE,
        "membership": mine,
        "my_candidacy": services.candidate_of(election, viewer),
        "supported": services.has_supported(election, viewer),
        "receipt": services.my_receipt(election, viewer),
        "can_count": services.can_count(viewer, election.group),
        "can_call": services.can_call(viewer, election.group),
        "turnout": services.public_turnout(election),
        "withheld": services.withheld_reason(election),
        "min_electorate": privacy.min_electorate(),
        "voter_reason": _voter_reason(election, viewer),
        "stand_form": forms.get("stand_form") or StandForm(formdata=None),
        "withdraw_form": forms.get("withdraw_form") or WithdrawForm(formdata=None),
        "ballot_form": forms.get("ballot_form") or _ballot_form(election, posted=False),
        "count_form": forms.get("count_form") or CountForm(formdata=None),
        "support_form": forms.get("support_form") or SupportForm(formdata=None),
    }
    return render("groups/elections/detail.html", status=status, **context)


def _voter_reason(election: GroupElection, viewer: Any) -> str | None:
    """Why the viewer cannot vote (None: they can), for the page."""
    if viewer is None:
        return None
    try:
        services.require_voter(viewer, election)
    except PermissionDenied as refused:
        return refused.message
    return None


@bp.route("/<slug>/elections/new", methods=["GET", "POST"])
@login_required
def new(slug: str) -> Any:
    group = _group(slug)
    services.require_caller(current_user, group)  # permission before the form
    form = CallElectionForm()
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            try:
                election = services.call_election(
                    current_user,
                    group,
                    seats=form.seats.data,
                    term_months=form.term_months.data,
                    opens_at=_start_of(form.opens.data),
                    closes_at=_end_of(form.closes.data),
                )
            except ValidationFailed as failure:
                attach_errors(form, failure)
            except Conflict as refused:
                form.form_errors.append(refused.message)
                status = 409
            else:
                flash(_("The election is called: members can now stand."), "success")
                return redirect(
                    url_for("group_elections.detail", slug=slug, election_id=election.id)
                )
    return render("groups/elections/new.html", status=status, form=form, group=group)


@bp.get("/<slug>/elections/<int:election_id>")
def detail(slug: str, election_id: int) -> Any:
    return _page(_election(slug, election_id))


@bp.get("/<slug>/elections/<int:election_id>.json")
def detail_json(slug: str, election_id: int) -> Any:
    election = _election(slug, election_id)
    # paper and online ballots apart, after the count and only when publishable (else null)
    return jsonify(services.result(election) | {"paper_and_online": paper.split_counts(election)})


def _redirect(election: GroupElection) -> Any:
    return redirect(
        url_for("group_elections.detail", slug=election.group.slug, election_id=election.id)
    )


def _submit(election: GroupElection, form: Any, key: str, act: Any, done: str) -> Any:
    """One member's or organiser's act on an election from a one-button form: the
    service's refusal (409) or field errors (422) come back on the page, under the form
    that asked."""
    status = 422
    if form.validate_on_submit():
        try:
            act()
        except ValidationFailed as failure:
            attach_errors(form, failure)
        except Conflict as refused:
            form.form_errors.append(refused.message)
            status = 409
        else:
            flash(done, "success")
            return _redirect(election)
    return _page(election, status, **{key: form})


@bp.post("/<slug>/elections/<int:election_id>/stand")
@login_required
def stand(slug: str, election_id: int) -> Any:
    election = _election(slug, election_id)
    services.require_member(current_user, election.group, "stand for election")
    form = StandForm()
    return _submit(
        election,
        form,
        "stand_form",
        lambda: services.stand(current_user, election, form.statement.data or ""),
        _("You are standing for election. Members will see your statement."),
    )


@bp.post("/<slug>/elections/<int:election_id>/withdraw")
@login_required
def withdraw(slug: str, election_id: int) -> Any:
    election = _election(slug, election_id)
    services.require_member(current_user, election.group, "withdraw from its elections")
    return _submit(
        election,
        WithdrawForm(),
        "withdraw_form",
        lambda: services.withdraw(current_user, election),
        _("You withdrew your candidacy."),
    )


@bp.post("/<slug>/elections/<int:election_id>/vote")
@login_required
def vote(slug: str, election_id: int) -> Any:
    election = _election(slug, election_id)
    services.require_voter(current_user, election)  # before the form is read
    form = _ballot_form(election, posted=True)
    status = 422
    if form.validate_on_submit():
        if isinstance(form, RecallBallotForm):
            picked = [form.choice.data or ""]
        else:
            picked = list(form.candidates.data or [])
        try:
            code = services.cast(current_user, election, picked)
        except ValidationFailed as failure:
            attach_errors(form, failure)
        except Conflict as refused:
            form.form_errors.append(refused.message)
            status = 409
        else:
            flash(
                _(
                    "Your secret ballot is cast. Your receipt is %(code)s: keep it to find "
                    "your ballot in the published list after the count.",
                    code=code,
                ),
                "success",
            )
            return _redirect(election)
    return _page(election, status, ballot_form=form)


@bp.post("/<slug>/elections/<int:election_id>/count")
@login_required
def count(slug: str, election_id: int) -> Any:
    election = _election(slug, election_id)
    services.require_counter(current_user, election.group)
    return _submit(
        election,
        CountForm(),
        "count_form",
        lambda: services.close(current_user, election),
        _("The votes are counted and the result is published."),
    )


@bp.post("/<slug>/elections/<int:election_id>/support")
@login_required
def support(slug: str, election_id: int) -> Any:
    election = _election(slug, election_id)
    services.require_member(current_user, election.group, "support a recall")
    return _submit(
        election,
        SupportForm(),
        "support_form",
        lambda: services.support(current_user, election),
        _("You support holding this recall vote."),
    )


@bp.route("/<slug>/recall/new", methods=["GET", "POST"])
@login_required
def new_recall(slug: str) -> Any:
    group = _group(slug)
    services.require_member(current_user, group, "propose a recall")
    form = RecallForm()
    form.organiser.choices = [(0, _("Choose an organiser"))] + [
        (m.user_id, m.user.display_name) for m in group.memberships if m.role is GroupRole.ORGANISER
    ]
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            try:
                election = services.start_recall(
                    current_user,
                    group,
                    organiser_id=form.organiser.data or None,
                    reason=form.reason.data or "",
                    opens_at=_start_of(form.opens.data),
                    closes_at=_end_of(form.closes.data),
                )
            except ValidationFailed as failure:
                attach_errors(form, failure)
            except Conflict as refused:
                form.form_errors.append(refused.message)
                status = 409
            else:
                flash(
                    _(
                        "The recall is proposed. It goes to a vote if enough members support "
                        "it before voting is due to open."
                    ),
                    "success",
                )
                return _redirect(election)
    return render(
        "groups/elections/new_recall.html",
        status=status,
        form=form,
        group=group,
        needed=services.support_needed(len(group.memberships)),
    )
