"""The privacy notice, the accessibility statement and the cookies page, and their
administrators' edit page. Linked from every page's footer."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user, login_required

from civic.errors import ValidationFailed
from civic.forms import attach_errors
from civic.i18n import DEFAULT_LANGUAGE, _, current_language
from civic.permissions import require_admin
from civic.site_pages import services
from civic.site_pages.forms import SitePageForm
from civic.web import render

bp = Blueprint("site_pages", __name__)


def _show(slug: str) -> Any:
    page = services.get_page(slug)
    return render("site_pages/page.html", page=page)


@bp.get("/privacy")
def privacy() -> Any:
    return _show("privacy")


@bp.get("/accessibility")
def accessibility() -> Any:
    return _show("accessibility")


@bp.get("/cookies")
def cookies() -> Any:
    return _show("cookies")


def _english_is_newer(slug: str, language: str) -> bool:
    """Welsh readers are shown the English: the edit page says so, and why."""
    if language == DEFAULT_LANGUAGE:
        return False
    return services.get_page(slug, language).missing


@bp.route("/admin/pages/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str) -> Any:
    """`?language=cy` edits the Welsh version (default: the administrator's own language);
    the two languages are two links, so choosing one needs no script."""
    require_admin(current_user)
    language = services.language_or_404(request.args.get("language") or current_language())
    page = services.own_version(slug, language)
    form = SitePageForm()
    if not form.is_submitted():
        form.body.data = page.body
        form.based_on.data = str(page.version)
    elif form.validate_on_submit():
        try:
            based_on = int(form.based_on.data) if form.based_on.data else None
        except ValueError:
            based_on = None
        try:
            services.save_page(
                current_user, slug, form.body.data or "", based_on=based_on, language=language
            )
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            flash(_("%(page)s saved as a new version.", page=page.title), "success")
            if language != current_language():  # the page would show the other language
                return redirect(url_for(".edit", slug=slug, language=language))
            return redirect(url_for(services.kind(slug).endpoint or f"site_pages.{slug}"))
    status = 422 if form.is_submitted() else 200
    return render(
        "site_pages/edit.html",
        block="form",
        status=status,
        form=form,
        page=page,
        language=language,
        english_is_newer=_english_is_newer(slug, language),
        versions=services.versions(slug, language),
        page_endpoint=services.kind(slug).endpoint,
    )
