"""Published versions of a contract, kept so a change after publication never hides what
the register said before.

Each time a contract is published or changed after publication, its full content
(`services.contract_body`: plain strings and integers) is stored as canonical JSON (RFC
8785) with its SHA-256, and the same digest goes into the audit entry. Anyone can hash a
version shown on the history page and compare it with the log, so a version cannot be
rewritten silently. What changed between two versions is computed here, field by field.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import rfc8785
from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.accounts.models import User
from civic.clock import utcnow
from civic.contracts.models import ProviderType
from civic.contracts.sections import json_part
from civic.extensions import db
from civic.i18n import _, format_day, format_money
from civic.i18n import lazy_gettext as _l
from civic.votes.models import ANSWERS, Standard


class ContractVersion(db.Model):
    """One published version of a contract: its whole content, exactly as hashed."""

    __tablename__ = "contract_version"
    __table_args__ = (UniqueConstraint("contract_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), nullable=False, index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)  # canonical JSON (RFC 8785)
    body_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    # why it changed (required for every change after publication; empty for the first)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    changed_by: Mapped[User | None] = relationship()

    @property
    def content(self) -> dict[str, Any]:
        return json.loads(self.body)


def canonical(body: dict[str, Any]) -> bytes:
    return rfc8785.dumps(body)


def digest(body: dict[str, Any]) -> str:
    """The SHA-256 (hex) of a version body's canonical JSON: what the audit entry holds."""
    return hashlib.sha256(canonical(body)).hexdigest()


def store(
    contract_id: int, version: int, body: dict[str, Any], actor: User, reason: str = ""
) -> ContractVersion:
    """Keep one published version (the caller audits it, with `row.body_sha256`)."""
    raw = canonical(body)
    row = ContractVersion(
        contract_id=contract_id,
        version=version,
        body=raw.decode("utf-8"),
        body_sha256=hashlib.sha256(raw).hexdigest(),
        reason=reason,
        changed_by_id=actor.id,
        changed_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    return row


def history(contract_id: int) -> list[ContractVersion]:
    """Every published version, oldest first."""
    return list(
        db.session.scalars(
            select(ContractVersion)
            .where(ContractVersion.contract_id == contract_id)
            .order_by(ContractVersion.version)
        )
    )


# --- what changed -----------------------------------------------------------------------

FIELD_LABELS = {
    "reference": _l("Reference"),
    "title": _l("Title"),
    "service": _l("Service"),
    "area": _l("Area"),
    "provider": _l("Provider"),
    "provider_type": _l("Provider type"),
    "currency": _l("Currency"),
    "annual_value": _l("Value per year"),
    "total_value": _l("Total value"),
    "start_date": _l("Start date"),
    "end_date": _l("End date"),
    "break_clause": _l("Break clause"),
    "summary": _l("Summary"),
    "proposal": _l("Approved by proposal"),
}


@dataclass(frozen=True)
class Change:
    field: str  # the body's key ("terms.fair_wage" for a term)
    label: str
    before: str
    after: str


def shown(key: str, value: Any, body: dict[str, Any]) -> str:
    """One field of a version body as the history page writes it."""
    if value is None or value == "":
        return "—"
    if key in ("annual_value", "total_value"):
        return format_money(int(value), str(body.get("currency") or "GBP"))
    if key == "provider" and isinstance(value, dict):
        return str(value.get("name", ""))
    if key == "proposal":
        return _("Proposal %(number)s", number=value)
    if key in ("start_date", "end_date"):
        return format_day(date.fromisoformat(str(value)))
    if key == "provider_type":
        try:
            return ProviderType(value).label
        except ValueError:
            return str(value)
    if key.startswith("terms."):
        answer, note = [*list(value), "", ""][:2]
        words = ANSWERS.get(answer, str(answer))
        return f"{words}: {note}" if note else words
    return str(value)


def _term_label(standard: str) -> str:
    try:
        return _("Term: %(standard)s", standard=Standard(standard).label)
    except ValueError:
        return _("Term: %(standard)s", standard=standard)


def changes(before: dict[str, Any] | None, after: dict[str, Any]) -> list[Change]:
    """Field by field, what differs from `before` to `after` (everything when `before` is
    None: the first published version)."""
    old = before or {}
    found: list[Change] = []
    for key, label in FIELD_LABELS.items():
        if key in after and (before is None or old.get(key) != after.get(key)):
            found.append(
                Change(
                    key, str(label), shown(key, old.get(key), old), shown(key, after[key], after)
                )
            )
    old_terms, new_terms = old.get("terms") or {}, after.get("terms") or {}
    for standard in [s.value for s in Standard] + sorted(set(old_terms) | set(new_terms)):
        if (before is None and standard in new_terms) or (
            before is not None and old_terms.get(standard) != new_terms.get(standard)
        ):
            key = f"terms.{standard}"
            if any(c.field == key for c in found):
                continue
            found.append(
                Change(
                    key,
                    _term_label(standard),
                    shown(key, old_terms.get(standard), old),
                    shown(key, new_terms.get(standard), after),
                )
            )
    return found


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The body keys that differ (for the audit entry: which fields a change touched)."""
    return [c.field for c in changes(before, after)]


@json_part("versions")
def versions_json(contract: Any) -> dict[str, Any]:
    """What `/api/v1/contracts/<id>` says about the versions: each one's number, time,
    reason and SHA-256 (the full bodies are on the history page)."""
    return {
        "current": contract.version,
        "published": [
            {
                "version": row.version,
                "changed_at": row.changed_at.isoformat(),
                "reason": row.reason,
                "body_sha256": row.body_sha256,
            }
            for row in history(contract.id)
        ],
    }
