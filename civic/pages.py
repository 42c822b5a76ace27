"""The home page and the "Your areas" dashboard: what a person can do today, first."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_login import current_user, login_required
from sqlalchemy import func, select

from civic import whats_open, wording
from civic.accounts.models import Area, Group
from civic.extensions import db

bp = Blueprint("pages", __name__)


def _viewer() -> whats_open.Viewer:
    return whats_open.viewer_for(current_user if current_user.is_authenticated else None)


@bp.get("/")
def home() -> Any:
    viewer = _viewer()
    areas = db.session.scalars(select(Area).order_by(Area.name)).all()
    groups = db.session.scalar(select(func.count()).select_from(Group))
    return render_template(
        "pages/home.html",
        viewer=viewer,
        open_items=whats_open.open_now(viewer),
        decisions=whats_open.recent_decisions(viewer),
        areas=areas,
        group_count=groups,
    )


@bp.get("/me")
@login_required
def dashboard() -> Any:
    """Per area the person belongs to: what is open to them, what they took part in, and
    their groups; or, for someone not yet eligible anywhere, how to become eligible."""
    viewer = _viewer()
    return render_template(
        "pages/dashboard.html", viewer=viewer, panels=whats_open.dashboard(viewer)
    )


@bp.app_template_filter("closes_in")
def closes_in(moment: Any) -> str:
    return whats_open.closes_in(moment)


@bp.app_template_filter("spoken")
def spoken_filter(moment: Any) -> str:
    return wording.spoken(moment)
