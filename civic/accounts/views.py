"""Pages for signing up and in, areas, neighbourhood groups, eligibility and people."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required
from sqlalchemy import select

from civic import csv_safe
from civic.accounts import codes as code_format
from civic.accounts import constituencies, data_rights, devices, invitations, services, tokens
from civic.accounts import people as people_search
from civic.accounts.forms import (
    AreaForm,
    ChangeEmailForm,
    ChangePasswordForm,
    CodeBatchForm,
    ConfirmDeleteForm,
    ConfirmEligibilityForm,
    ConfirmLinkForm,
    DeleteAccountForm,
    EraseAccountForm,
    ForgotPasswordForm,
    GroupForm,
    MemberForm,
    RedeemCodeForm,
    RegisterForm,
    ResendConfirmationForm,
    ResetPasswordForm,
    RoleForm,
    ShowNameForm,
    SignInForm,
)
from civic.accounts.models import (
    Area,
    CodeBatch,
    Group,
    GroupInvitation,
    GroupMembership,
    GroupRole,
    InvitationState,
    Role,
    TokenPurpose,
    User,
)
from civic.accounts.session import end_session, start_session
from civic.clock import utcnow
from civic.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from civic.extensions import db, limiter
from civic.forms import attach_errors
from civic.i18n import _, role_name
from civic.notifications.outbox import send_after_response
from civic.params import local_path
from civic.permissions import require_admin, require_moderator
from civic.web import render

bp = Blueprint("accounts", __name__, url_prefix="/accounts")


def _safe_next(target: str | None) -> str:
    """Only same-site paths, so a sign-in link cannot bounce a resident to another site
    (or split the redirect's headers with CR/LF): see civic.params.local_path."""
    return local_path(target) or url_for("pages.home")


def _form_page(template: str, form: Any, status: int = 200, **context: Any) -> Any:
    return render(template, block="form", status=status, form=form, **context)


def _invalid(template: str, form: Any, **context: Any) -> Any:
    return _form_page(template, form, status=422, **context)


def _email_key() -> str:
    return "email:" + devices.typed_email()


def _user_key() -> str:
    """Per account (not per session: the session id changes at every sign-in). Limits run
    before login_required, so an anonymous request is counted by its address."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"address:{get_remote_address()}"


# --- registration and sign-in -----------------------------------------------------------


def _register_limit() -> str:
    """New accounts per address (CIVIC_REGISTER_RATE_LIMIT)."""
    return current_app.config["REGISTER_RATE_LIMIT"]


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_register_limit, methods=["POST"])
def register() -> Any:
    """Create an account. The answer is the same page whether or not the address already
    has an account (its owner is emailed instead), and nobody is signed in here: signing
    in a new person, and not the owner of a taken address, would tell the two apart. The
    new person confirms their address by the emailed link, then signs in."""
    form = RegisterForm()
    return _mailing_form(
        form,
        "accounts/register.html",
        lambda: services.register(
            form.email.data, form.display_name.data, form.password.data, code=form.code.data or ""
        ),
        "accounts.check_email",
    )


def _mailing_form(form: Any, template: str, act: Callable[[], object], done: str) -> Any:
    """A form whose success queues mail: `act` (a service call) then a redirect to `done`,
    with the mail sent after the response has gone out (send_after_response), so how long
    the answer takes does not tell whether a message was sent."""
    if form.validate_on_submit():
        try:
            act()
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            return send_after_response(redirect(url_for(done)))
    if form.is_submitted():
        return _invalid(template, form)
    return _form_page(template, form)


@bp.get("/register/check-email")
def check_email() -> Any:
    """Where every registration lands, whatever happened to the address."""
    return render_template("accounts/check_email.html")


def _login_limit() -> str:
    """Sign-in attempts per account or trusted device (CIVIC_LOGIN_RATE_LIMIT)."""
    return current_app.config["LOGIN_RATE_LIMIT"]


def _login_address_limit() -> str:
    """Sign-in attempts per address, whatever the account (CIVIC_LOGIN_ADDRESS_RATE_LIMIT):
    its own setting, so a library sharing one address can raise it without giving a
    guesser more tries at any one account."""
    return current_app.config["LOGIN_ADDRESS_RATE_LIMIT"]


# Sign-in attempts are bounded three ways (see accounts/devices.py): from a browser holding a
# device cookie for the account typed, per device only; otherwise per address and per
# account. A stranger's wrong guesses then never use up the owner's attempts.
@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(
    _login_address_limit,
    methods=["POST"],
    key_func=get_remote_address,
    exempt_when=devices.has_trusted_device,
)
@limiter.limit(
    _login_limit, methods=["POST"], key_func=_email_key, exempt_when=devices.has_trusted_device
)
@limiter.limit(
    _login_limit,
    methods=["POST"],
    key_func=devices.device_key,
    exempt_when=devices.lacks_trusted_device,
)
def sign_in() -> Any:
    form = SignInForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            start_session(user)
            response = redirect(_safe_next(request.args.get("next")))
            return devices.remember_device(response, user.email)
        attach_errors(
            form, ValidationFailed({"email": _("The email address or password is not right")})
        )
    if form.is_submitted():
        return _invalid("accounts/sign_in.html", form)
    return _form_page("accounts/sign_in.html", form)


@bp.post("/sign-out")
def sign_out() -> Any:
    """Ends this session and every other one of the account (a copied cookie included)."""
    if current_user.is_authenticated:
        services.sign_out(current_user._get_current_object())
    end_session()
    flash(_("You have signed out."), "success")
    return redirect(url_for("pages.home"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
@limiter.limit(_login_limit, methods=["POST"], key_func=_user_key)
def change_password() -> Any:
    """Change your password; every other session of the account ends, this one goes on."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(user, form.current_password.data, form.password.data)
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            start_session(user)
            flash(_("Your password is changed. You were signed out everywhere else."), "success")
            return redirect(url_for("accounts.eligibility"))
    if form.is_submitted():
        return _invalid("accounts/password.html", form)
    return _form_page("accounts/password.html", form)


# --- emailed links: confirm an address, forgotten password, change of address -----------


def _account_mail_limit() -> str:
    """Account mail asked for, per address typed or per account (CIVIC_ACCOUNT_MAIL_RATE_LIMIT)."""
    return current_app.config["ACCOUNT_MAIL_RATE_LIMIT"]


def _link_problem(problem: tokens.LinkProblem) -> Any:
    """A link that is forged, expired or used: say which, and how to get a new one."""
    return render_template(
        "accounts/link_problem.html", problem=problem, purpose=problem.purpose
    ), problem.status


def _token_page(
    template: str, purpose: TokenPurpose, token: str, form: Any, status: int = 200
) -> Any:
    """The page a link opens, if the link can still be used (checked, not spent)."""
    try:
        row = tokens.find(token, purpose)
    except tokens.LinkProblem as problem:
        return _link_problem(problem)
    return _form_page(template, form, status=status, token=token, row=row)


@bp.route("/confirm-email/<token>", methods=["GET", "POST"])
def confirm_email(token: str) -> Any:
    """Opening the link shows a button; pressing it confirms (mail scanners open links)."""
    form = ConfirmLinkForm()
    if form.validate_on_submit():
        try:
            user = tokens.confirm_email(token)
        except tokens.LinkProblem as problem:
            return _link_problem(problem)
        flash(_("Your email address is confirmed."), "success")
        if current_user.is_authenticated and current_user.id == user.id:
            if invitations.waiting_count(user):
                flash(_("A group has invited you to join: see Invitations."), "info")
            return redirect(url_for("accounts.eligibility"))
        flash(_("Sign in to carry on."), "info")
        return redirect(url_for("accounts.sign_in"))
    return _token_page("accounts/confirm_link.html", TokenPurpose.CONFIRM_EMAIL, token, form)


@bp.post("/confirm-email/resend")
@login_required
@limiter.limit(_account_mail_limit, key_func=_user_key)
def resend_confirmation() -> Any:
    form = ResendConfirmationForm()
    if not form.validate_on_submit():
        return redirect(url_for("accounts.eligibility"))
    if tokens.resend_confirmation(current_user._get_current_object()):
        flash(
            _(
                "We sent a new link to %(email)s. Earlier links no longer work.",
                email=current_user.email,
            ),
            "success",
        )
    else:
        flash(_("Your email address is already confirmed."), "info")
    return send_after_response(redirect(url_for("accounts.eligibility")))


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(_login_address_limit, methods=["POST"], key_func=get_remote_address)
@limiter.limit(_account_mail_limit, methods=["POST"], key_func=_email_key)
def forgot_password() -> Any:
    """Ask for a reset link. The answer, and the work done, are the same whether or not an
    account uses the address; the mail goes out after the response (send_after_response),
    so its sending does not show in the response time either."""
    form = ForgotPasswordForm()
    return _mailing_form(
        form,
        "accounts/forgot_password.html",
        lambda: tokens.request_password_reset(form.email.data),
        "accounts.reset_link_sent",
    )


@bp.get("/forgot-password/sent")
def reset_link_sent() -> Any:
    return render_template(
        "accounts/reset_link_sent.html",
        minutes=tokens.minutes(TokenPurpose.RESET_PASSWORD),
    )


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Any:
    """Set a new password from an emailed link; every session of the account ends."""
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            tokens.reset_password(token, form.password.data)
        except tokens.LinkProblem as problem:
            return _link_problem(problem)
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            if current_user.is_authenticated:
                end_session()
            flash(
                _(
                    "Your password is changed, and you were signed out everywhere. "
                    "Sign in with your new password."
                ),
                "success",
            )
            return redirect(url_for("accounts.sign_in"))
    status = 422 if form.is_submitted() else 200
    return _token_page(
        "accounts/reset_password.html", TokenPurpose.RESET_PASSWORD, token, form, status
    )


@bp.route("/email", methods=["GET", "POST"])
@login_required
@limiter.limit(_login_limit, methods=["POST"], key_func=_user_key)
@limiter.limit(_account_mail_limit, methods=["POST"], key_func=_user_key)
def change_email() -> Any:
    """Ask to move the account to a new address (the password first): a link goes there,
    and a notice to the current address."""
    form = ChangeEmailForm()

    def ask() -> None:
        row = tokens.request_email_change(
            current_user._get_current_object(), form.current_password.data, form.email.data
        )
        flash(
            _(
                "We sent a link to %(email)s. Your email address changes when you "
                "follow it. We also told your current address.",
                email=row.new_email,
            ),
            "success",
        )

    return _mailing_form(form, "accounts/change_email.html", ask, "accounts.eligibility")


@bp.route("/email/confirm/<token>", methods=["GET", "POST"])
def change_email_confirm(token: str) -> Any:
    """The link sent to the new address: pressing the button moves the account there and
    ends every session (this browser stays signed in if it was the account's)."""
    form = ConfirmLinkForm()
    if form.validate_on_submit():
        was_signed_in = current_user.is_authenticated
        try:
            user = tokens.change_email(token)
        except tokens.LinkProblem as problem:
            return _link_problem(problem)
        if was_signed_in and current_user.id == user.id:
            start_session(user)
            flash(
                _(
                    "Your email address is now %(email)s. You were signed out everywhere else.",
                    email=user.email,
                ),
                "success",
            )
            return redirect(url_for("accounts.eligibility"))
        flash(
            _("Your email address is now %(email)s. Sign in with it.", email=user.email), "success"
        )
        return redirect(url_for("accounts.sign_in"))
    return _token_page("accounts/confirm_link.html", TokenPurpose.CHANGE_EMAIL, token, form)


# --- eligibility ------------------------------------------------------------------------


def _code_limit() -> str:
    """Letter codes tried per account (CIVIC_CODE_RATE_LIMIT)."""
    return current_app.config["CODE_RATE_LIMIT"]


@bp.route("/eligibility", methods=["GET", "POST"])
@login_required
@limiter.limit(_code_limit, methods=["POST"], key_func=_user_key)
def eligibility() -> Any:
    form = RedeemCodeForm()
    if form.validate_on_submit():
        try:
            granted = services.redeem_code(current_user, form.code.data or "")
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            where = getattr(granted, "constituency", None) or granted.area
            flash(_("You can now take part in %(where)s.", where=where.name), "success")
            return redirect(url_for("accounts.eligibility"))
    status = 422 if form.is_submitted() else 200
    return _form_page(
        "accounts/eligibility.html",
        form,
        status=status,
        resend_form=ResendConfirmationForm(),
        constituencies=constituencies.constituencies_of(current_user),
    )


@bp.route("/eligibility/confirm", methods=["GET", "POST"])
@login_required
def confirm_eligibility() -> Any:
    require_moderator(current_user)
    form = ConfirmEligibilityForm()
    form.area.choices = _area_choices()
    if form.validate_on_submit():
        try:
            resident = _user_by_email(form.email.data)
            area = services.get_or_404(Area, id=form.area.data)
            services.confirm_eligibility(current_user, resident, area, form.note.data)
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            flash(
                _(
                    "%(name)s can now take part in %(area)s.",
                    name=resident.display_name,
                    area=area.name,
                ),
                "success",
            )
            return redirect(url_for("accounts.confirm_eligibility"))
    status = 422 if form.is_submitted() else 200
    return _form_page("accounts/confirm_eligibility.html", form, status=status)


def _user_by_email(email: str) -> User:
    user = services.find_user_by_email(email)
    if user is None:
        raise ValidationFailed({"email": _("No account uses this email address")})
    return user


def _area_choices() -> list[tuple[int, str]]:
    return [(a.id, a.name) for a in db.session.scalars(select(Area).order_by(Area.name))]


# --- areas ------------------------------------------------------------------------------


@bp.get("/areas")
def areas() -> Any:
    rows = db.session.scalars(select(Area).order_by(Area.name)).all()
    return render_template("accounts/areas.html", areas=rows)


@bp.route("/areas/new", methods=["GET", "POST"])
@login_required
def new_area() -> Any:
    require_admin(current_user)
    form = AreaForm()
    if form.validate_on_submit():
        try:
            area = services.create_area(
                current_user,
                name=form.name.data,
                slug=form.slug.data,
                kind=form.kind.data,
                postcode_districts=form.postcode_districts.data or "",
                description=form.description.data or "",
            )
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            flash(_("Area %(area)s created.", area=area.name), "success")
            return redirect(url_for("accounts.area", slug=area.slug))
    status = 422 if form.is_submitted() else 200
    return _form_page("accounts/area_form.html", form, status=status, area=None)


@bp.get("/areas/<slug>")
def area(slug: str) -> Any:
    found = services.get_or_404(Area, slug=slug)
    batches = db.session.scalars(
        select(CodeBatch)
        .where(CodeBatch.area_id == found.id, CodeBatch.constituency_id.is_(None))
        .order_by(CodeBatch.id.desc())
    ).all()
    stats = {b.id: services.code_batch_stats(b) for b in batches}
    # what is open and decided here leads the page; whats_open sits above the domains, so
    # accounts (which the domains import) reaches it only when the page is drawn
    from civic import whats_open

    viewer = whats_open.viewer_for(current_user if current_user.is_authenticated else None)
    return render_template(
        "accounts/area.html",
        area=found,
        batches=batches,
        stats=stats,
        form=CodeBatchForm(),
        open_items=whats_open.open_now(viewer, area=found),
        decisions=whats_open.recent_decisions(viewer, area=found),
    )


@bp.route("/areas/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit_area(slug: str) -> Any:
    require_admin(current_user)
    found = services.get_or_404(Area, slug=slug)
    form = AreaForm(obj=found)
    del form.slug  # the short name is part of published links and audit subjects
    if form.validate_on_submit():
        try:
            services.update_area(
                current_user,
                found,
                name=form.name.data,
                kind=form.kind.data,
                postcode_districts=form.postcode_districts.data or "",
                description=form.description.data or "",
            )
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            flash(_("Area saved."), "success")
            return redirect(url_for("accounts.area", slug=found.slug))
    status = 422 if form.is_submitted() else 200
    return _form_page("accounts/area_form.html", form, status=status, area=found)


@bp.post("/areas/<slug>/codes")
@login_required
def generate_codes(slug: str) -> Any:
    require_moderator(current_user)
    found = services.get_or_404(Area, slug=slug)
    form = CodeBatchForm()
    if form.validate_on_submit():
        try:
            batch, plain = services.generate_codes(
                current_user,
                found,
                count=form.count.data,
                valid_days=form.valid_days.data,
                note=form.note.data or "",
            )
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            return _code_sheet(batch, plain, form.fmt.data)
    batches = db.session.scalars(select(CodeBatch).where(CodeBatch.area_id == found.id)).all()
    stats = {b.id: services.code_batch_stats(b) for b in batches}
    return render_template(
        "accounts/area.html", area=found, batches=batches, stats=stats, form=form
    ), 422


def _code_sheet(batch: CodeBatch, plain: list[str], fmt: str) -> Response:
    """The codes, as a download: shown this once, since only their hashes are kept."""
    printable = [code_format.display(code) for code in plain]
    name = f"civic-codes-{batch.area.slug}-batch-{batch.id}"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv_safe.writer(buffer)
        writer.writerow(["area", "code", "expires", "redeem_at"])
        redeem_at = url_for("accounts.eligibility", _external=True)
        for code in printable:
            writer.writerow([batch.area.name, code, batch.expires_at.date().isoformat(), redeem_at])
        body, mimetype, extension = buffer.getvalue(), "text/csv", "csv"
    else:
        body = render_template(
            "accounts/code_sheet.html",
            batch=batch,
            codes=printable,
            redeem_at=url_for("accounts.eligibility", _external=True),
        )
        mimetype, extension = "text/html", "html"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{extension}"'
    response.headers["Cache-Control"] = "no-store"
    return response


# --- neighbourhood groups ---------------------------------------------------------------


@bp.get("/groups")
def groups() -> Any:
    rows = db.session.scalars(select(Group).order_by(Group.name)).all()
    return render_template("accounts/groups.html", groups=rows)


@bp.route("/groups/new", methods=["GET", "POST"])
@login_required
def new_group() -> Any:
    require_moderator(current_user)
    form = GroupForm()
    form.area.choices = _area_choices()
    if form.validate_on_submit():
        try:
            group = services.create_group(
                current_user,
                area=services.get_or_404(Area, id=form.area.data),
                name=form.name.data,
                slug=form.slug.data,
                description=form.description.data or "",
                organiser_email=form.organiser_email.data or "",
            )
        except ValidationFailed as failure:
            if "email" in failure.errors:
                errors = dict(failure.errors)
                errors["organiser_email"] = errors.pop("email")
                failure = ValidationFailed(errors)
            attach_errors(form, failure)
        else:
            flash(_("Group %(group)s created.", group=group.name), "success")
            return redirect(url_for("accounts.group", slug=group.slug))
    status = 422 if form.is_submitted() else 200
    return _form_page("accounts/group_form.html", form, status=status)


def _group_page(
    group: Group,
    form: MemberForm,
    status: int = 200,
    block: str | None = None,
    show_form: ShowNameForm | None = None,
) -> Any:
    """The group page; its managers also get the unanswered invitations."""
    pending = (
        invitations.pending_for_group(current_user, group)
        if services.can_manage_group(current_user, group)
        else []
    )
    membership = services.membership_of(current_user, group)
    if show_form is None:
        show_form = ShowNameForm(
            formdata=None, show_name="yes" if membership and membership.show_name else "no"
        )
    return render(
        "accounts/group.html",
        block=block,
        status=status,
        group=group,
        form=form,
        show_form=show_form,
        pending=pending,
        membership=membership,
        shown=services.members_shown_to(current_user, group),
        services=services,
    )


@bp.route("/groups/<slug>", methods=["GET", "POST"])
def group(slug: str) -> Any:
    """The group page; a POST from its managers invites someone by email."""
    found = services.get_or_404(Group, slug=slug)
    form = MemberForm()
    if request.method == "POST":
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        services.require_group_manager(current_user, found)  # before the form is read
        if form.validate_on_submit():
            try:
                invitations.invite_member(
                    current_user, found, form.email.data, GroupRole(form.role.data)
                )
            except ValidationFailed as failure:
                attach_errors(form, failure)
            else:
                flash(str(invitations.INVITATION_SENT), "success")
                return redirect(url_for("accounts.group", slug=slug))
        return _group_page(found, form, status=422, block="members")
    return _group_page(found, form)


@bp.post("/groups/<slug>/invitations/<int:invitation_id>/cancel")
@login_required
def cancel_invitation(slug: str, invitation_id: int) -> Any:
    found = services.get_or_404(Group, slug=slug)
    services.require_group_manager(current_user, found)
    invitation = services.get_or_404(GroupInvitation, id=invitation_id, group_id=found.id)
    invitations.cancel(current_user, invitation)
    flash(_("Invitation withdrawn."), "success")
    return redirect(url_for("accounts.group", slug=slug))


@bp.post("/groups/<slug>/show-name")
@login_required
def show_name(slug: str) -> Any:
    """A member chooses whether the public group page shows their name."""
    found = services.get_or_404(Group, slug=slug)
    membership = services.membership_of(current_user, found)
    if membership is None:
        raise PermissionDenied(_("Only the group's members choose how they are listed."))
    form = ShowNameForm()
    if not form.validate_on_submit():
        return _group_page(found, MemberForm(formdata=None), status=422, show_form=form)
    invitations.set_name_shown(current_user, membership, form.show_name.data == "yes")
    flash(
        _("Your name is shown on the group page.")
        if membership.show_name
        else _("Your name is no longer shown on the group page; you are still counted."),
        "success",
    )
    return redirect(url_for("accounts.group", slug=slug))


# --- invitations (the invited person's side) --------------------------------------------


@bp.get("/invitations")
@login_required
def invitation_list() -> Any:
    """The invitations sent to the signed-in person's address (there is no mail yet)."""
    return render(
        "accounts/invitations.html",
        invitations=invitations.invitations_for(current_user),
    )


@bp.get("/invitations/open/<token>")
@login_required
def invitation_by_token(token: str) -> Any:
    """Where an emailed invitation link will lead: the one invitation, if it is for the
    signed-in person; once answered, its token opens nothing more."""
    invitation = invitations.find_by_token(token)
    if invitation is None or not invitations.addressed_to(current_user, invitation):
        raise NotFound(_("No invitation for you matches that link."))
    state = invitation.state_at(utcnow())
    return render(
        "accounts/invitations.html",
        invitations=[invitation] if state is InvitationState.PENDING else [],
        answered=invitation,
        answered_state=state,
    )


@bp.post("/invitations/<int:invitation_id>/accept")
@login_required
def accept_invitation(invitation_id: int) -> Any:
    invitation = invitations.get_for(current_user, invitation_id)
    membership = invitations.accept(current_user, invitation)
    group = membership.group
    if membership.role is GroupRole.ORGANISER:
        said = _(
            "You have joined %(group)s. As an organiser your name is shown on the group page: "
            "it is a public role.",
            group=group.name,
        )
    else:
        said = _(
            "You have joined %(group)s. Your name is not shown on the group page unless you "
            "choose it there.",
            group=group.name,
        )
    flash(said, "success")
    return redirect(url_for("accounts.group", slug=group.slug))


@bp.post("/invitations/<int:invitation_id>/decline")
@login_required
def decline_invitation(invitation_id: int) -> Any:
    invitation = invitations.get_for(current_user, invitation_id)
    invitations.decline(current_user, invitation)
    flash(_("You declined the invitation to %(group)s.", group=invitation.group.name), "success")
    return redirect(url_for("accounts.invitation_list"))


@bp.app_template_global("waiting_invitations")
def waiting_invitations() -> int:
    """For the account menu: how many invitations wait for the signed-in person."""
    return invitations.waiting_count(current_user)


@bp.post("/groups/<slug>/members/<int:membership_id>/remove")
@login_required
def remove_member(slug: str, membership_id: int) -> Any:
    found = services.get_or_404(Group, slug=slug)
    membership = services.get_or_404(GroupMembership, id=membership_id, group_id=found.id)
    services.remove_member(current_user, membership)
    flash(_("Member removed."), "success")
    return redirect(url_for("accounts.group", slug=slug))


@bp.post("/groups/<slug>/members/<int:membership_id>/role")
@login_required
def member_role(slug: str, membership_id: int) -> Any:
    found = services.get_or_404(Group, slug=slug)
    membership = services.get_or_404(GroupMembership, id=membership_id, group_id=found.id)
    if not services.can_appoint_organisers(current_user, found):
        raise PermissionDenied(_("Only moderators can appoint or stand down organisers."))
    try:
        role = GroupRole(request.form.get("role", ""))
    except ValueError:
        raise ValidationFailed({"role": _("Choose member or organiser")}) from None
    services.set_member_role(current_user, membership, role)
    flash(_("Role changed."), "success")
    return redirect(url_for("accounts.group", slug=slug))


# --- people (administrators) ------------------------------------------------------------


def _people_page(status: int = 200, refused: dict[str, Any] | None = None) -> Any:
    """The people list, searched and filtered by the query string; `refused` (user_id,
    field, message, value) puts a refusal next to that person's control, keeping the
    value the administrator chose."""
    args = request.args
    chosen = {
        "q": args.get("q", ""),
        "role": args.get("role", ""),
        "active": args.get("active", ""),
    }
    filter_errors: dict[str, str] = {}
    try:
        found = people_search.find_people(
            current_user,
            query=chosen["q"],
            role=chosen["role"],
            active=chosen["active"],
            page=args.get("page"),
        )
    except ValidationFailed as failure:
        found, filter_errors, status = people_search.PeoplePage(), failure.errors, 422

    def page_url(number: int) -> str:
        values = {k: v for k, v in chosen.items() if v}
        return url_for("accounts.people", **values, page=number if number > 1 else None)

    return render_template(
        "accounts/people.html",
        found=found,
        people=found.people,
        chosen=chosen,
        filter_errors=filter_errors,
        page_url=page_url,
        form=RoleForm(),
        refused=refused,
    ), status


@bp.get("/people")
@login_required
def people() -> Any:
    require_admin(current_user)
    return _people_page()


@bp.post("/people/<int:user_id>/role")
@login_required
def change_role(user_id: int) -> Any:
    require_admin(current_user)
    person = services.get_or_404(User, id=user_id)
    form = RoleForm()
    try:
        if not form.validate_on_submit():
            raise ValidationFailed({"role": _("Choose resident, moderator or admin")})
        services.set_role(current_user, person, Role(form.role.data))
    except ValidationFailed as failure:
        message = failure.errors.get("role", failure.message)
        refused = {"user_id": person.id, "field": "role", "message": message}
        return _people_page(422, refused | {"value": form.role.data})
    flash(
        _(
            "%(name)s is now %(role)s.",
            name=person.display_name,
            role=role_name(form.role.data),
        ),
        "success",
    )
    return redirect(url_for("accounts.people"))


@bp.post("/people/<int:user_id>/active")
@login_required
def change_active(user_id: int) -> Any:
    require_admin(current_user)
    person = services.get_or_404(User, id=user_id)
    try:
        services.set_active(current_user, person, request.form.get("active") == "1")
    except Conflict as refusal:
        refused = {"user_id": person.id, "field": "active", "message": refusal.message}
        return _people_page(refusal.status, refused)
    flash(_("Account updated."), "success")
    return redirect(url_for("accounts.people"))


# --- your data (export and erasure) --------------------------------------------------------


@bp.get("/data")
@login_required
def your_data() -> Any:
    """Everything Civic holds about the signed-in person, readable, with a JSON download."""
    found = data_rights.export(current_user._get_current_object())
    response = current_app.make_response(render_template("accounts/data.html", found=found))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/data.json")
@login_required
def your_data_json() -> Any:
    """The same as /accounts/data, as one JSON file to keep or take elsewhere (art. 20)."""
    found = data_rights.export(current_user._get_current_object())
    response = jsonify(found.as_json())
    response.headers["Content-Disposition"] = 'attachment; filename="civic-your-data.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/delete", methods=["GET", "POST"])
@login_required
@limiter.limit(_login_limit, methods=["POST"], key_func=_user_key)
def delete_account() -> Any:
    """Step one: the choice for comments and the password; step two confirms."""
    user = current_user._get_current_object()
    form = DeleteAccountForm()
    blockers = data_rights.erasure_blockers(user)
    if form.validate_on_submit():
        try:
            token = data_rights.prepare_erasure(
                user, comments=form.comments.data, password=form.password.data
            )
        except ValidationFailed as failure:
            attach_errors(form, failure)
        except Conflict as refusal:
            blockers = [refusal.message]
        else:
            confirm = ConfirmDeleteForm(formdata=None, confirmation=token)
            return render_template(
                "accounts/delete_confirm.html", form=confirm, choice=form.comments.data
            )
    status = 422 if form.is_submitted() else (409 if blockers else 200)
    return render_template("accounts/delete.html", form=form, blockers=blockers), status


@bp.post("/delete/confirm")
@login_required
def delete_account_confirm() -> Any:
    """Step two: erase, end this session, and say what happened."""
    form = ConfirmDeleteForm()
    try:
        if not form.validate_on_submit():
            raise Conflict(_("That confirmation is out of date. Nothing was deleted: start again."))
        data_rights.erase_own_account(current_user._get_current_object(), form.confirmation.data)
    except Conflict as refusal:
        flash(refusal.message, "error")
        return redirect(url_for("accounts.delete_account"))
    end_session()
    flash(
        _(
            "Your account is deleted. Civic no longer holds your name, email address or "
            "password; votes you cast stay counted."
        ),
        "success",
    )
    return redirect(url_for("pages.home"))


@bp.route("/people/<int:user_id>/erase", methods=["GET", "POST"])
@login_required
def erase_person(user_id: int) -> Any:
    """An administrator erases an account on the person's written request."""
    require_admin(current_user)
    person = services.get_or_404(User, id=user_id)
    form = EraseAccountForm()
    blockers = [] if person.erased_at else data_rights.erasure_blockers(person)
    if person.id == current_user.id:
        blockers = [_("To delete your own account, use Your data, Delete my account.")]
    if form.validate_on_submit() and not blockers:
        try:
            data_rights.erase_account(current_user, person, comments=form.comments.data)
        except ValidationFailed as failure:
            attach_errors(form, failure)
        except Conflict as refusal:
            blockers = [refusal.message]
        else:
            flash(_("Account %(id)s is erased.", id=person.id), "success")
            return redirect(url_for("accounts.people"))
    status = 200
    if form.is_submitted():
        status = 409 if blockers else 422
    return render_template(
        "accounts/erase_person.html", form=form, person=person, blockers=blockers
    ), status
