"""The moderators' one queue of contested paper entries, every kind on one page, and the
one resolution form. The budgets and paper pages' old queue addresses redirect here."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user, login_required

from civic.contests import flow
from civic.contests.states import ContestState
from civic.errors import Conflict, ValidationFailed
from civic.forms import check_csrf
from civic.i18n import _
from civic.permissions import require_moderator
from civic.web import render

bp = Blueprint("contests", __name__, url_prefix="/contests")


def _page(status: int = 200, **refused: Any) -> Any:
    return render(
        "contests/queue.html",
        status=status,
        queue=flow.queue(current_user),
        resolved=flow.recently_resolved(current_user),
        errors=refused.pop("errors", {}),
        typed=refused.pop("typed", {}),
        refused=refused.pop("refused", None),
    )


@bp.get("")
@login_required
def queue() -> Any:
    return _page()


@bp.post("/<kind>/<int:contest_id>")
@login_required
def resolve(kind: str, contest_id: int) -> Any:
    require_moderator(current_user)  # before saying whether the contest exists
    row = flow.get(kind, contest_id)
    flow.require_resolver(current_user, row)  # before the form is read
    check_csrf()
    outcome = request.form.get("outcome") or ""
    response = request.form.get("response") or ""
    try:
        state = flow.resolve(current_user, row, outcome, response)
    except (ValidationFailed, Conflict) as refused:
        errors = getattr(refused, "errors", None) or {"outcome": refused.message}
        return _page(
            refused.status,
            refused=f"{kind}-{row.id}",
            errors=errors,
            typed={"outcome": outcome, "response": response},
        )
    flash(
        _("The paper entry is removed; the resident can take part again while it is open.")
        if state is ContestState.REMOVED
        else _("The paper entry is kept; the resident sees your answer."),
        "success",
    )
    return redirect(url_for("contests.queue"))
