"""The public audit log: anyone can browse it and follow a subject's decision trail."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, abort, current_app, request, send_file
from sqlalchemy import func, select

from civic.audit import queries, verifier
from civic.audit.actions import ACTIONS, MODERATION_DECISIONS, Visibility
from civic.audit.models import AuditEntry
from civic.extensions import db
from civic.i18n import _
from civic.params import MAX_BIGINT, parse_int
from civic.web import render

bp = Blueprint("audit", __name__, url_prefix="/audit")


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "")
    if not raw:
        return None
    value = parse_int(raw, maximum=MAX_BIGINT)
    if value is None:
        abort(400, _("%(name)s must be a whole number", name=name))
    return value


def _filters() -> dict[str, str]:
    subject = request.args.get("subject", "").strip()[:120]
    subject_type, _colon, subject_id = subject.partition(":")
    return {
        "action": request.args.get("action", "").strip()[:64],
        "subject_type": subject_type,
        "subject_id": subject_id,
    }


@bp.get("")
def index() -> Any:
    filters = _filters()
    page = queries.entries_page(
        **filters,
        before=_int_arg("before"),
        after=_int_arg("after"),
        size=min(_int_arg("size") or _page_size(), 200) or _page_size(),
    )
    return render(
        "audit/index.html",
        block="results",
        page=page,
        actions=queries.actions(),
        filters=filters,
        subject=request.args.get("subject", ""),
    )


@bp.get("/moderation")
def moderation() -> Any:
    """Every moderation decision (comments hidden, restored, reports dismissed), newest
    first: what "See every moderation decision" promises, without the posts and reports."""
    page = queries.entries_page(
        actions=MODERATION_DECISIONS,
        before=_int_arg("before"),
        after=_int_arg("after"),
        size=min(_int_arg("size") or _page_size(), 200) or _page_size(),
    )
    return render("audit/moderation.html", block="results", page=page)


def _page_size() -> int:
    return current_app.config["AUDIT_PAGE_SIZE"]


def _words(tag: str) -> str:
    return tag.replace("_", " ")


@bp.app_template_filter("audit_action")
def audit_action(action: str) -> str:
    """`proposal:vote_cast` as residents read it: "Proposal: vote cast"."""
    subject, _colon, verb = action.partition(":")
    return f"{_words(subject).capitalize()}: {_words(verb)}" if verb else _words(action)


@bp.app_template_filter("audit_subject")
def audit_subject(subject_type: str) -> str:
    """`budget_project` as residents read it: "Budget project"."""
    return _words(subject_type).capitalize()


@bp.get("/subject/<subject_type>/<path:subject_id>")
def trail(subject_type: str, subject_id: str) -> Any:
    entries = queries.trail(subject_type, subject_id)
    # Nothing recorded (yet, or ever: the log cannot tell which): the trail page says so.
    return render(
        "audit/trail.html",
        status=200 if entries else 404,
        entries=entries,
        subject_type=subject_type,
        subject_id=subject_id,
    )


@bp.get("/entries/<int:seq>")
def entry(seq: int) -> Any:
    found = db.session.get(AuditEntry, seq)
    if found is None:
        abort(404)
    try:
        pretty = json.dumps(json.loads(found.body), indent=2, ensure_ascii=False)
    except ValueError:  # a damaged body: `audit verify` names it; the page shows the bytes
        pretty = found.body_text
    newest = db.session.scalar(select(func.max(AuditEntry.seq)))
    return render("audit/entry.html", entry=found, pretty=pretty, newest=newest)


@bp.app_template_global("audit_private")
def audit_private(action: str) -> bool:
    """Whether entries with this tag reach the log in hour-stamped batches."""
    return ACTIONS.get(action) is Visibility.PRIVATE


@bp.get("/verifier.py")
def verifier_download() -> Any:
    """The stand-alone verifier, one file an outsider runs with Python and `cryptography`.

    Served from the installed package, so it is exactly the code the site itself uses for
    its formats; nothing in the request chooses the file."""
    return send_file(
        verifier.__file__,
        mimetype="text/x-python",
        as_attachment=True,
        download_name="verifier.py",
    )


@bp.get("/how-to-check")
def how_to_check() -> Any:
    """Plain-English steps for residents: save a checkpoint, check a receipt, recount."""
    return render("audit/how_to_check.html", site=request.url_root.rstrip("/"))
