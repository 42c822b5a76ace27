"""Pages of the notifications package: for now the administrators' view of the outbox."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from civic.clock import spoken
from civic.notifications import services
from civic.notifications.models import MailState
from civic.permissions import require_admin

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


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
        f"Message {message_id} was tried again now; if it failed, it is still listed below.",
        "success",
    )
    return redirect(url_for("notifications.outbox"))
