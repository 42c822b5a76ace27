"""Thresholds per area and kind of petition: an administrator's setting, else the defaults
from the configuration (`CIVIC_PETITION_THRESHOLD`, `CIVIC_PETITION_HIGHER_THRESHOLD`).

Each level is a number of signatures ("250") or a share of the area's eligible residents
("2.5%"). A recall petition's threshold is the first level of kind "recall", and must be
a share (the recall petition works out its target from the area's electorate)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from flask import current_app
from sqlalchemy import select

from civic import audit
from civic.accounts.models import Area, User
from civic.clock import utcnow
from civic.errors import ValidationFailed
from civic.extensions import db
from civic.i18n import _
from civic.permissions import require_admin
from civic.petitions.engine import Level, LevelError
from civic.petitions.models import FollowUp, PetitionKind, PetitionThreshold


@dataclass(frozen=True)
class Setting:
    first: Level
    second: Level
    follow_up: FollowUp
    saved: bool  # an administrator's row (False: the configured defaults)


def defaults() -> Setting:
    """The configured levels (checked at start-up by config.check_petition_settings)."""
    config = current_app.config
    return Setting(
        Level.parse(str(config.get("PETITION_THRESHOLD", "2%"))),
        Level.parse(str(config.get("PETITION_HIGHER_THRESHOLD", "5%"))),
        FollowUp.CONSULTATION,
        False,
    )


def _row(area: Area, kind: PetitionKind) -> PetitionThreshold | None:
    return db.session.scalar(
        select(PetitionThreshold).where(
            PetitionThreshold.area_id == area.id, PetitionThreshold.kind == kind
        )
    )


def setting_for(area: Area, kind: PetitionKind = PetitionKind.GENERAL) -> Setting:
    row = _row(area, kind)
    if row is None:
        return defaults()
    return Setting(Level.parse(row.first_level), Level.parse(row.second_level), row.follow_up, True)


def recall_percent(area: Area) -> Fraction | None:
    """The administrator's recall share for `area`, or None (use CIVIC_RECALL_THRESHOLD_PERCENT)."""
    row = _row(area, PetitionKind.RECALL)
    if row is None:
        return None
    return Level.parse(row.first_level).percent


def all_settings() -> list[PetitionThreshold]:
    return list(
        db.session.scalars(
            select(PetitionThreshold).order_by(PetitionThreshold.area_id, PetitionThreshold.kind)
        )
    )


def set_thresholds(
    actor: User | None,
    area: Area,
    kind: PetitionKind,
    first: str,
    second: str,
    follow_up: FollowUp,
) -> PetitionThreshold:
    """An administrator sets the two levels for an area and kind (audited). Zero, a share
    above 100 %, a higher level not above the first (when both are the same sort), and a
    recall level that is not a share are refused field by field; nothing is written."""
    admin = require_admin(actor)
    problems: dict[str, str] = {}
    levels: dict[str, Level] = {}
    for name, text in (("first", first), ("second", second)):
        try:
            levels[name] = Level.parse(text)
        except LevelError as wrong:
            problems[name] = str(wrong)
    if not problems:
        low, high = levels["first"], levels["second"]
        if (low.count is not None and high.count is not None and high.count <= low.count) or (
            low.percent is not None and high.percent is not None and high.percent <= low.percent
        ):
            problems["second"] = _("The higher threshold must be above the first")
    if kind is PetitionKind.RECALL and "first" in levels and levels["first"].percent is None:
        problems["first"] = _(
            "A recall threshold is a share of the area's eligible residents, like %(share)s",
            share="5%",
        )
    if problems:
        raise ValidationFailed(problems)
    values = {
        "first_level": levels["first"].words(),
        "second_level": levels["second"].words(),
        "follow_up": follow_up,
        "updated_by_id": admin.id,
        "updated_at": utcnow(),
    }
    row = _row(area, kind)
    if row is None:
        row = PetitionThreshold(area_id=area.id, kind=kind, **values)
        db.session.add(row)
    else:
        for name, value in values.items():
            setattr(row, name, value)
    db.session.flush()
    audit.record(
        admin,
        "petition_threshold:set",
        area,
        {
            "kind": kind.value,
            "first": values["first_level"],
            "second": values["second_level"],
            "follow_up": follow_up.value,
        },
    )
    return row
