"""Pages of the notifications package: a person's notifications list, unread count,
settings, follow buttons and one-click unsubscribe; and the administrators' outbox."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from civic.errors import ValidationFailed
from civic.extensions import csrf
from civic.forms import attach_errors
from civic.i18n import _
from civic.notifications import feed, inbox, services
from civic.notifications.forms import PlainForm, preferences_form
from civic.notifications.kinds import KINDS, kinds_for
from civic.notifications.models import MailState
from civic.notifications.wording import spoken
from civic.params import local_path
from civic.permissions import require_admin
from civic.web import render, wants_fragment

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
READ_EVENT = "civic-notifications-read"  # htmx event: the header's count refreshes on it


class RetryForm(FlaskForm):
    """No fields: the CSRF token is the whole form."""


@bp.get("/outbox")
@login_required
def outbox() -> Any:
    require_admin(current_user)
    return render_template(
        "notifications/outbox.html",
        messages=services.waiting_messages(current_user),
        counts=services.counts(current_user),
        MailState=MailState,
        STATE_LABELS=services.STATE_LABELS,
        spoken=spoken,
        form=RetryForm(),
    )


@bp.post("/outbox/<int:message_id>/retry")
@login_required
def retry(message_id: int) -> Any:
    require_admin(current_user)
    if not RetryForm().validate_on_submit():
        abort(400)
    services.retry_now(current_user, message_id)
    flash(
        _(
            "Message %(id)s was tried again now; if it failed, it is still listed below.",
            id=message_id,
        ),
        "success",
    )
    return redirect(url_for("notifications.outbox"))


# --- the in-app list and the unread count --------------------------------------------------


@bp.app_template_global("unread_notifications")
def unread_notifications() -> int | None:
    """The header's unread count for a signed-in person (None for anyone else)."""
    if not current_user.is_authenticated:
        return None
    return inbox.unread_count(current_user)


@bp.get("")
@login_required
def index() -> Any:
    found = inbox.page_of(current_user, request.args.get("page"))
    return render(
        "notifications/index.html",
        block="results",
        found=found,
        spoken=spoken,
        KINDS=KINDS,
        form=PlainForm(),
    )


@bp.get("/unread")
def count() -> Any:
    """The header's count alone, for htmx to refresh it. Not behind a sign-in redirect: a
    page left open after its session ended gets an empty answer (the link goes) rather
    than a redirect, which htmx would follow to the sign-in page."""
    return render_template("notifications/_count.html", refreshed=True)


@bp.get("/<int:notification_id>")
@login_required
def item(notification_id: int) -> Any:
    """Mark one of your notifications read and go to what it is about."""
    found = inbox.open_notification(current_user, notification_id)
    return redirect(local_path(found.url) or url_for("notifications.index"))


@bp.post("/read-all")
@login_required
def read_all() -> Any:
    if not PlainForm().validate_on_submit():
        abort(400)
    marked = inbox.mark_all_read(current_user)
    if wants_fragment():
        response = index()
        return (*response, {"HX-Trigger": READ_EVENT})
    flash(
        _("All your notifications are marked as read.") if marked else _("Nothing was unread."),
        "success",
    )
    return redirect(url_for("notifications.index"))


@bp.app_template_global("follow_state")
def follow_state(thing: Any) -> dict[str, Any] | None:
    """What a follow button needs (None for someone not signed in: no button)."""
    if not current_user.is_authenticated:
        return None
    target = feed.target_of(thing)
    return {"target": target, "following": feed.is_following(current_user, target)}


# --- settings and follows ------------------------------------------------------------------


def _settings_page(form: Any, status: int = 200) -> Any:
    return render(
        "notifications/settings.html",
        block=None,
        status=status,
        form=form,
        kinds=kinds_for(current_user.is_moderator),
        followed=inbox.followed(current_user),
        plain=PlainForm(),
    )


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings() -> Any:
    kinds = kinds_for(current_user.is_moderator)
    form = preferences_form(kinds, feed.preferences(current_user))
    if form.validate_on_submit():
        try:
            inbox.save_preferences(current_user, request.form)
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            flash(_("Your notification settings are saved."), "success")
            return redirect(url_for("notifications.settings"))
    if form.is_submitted():
        return _settings_page(form, 422)
    return _settings_page(form)


@bp.post("/follow")
@login_required
def follow() -> Any:
    """Follow (`follow=1`) or stop following (`follow=0`) the form's `target`. With htmx
    the button is swapped in place; without, back to the page the button was on."""
    if not PlainForm().validate_on_submit():
        abort(400)
    wanted = request.form.get("follow", "")
    if wanted not in ("0", "1"):
        raise ValidationFailed({"follow": _("Choose to follow or to stop following")})
    done = inbox.set_following(current_user, request.form.get("target", ""), wanted == "1")
    if wants_fragment():
        return render_template(
            "notifications/_follow_fragment.html",
            target=done.target,
            name=done.name,
            following=wanted == "1",
            next=request.form.get("next"),
        )
    if wanted == "1":
        flash(_("You are following %(name)s.", name=done.name), "success")
    else:
        flash(_("You no longer follow %(name)s.", name=done.name), "success")
    return redirect(local_path(request.form.get("next")) or done.url or url_for("pages.home"))


# --- one-click unsubscribe (RFC 8058) --------------------------------------------------------


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" with no session and
# no form token; the signed token in the address is the authority, and it can only ever
# change the one person it names. A GET changes nothing (link scanners follow links).
def unsubscribe(token: str) -> Any:
    done = request.method == "POST"
    _, scope = inbox.unsubscribe(token) if done else inbox.token_owner(token)
    return render_template(
        "notifications/unsubscribe.html", scope=inbox.scope_label(scope), done=done
    )
