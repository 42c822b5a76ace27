"""Moderators' pages: a subject's easy-read summary, and its version in another language
with each field side by side with the original."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from civic.content import services, subjects
from civic.errors import ValidationFailed
from civic.forms import check_csrf
from civic.i18n import LANGUAGES, _
from civic.permissions import require_moderator
from civic.web import render

bp = Blueprint("content", __name__, url_prefix="/content")


@bp.route("/<kind>/<int:subject_id>/easy-read", methods=["GET", "POST"])
@login_required
def easy_read(kind: str, subject_id: int) -> Any:
    require_moderator(current_user)
    spec, owner = subjects.load(kind, subject_id)
    text = owner.easy_read or ""
    errors: dict[str, str] = {}
    if request.method == "POST":
        check_csrf()
        text = request.form.get("easy_read", "")
        try:
            changed = services.set_easy_read(current_user, owner, text)
        except ValidationFailed as failure:
            errors = failure.errors
        else:
            flash(
                _("Easy read summary saved.") if changed else _("Nothing was changed."),
                "success",
            )
            return redirect(spec.page(owner))
    return render(
        "content/easy_read.html",
        status=422 if errors else 200,
        spec=spec,
        owner=owner,
        text=text,
        errors=errors,
        most=subjects.EASY_READ_MAX,
        translate_to=[code for code in LANGUAGES if code != subjects.language_of(owner)],
    )


@bp.route("/<kind>/<int:subject_id>/translate/<language>", methods=["GET", "POST"])
@login_required
def translate(kind: str, subject_id: int, language: str) -> Any:
    require_moderator(current_user)
    spec, owner = subjects.load(kind, subject_id)
    if language not in LANGUAGES or language == subjects.language_of(owner):
        abort(404)
    fields = list(spec.fields(owner))
    saved = services.versions(owner, language)
    values = {f.key: saved[f.key].text if f.key in saved else "" for f in fields}
    errors: dict[str, str] = {}
    if request.method == "POST":
        check_csrf()
        posted = {f.key: request.form[f.key] for f in fields if f.key in request.form}
        values.update(posted)
        try:
            changed = services.set_translations(current_user, owner, language, posted)
        except ValidationFailed as failure:
            errors = failure.errors
        else:
            flash(
                _("Saved: %(count)s changed.", count=changed)
                if changed
                else _("Nothing was changed."),
                "success",
            )
            return redirect(
                url_for(".translate", kind=kind, subject_id=subject_id, language=language)
            )
    stale = {
        key
        for key, row in saved.items()
        if row.source_sha256
        != services.sha256(next((f.original for f in fields if f.key == key), ""))
    }
    return render(
        "content/translate.html",
        status=422 if errors else 200,
        spec=spec,
        owner=owner,
        fields=fields,
        values=values,
        errors=errors,
        stale=stale,
        language=language,
        original_language=subjects.language_of(owner),
    )
