"""The signing machinery every petition in Civic shares: resident petitions (this package)
and recall petitions against a contract (civic.contracts.recall).

One signature per person per petition is kept by the database (INSERT ... ON CONFLICT DO
NOTHING on (petition, signer key), never a check followed by an insert); the signer key is
an HMAC scoped to the petition (civic.ballot_box.voter_key), never a user id. The caller
holds the petition's row lock (civic.database.lock_row) while it adds, removes and counts,
so a threshold is crossed by exactly one signature (DESIGN §4a). Thresholds are a number
of signatures or a share of eligible residents, kept as text ("250", "2.5%") and read with
Fraction: no floats reach the audit log.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from sqlalchemy import Table, delete, func, select

from civic import ballot_box, privacy
from civic.clock import utcnow
from civic.extensions import db
from civic.i18n import _
from civic.params import MAX_ID, parse_int


class LevelError(ValueError):
    """A threshold that is not a whole number of at least 1 or a share above 0 up to 100 %."""


def threshold_for(eligible: int, percent: Fraction) -> int:
    """Signatures needed: `percent` of `eligible`, rounded up, and at least one."""
    return max(1, math.ceil(percent * eligible / 100))


def percent_words(percent: Fraction) -> str:
    """5 -> "5", 5/2 -> "2.5" (for pages and the log: no floats in audit data)."""
    if percent.denominator == 1:
        return str(percent.numerator)
    return format(float(percent), "g")


@dataclass(frozen=True)
class Level:
    """One threshold: a fixed number of signatures, or a share (percent) of the area's
    eligible residents, worked out when the petition opens."""

    count: int | None = None
    percent: Fraction | None = None

    @classmethod
    def parse(cls, text: str) -> Level:
        """ "250" (signatures) or "2.5%" (of eligible residents); zero, negative, a share
        above 100 % or anything else is refused with words a form can show."""
        raw = (text or "").strip().replace(" ", "")
        if raw.endswith("%"):
            try:
                percent = Fraction(raw[:-1])
            except (ValueError, ZeroDivisionError):
                percent = None
            if percent is None or not 0 < percent <= 100:
                raise LevelError(
                    _(
                        "Give a share above %(low)s and at most %(high)s of eligible residents, "
                        "like %(share)s",
                        low="0 %",
                        high="100 %",
                        share="2.5%",
                    )
                )
            return cls(percent=percent)
        count = parse_int(raw, maximum=MAX_ID)
        if count is None:
            raise LevelError(
                _(
                    "Give a number of signatures, like %(number)s, or a share of eligible "
                    "residents, like %(share)s",
                    number="250",
                    share="2.5%",
                )
            )
        if count < 1:
            raise LevelError(_("A threshold of zero would need no signatures: give at least 1"))
        return cls(count=count)

    def words(self) -> str:
        """How the setting is written: "250" or "2.5%" (stored and logged as this text)."""
        if self.percent is not None:
            return f"{percent_words(self.percent)}%"
        return str(self.count)

    def signatures(self, eligible: int) -> int:
        """The number this level needs in an area with `eligible` residents."""
        if self.percent is not None:
            return threshold_for(eligible, self.percent)
        return max(1, self.count or 1)


def signer_key(scope: str, user_id: int) -> str:
    """The HMAC a signature row keeps instead of the signer ("petition:12", "recall:3")."""
    return ballot_box.voter_key(scope, user_id)


def add_signature(table: Table, petition_id: int, key: str) -> bool:
    """Add one signature (False: this person had signed already). Call under the row lock."""
    added = ballot_box.insert_or_nothing(
        table,
        ["petition_id", "signer_key"],
        {"petition_id": petition_id, "signer_key": key, "signed_at": utcnow()},
    )
    return added is not None


def remove_signature(table: Table, petition_id: int, key: str) -> bool:
    """Take one signature back (False: there was none). Call under the row lock."""
    removed = db.session.execute(
        delete(table).where(table.c.petition_id == petition_id, table.c.signer_key == key)
    ).rowcount
    return bool(removed)


def has_signature(table: Table, petition_id: int, key: str) -> bool:
    return (
        db.session.scalar(
            select(table.c.id).where(table.c.petition_id == petition_id, table.c.signer_key == key)
        )
        is not None
    )


def count_signatures(table: Table, petition_id: int) -> int:
    """The stored count, read under the petition's row lock (it becomes `signature_count`)."""
    return db.session.scalar(
        select(func.count()).select_from(table).where(table.c.petition_id == petition_id)
    )


def banded(count: int, threshold: int, *, exact: bool) -> dict[str, Any]:
    """What anyone may know of a running count against `threshold`.

    While signatures can still come and go the count is shown in bands of
    `CIVIC_MIN_ELECTORATE` (privacy.turnout_band), so it does not move by one right after
    someone's named comment; `exact` (the count is final, or past the threshold and
    frozen) shows it as it is."""
    if exact:
        floor, words, rough = count, str(count), False
    else:
        floor, words = privacy.turnout_band(count)
        rough = privacy.min_electorate() > 1
        if floor == 0 and rough and privacy.min_electorate() > threshold:
            words = "none" if threshold == 1 else f"fewer than {threshold}"
    shown = min(floor, threshold)
    return {
        "words": words,
        "at_least": floor,
        "rough": rough,
        "threshold": threshold,
        "progress_percent": (shown * 100) // threshold if threshold else 0,
    }
