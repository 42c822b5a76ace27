"""Making and retiring receipt codes, and counting participation from the audit log."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import rfc8785
from sqlalchemy import func, select

from civic.audit import Subject
from civic.audit.models import AuditEntry
from civic.audit.verifier import receipt_code
from civic.extensions import db
from civic.i18n import _
from civic.receipts.models import RetiredReceipt

REPLACED = "replaced"
VOIDED = "voided"
WITHDRAWN = "withdrawn"  # its voter took the ballot back before the close

# The outcomes of a contest decision that took the paper entry out of the count. Entries
# logged before migration 0044 said it in each kind's old word ("voided" for a budget
# ballot; "upheld", meaning the resident's contest, for a paper vote); the log is never
# rewritten, so both words are read.
REMOVED_BY = {
    "budget_ballot:contest_resolve": frozenset({"removed", VOIDED}),
    "paper:contest_resolve": frozenset({"removed", "upheld"}),
}
# the log's entry for a first ballot, per kind of subject; a change logs another tag
CAST_ACTIONS = {"proposal": "proposal:vote_cast", "budget_round": "budget_ballot:cast"}


@dataclass(frozen=True)
class Receipt:
    """What a cast gives the voter: the new code, and the code it replaced (or None)."""

    code: str
    replaced: str | None = None


def receipt_words(receipt: Receipt, noun: str = "ballot") -> str:
    """The confirmation after a cast: the new code, and the old one if this replaced it."""
    if noun == "vote":
        done = _("Your vote is recorded. You can change it until the vote closes.")
    else:
        done = _("Your ballot is saved. You can change it until voting closes.")
    if receipt.replaced:
        return f"{done} " + _(
            "Your new receipt is %(code)s; your earlier receipt %(old)s is now marked replaced.",
            code=receipt.code,
            old=receipt.replaced,
        )
    return f"{done} " + _("Your receipt is %(code)s.", code=receipt.code)


def new_code(subject: Subject, ballot: Mapping[str, Any]) -> str:
    """A fresh receipt code for `ballot` ({"choice": ...} or {"projects": [...],
    "points": [...]}, projects by their published ids, in ballot order) in `subject`.

    The tracker is SHA-256(RFC 8785 JSON of subject and ballot ‖ a random 32-byte nonce):
    the random part makes two identical ballots get different codes, so a code cannot be
    guessed from a choice (there are only two choices in a vote). The nonce is not kept."""
    canonical = rfc8785.dumps(
        {"subject": {"type": subject.type, "id": str(subject.id)}, "ballot": dict(ballot)}
    )
    return receipt_code(hashlib.sha256(canonical + secrets.token_bytes(32)).digest())


def retire(subject: Subject, code: str, reason: str = REPLACED) -> None:
    """Keep `code` as no longer counted: replaced by a later ballot, or voided."""
    db.session.add(
        RetiredReceipt(
            subject_type=subject.type, subject_id=str(subject.id), code=code, reason=reason
        )
    )


def retired_codes(subject: Subject, reason: str = REPLACED) -> list[str]:
    """The subject's retired codes, sorted (their order says nothing about when)."""
    return sorted(
        db.session.scalars(
            select(RetiredReceipt.code).where(
                RetiredReceipt.subject_type == subject.type,
                RetiredReceipt.subject_id == str(subject.id),
                RetiredReceipt.reason == reason,
            )
        )
    )


def participation_count(subject: Subject) -> int:
    """How many ballots the public log says the subject holds: one per first cast (a change
    logs another tag), plus a Pabulib import's ballots (its one `budget_round:import`
    entry states how many it brought), less paper ballots a moderator voided after a
    contest (`budget_ballot:contest_resolve`, outcome "removed", naming the round), less
    ballots their voters withdrew before the close (`budget_ballot:withdraw`; a later
    ballot from the same voter logs `cast` again).

    After the close (which releases every queued cast) this equals the number of ballots
    published by receipt; anyone holding the log can compute the same figure."""
    action = CAST_ACTIONS[subject.type]
    count = db.session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(
            AuditEntry.subject_type == subject.type,
            AuditEntry.subject_id == str(subject.id),
            AuditEntry.action == action,
        )
    )
    if subject.type != "budget_round":
        # less paper votes removed after their resident's contest was upheld (civic.paper)
        for body in _bodies(
            AuditEntry.subject_type == subject.type,
            AuditEntry.subject_id == str(subject.id),
            AuditEntry.action == "paper:contest_resolve",
        ):
            if body["data"].get("outcome") in REMOVED_BY["paper:contest_resolve"]:
                count -= 1
        return int(count or 0)
    for body in _bodies(
        AuditEntry.subject_type == subject.type,
        AuditEntry.subject_id == str(subject.id),
        AuditEntry.action == "budget_round:import",
    ):
        count += int(body["data"].get("ballots", 0))
    count -= db.session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(
            AuditEntry.subject_type == subject.type,
            AuditEntry.subject_id == str(subject.id),
            AuditEntry.action == "budget_ballot:withdraw",
        )
    )
    for body in _bodies(AuditEntry.action == "budget_ballot:contest_resolve"):
        data = body["data"]
        removed = data.get("outcome") in REMOVED_BY["budget_ballot:contest_resolve"]
        if data.get("round") == str(subject.id) and removed:
            count -= 1
    return int(count)


def _bodies(*where: Any) -> list[dict[str, Any]]:
    """The verified bodies (not the index columns) of the entries matching `where`."""
    rows = db.session.scalars(select(AuditEntry.body).where(*where).order_by(AuditEntry.seq))
    return [json.loads(bytes(raw)) for raw in rows]
