"""The privacy notice, the accessibility statement and the cookies page, and their
administrators' edit page. Linked from every page's footer."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, url_for
from flask_login import current_user, login_required

from civic.errors import ValidationFailed
from civic.forms import attach_errors
from civic.i18n import _
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


@bp.route("/admin/pages/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str) -> Any:
    require_admin(current_user)
    page = services.get_page(slug)
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
            services.save_page(current_user, slug, form.body.data or "", based_on=based_on)
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            flash(_("%(page)s saved as a new version.", page=page.title), "success")
            return redirect(url_for(services.kind(slug).endpoint or f"site_pages.{slug}"))
    status = 422 if form.is_submitted() else 200
    return render(
        "site_pages/edit.html",
        block="form",
        status=status,
        form=form,
        page=page,
        versions=services.versions(slug),
        page_endpoint=services.kind(slug).endpoint,
    )
