"""The home page: what Civic is and where to start."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from sqlalchemy import func, select

from civic.accounts.models import Area, Group
from civic.audit.models import AuditEntry
from civic.extensions import db

bp = Blueprint("pages", __name__)


@bp.get("/")
def home() -> Any:
    areas = db.session.scalars(select(Area).order_by(Area.name)).all()
    groups = db.session.scalar(select(func.count()).select_from(Group))
    recent = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(5)).all()
    return render_template("pages/home.html", areas=areas, group_count=groups, recent=recent)
