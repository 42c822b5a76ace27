"""Pages for constituencies: the public list and page of each, moderators naming them,
confirming members and printing letter codes, and choosing who can take part in a vote,
consultation or budget round."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from civic.accounts import services as accounts
from civic.accounts.constituencies import (
    Constituency,
    ConstituencyKind,
    confirm_member,
    create_constituency,
    is_member,
    member_count,
)
from civic.accounts.forms import CodeBatchForm, RedeemCodeForm
from civic.accounts.models import Area, CodeBatch, Group
from civic.accounts.views import _code_sheet, _user_by_email
from civic.constituencies import services
from civic.constituencies.forms import ConfirmMemberForm, ConstituencyForm, OpenToForm
from civic.errors import NotFound, ValidationFailed
from civic.extensions import db
from civic.forms import attach_errors
from civic.i18n import _
from civic.permissions import require_moderator
from civic.votes import wording as vote_wording
from civic.web import render

bp = Blueprint("constituencies", __name__, url_prefix="/constituencies")


def _signed_in() -> Any:
    return current_user if current_user.is_authenticated else None


def _get(slug: str) -> Constituency:
    found = db.session.scalar(select(Constituency).where(Constituency.slug == slug))
    if found is None:
        raise NotFound(_("No constituency has that short name."))
    return found


@bp.get("")
def index() -> Any:
    rows = db.session.scalars(select(Constituency).order_by(Constituency.name)).all()
    return render("constituencies/index.html", constituencies=rows)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Any:
    require_moderator(current_user)
    form = ConstituencyForm()
    form.area.choices = [
        (a.id, a.name) for a in db.session.scalars(select(Area).order_by(Area.name))
    ]
    form.group.choices = [(0, _("No group"))] + [
        (g.id, f"{g.name} ({g.area.name})")
        for g in db.session.scalars(select(Group).order_by(Group.name))
    ]
    if form.validate_on_submit():
        try:
            constituency = create_constituency(
                current_user,
                name=form.name.data or "",
                slug=form.slug.data or "",
                kind=ConstituencyKind(form.kind.data),
                area=accounts.get_or_404(Area, id=form.area.data),
                group=db.session.get(Group, form.group.data) if form.group.data else None,
                description=form.description.data or "",
            )
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            flash(_("%(name)s created.", name=constituency.name), "success")
            return redirect(url_for("constituencies.detail", slug=constituency.slug))
    return render(
        "constituencies/new.html",
        block="form",
        status=422 if form.is_submitted() else 200,
        form=form,
    )


def _detail_page(constituency: Constituency, status: int = 200, **forms: Any) -> Any:
    viewer = _signed_in()
    moderator = bool(viewer and viewer.is_moderator)
    size = member_count(constituency)
    batches = []
    if moderator:
        batches = db.session.scalars(
            select(CodeBatch)
            .where(CodeBatch.constituency_id == constituency.id)
            .order_by(CodeBatch.id.desc())
        ).all()
    return render(
        "constituencies/detail.html",
        status=status,
        constituency=constituency,
        # exact for moderators; a band for everyone else, as for any small count
        members=size if moderator else vote_wording.band_words(size),
        belongs=is_member(viewer, constituency),
        moderator=moderator,
        batches=batches,
        stats={b.id: accounts.code_batch_stats(b) for b in batches},
        redeem_form=forms.get("redeem_form") or RedeemCodeForm(),
        confirm_form=forms.get("confirm_form") or ConfirmMemberForm(),
        codes_form=forms.get("codes_form") or CodeBatchForm(),
    )


@bp.get("/<slug>")
def detail(slug: str) -> Any:
    return _detail_page(_get(slug))


@bp.post("/<slug>/code")
@login_required
def redeem(slug: str) -> Any:
    """A member types the code from their letter on the constituency's own page: a code
    for anything else is refused and stays unused."""
    constituency = _get(slug)
    form = RedeemCodeForm()
    if form.validate_on_submit():
        try:
            accounts.redeem_code(current_user, form.code.data or "", expected=constituency)
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            flash(_("You can now take part as one of %(name)s.", name=constituency.name), "success")
            return redirect(url_for("constituencies.detail", slug=slug))
    return _detail_page(constituency, 422, redeem_form=form)


@bp.post("/<slug>/confirm")
@login_required
def confirm(slug: str) -> Any:
    require_moderator(current_user)
    constituency = _get(slug)
    form = ConfirmMemberForm()
    if form.validate_on_submit():
        try:
            person = _user_by_email(form.email.data or "")
            confirm_member(current_user, person, constituency, form.note.data or "")
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            flash(
                _(
                    "%(person)s now belongs to %(name)s.",
                    person=person.display_name,
                    name=constituency.name,
                ),
                "success",
            )
            return redirect(url_for("constituencies.detail", slug=slug))
    return _detail_page(constituency, 422, confirm_form=form)


@bp.post("/<slug>/codes")
@login_required
def codes(slug: str) -> Any:
    require_moderator(current_user)
    constituency = _get(slug)
    form = CodeBatchForm()
    if form.validate_on_submit():
        try:
            batch, plain = accounts.generate_codes(
                current_user,
                constituency.area,
                count=form.count.data,
                valid_days=form.valid_days.data,
                note=form.note.data or "",
                constituency=constituency,
            )
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            return _code_sheet(batch, plain, form.fmt.data)
    return _detail_page(constituency, 422, codes_form=form)


# --- who can take part in a subject -------------------------------------------------------


def _subject(kind: str, subject_id: int) -> tuple[Any, bool, str]:
    """(the subject, whether its constituencies may still change, its page's address)."""
    if kind == "proposal":
        from civic.votes.models import ProposalState
        from civic.votes.services import get_proposal

        proposal = get_proposal(subject_id)
        return (
            proposal,
            proposal.state is ProposalState.DRAFT,
            url_for("votes.manage", proposal_id=proposal.id),
        )
    if kind == "consultation":
        from civic.consultations.models import ConsultationState
        from civic.consultations.services import get_consultation

        consultation = get_consultation(subject_id)
        return (
            consultation,
            consultation.state is ConsultationState.DRAFT,
            url_for("consultations.build", consultation_id=consultation.id),
        )
    if kind == "budget_round":
        from civic.budgets.models import BudgetRound, Phase

        round_ = db.session.get(BudgetRound, subject_id)
        if round_ is None:
            raise NotFound(_("No budget round has that number."))
        return (
            round_,
            round_.phase in (Phase.IDEAS, Phase.REVIEW),
            url_for("budgets.round_detail", slug=round_.slug),
        )
    raise NotFound(_("Only votes, consultations and budget rounds have constituencies."))


@bp.route("/open/<kind>/<int:subject_id>", methods=["GET", "POST"])
@login_required
def open_to(kind: str, subject_id: int) -> Any:
    require_moderator(current_user)
    subject, editable, back = _subject(kind, subject_id)
    form = OpenToForm()
    choices = db.session.scalars(
        select(Constituency)
        .where(Constituency.area_id == subject.area_id)
        .order_by(Constituency.name)
    ).all()
    form.constituencies.choices = [(c.id, f"{c.name} ({c.kind.label.lower()})") for c in choices]
    if form.validate_on_submit():
        chosen = [c for c in choices if c.id in (form.constituencies.data or [])]
        try:
            services.set_constituencies(current_user, subject, chosen, editable=editable)
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            flash(_("Saved: open to %(who)s.", who=services.who(subject)), "success")
            return redirect(back)
    elif not form.is_submitted():
        form.constituencies.data = [c.id for c in services.linked(subject)]
    return render(
        "constituencies/open_to.html",
        block="form",
        status=422 if form.is_submitted() else 200,
        form=form,
        subject=subject,
        title=getattr(subject, "title", None) or getattr(subject, "name", ""),
        editable=editable,
        back=back,
        who=services.who(subject),
    )
