"""Expiry review: every contract is reviewed before it ends, and in-house provision is the
presumption at renewal (the insourcing plan; Our Services Our Say).

Contracts ending within `CIVIC_CONTRACT_REVIEW_MONTHS` (12 by default) are "due for review"
and listed publicly; `civic tick` marks each newly due contract once, in the audit log. A
moderator then starts the review: an outsourcing proposal pre-filled from the contract,
whose default option is in-house, so the service comes back in-house unless a public vote
passes and every minimum standard is met (civic.votes.decision). A recall petition that
reaches its threshold creates the same kind of proposal (civic.contracts.recall.services).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from sqlalchemy import DateTime, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic import audit, ballot_box
from civic.accounts.models import User
from civic.clock import utcnow
from civic.contracts.models import PROVIDER_TYPE_LABELS, Contract, ContractState
from civic.database import lock_row, lock_rows
from civic.errors import Conflict
from civic.extensions import db
from civic.i18n import _, format_day
from civic.permissions import require_moderator
from civic.votes.models import (
    ANSWERS,
    OptionKind,
    Proposal,
    ProposalKind,
    ProposalState,
    StandardAnswer,
)

# the option that stands unless the appraisal and the public vote decide otherwise
DEFAULT_OPTION = OptionKind.IN_HOUSE
EXPIRY = "expiry"
RECALL = "recall"


class ContractReview(db.Model):
    """One per contract: when `civic tick` found it due, and the review proposal once a
    moderator started it. Its own table, so the register's and the votes' tables stay as
    they are; the proposal links back through `proposal_id` (see `review_of`)."""

    __tablename__ = "contract_review"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), nullable=False, unique=True)
    due_marked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id"), unique=True)
    default_option: Mapped[str] = mapped_column(
        String(20), nullable=False, default=DEFAULT_OPTION.value
    )
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    contract: Mapped[Contract] = relationship()
    proposal: Mapped[Proposal | None] = relationship()


# --- dates ------------------------------------------------------------------------------


def review_months() -> int:
    return int(current_app.config.get("CONTRACT_REVIEW_MONTHS", 12))


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day when it is shorter (31 August
    plus 6 months is 28 or 29 February), as a contract's "ends within 12 months" reads."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def today() -> date:
    return utcnow().date()


def window_end(on: date) -> date:
    """The last end date that is due for review on `on` (inclusive: a contract ending
    exactly `review_months()` from today is due)."""
    return add_months(on, review_months())


def is_due(contract: Contract, on: date) -> bool:
    return (
        contract.state is ContractState.PUBLISHED
        and not contract.has_ended(on)
        and contract.last_day <= window_end(on)
    )


@dataclass(frozen=True)
class DueRow:
    contract: Contract
    days_left: int
    review: ContractReview | None

    @property
    def started(self) -> bool:
        return self.review is not None and self.review.proposal_id is not None


def due_contracts(on: date | None = None) -> list[DueRow]:
    """Published contracts ending between today and the end of the window, soonest first."""
    on = on or today()
    candidates = db.session.scalars(
        select(Contract)
        .where(
            Contract.state == ContractState.PUBLISHED,
            Contract.end_date >= on,
            Contract.end_date <= window_end(on),
        )
        .order_by(Contract.end_date, Contract.id)
    )
    contracts = [c for c in candidates if is_due(c, on)]
    reviews = {
        r.contract_id: r
        for r in db.session.scalars(
            select(ContractReview).where(ContractReview.contract_id.in_([c.id for c in contracts]))
        )
    }
    return [DueRow(c, (c.last_day - on).days, reviews.get(c.id)) for c in contracts]


def review_for(contract: Contract) -> ContractReview | None:
    return db.session.scalar(
        select(ContractReview).where(ContractReview.contract_id == contract.id)
    )


def review_of(proposal: Proposal) -> tuple[Contract, str] | None:
    """The contract a proposal reviews and why ("expiry" or "recall"), for the proposal
    page's link back; None for any other proposal."""
    from civic.contracts.recall.models import RecallPetition

    row = db.session.scalar(select(ContractReview).where(ContractReview.proposal_id == proposal.id))
    if row is not None:
        return row.contract, EXPIRY
    petition = db.session.scalar(
        select(RecallPetition).where(RecallPetition.review_proposal_id == proposal.id)
    )
    if petition is not None:
        return petition.contract, RECALL
    return None


def _make_row(contract: Contract) -> None:
    """The contract's review row, made once however many ticks or moderators race."""
    ballot_box.insert_or_nothing(
        ContractReview.__table__,
        ["contract_id"],
        {"contract_id": contract.id, "default_option": DEFAULT_OPTION.value},
    )


# --- civic tick -------------------------------------------------------------------------


def mark_due_reviews(on: date | None = None) -> list[str]:
    """Mark every newly due contract once (audited `contract:review_due`; run by `civic
    tick`). A contract already marked is skipped, so running it again changes nothing.

    Every due contract's review row is made and locked, in id order, before the first
    entry is appended (civic.database.lock_rows): a moderator starting a review locks its
    row and then appends, so a tick that appended and then waited for a row could deadlock
    with them."""
    on = on or today()
    due = [row for row in due_contracts(on) if not (row.review and row.review.due_marked_at)]
    if not due:
        return []
    for row in due:
        _make_row(row.contract)
    ids = list(
        db.session.scalars(
            select(ContractReview.id).where(
                ContractReview.contract_id.in_([row.contract.id for row in due])
            )
        )
    )
    done = []
    for review in lock_rows(ContractReview, ids):
        if review.due_marked_at is not None:
            continue  # another tick marked it meanwhile
        contract = review.contract
        review.due_marked_at = utcnow()
        audit.record(
            None,
            "contract:review_due",
            contract,
            {
                "reference": contract.reference,
                "ends": contract.last_day.isoformat(),
                "window_months": review_months(),
            },
        )
        done.append(f"Contract {contract.reference} is due for review (ends {contract.last_day}).")
    db.session.flush()
    return done


# --- starting a review ------------------------------------------------------------------


def current_provision(contract: Contract) -> str:
    """The contract as the review proposal's "current provision" text."""
    lines = [
        f"{contract.provider.name} ({PROVIDER_TYPE_LABELS[contract.provider.kind]}) provides "
        f"{contract.service} "
        f"under contract {contract.reference}, from {contract.start_date:%d %B %Y} to "
        f"{contract.last_day:%d %B %Y}.",
    ]
    if contract.break_clause.strip():
        lines.append(f"Break clause: {contract.break_clause.strip()}")
    if contract.terms:
        lines.append("Minimum standards in the contract's terms:")
        lines += [
            f"- {t.standard.label}: {ANSWERS.get(t.answer, t.answer)}"
            + (f" ({t.note})" if t.note else "")
            for t in contract.terms
        ]
    return "\n".join(lines)


def create_review_proposal(actor: User | None, contract: Contract, reason: str) -> Proposal:
    """An outsourcing proposal (in draft, for moderators to complete) pre-filled from the
    contract: service, area, current provision and terms, current cost, and the standards
    answered as the contract's terms answer them. No options appraisal is invented: the
    default option, in-house, is the review's (`ContractReview.default_option`, and for a
    recall the petition's), and the decision rule keeps it unless the vote and the
    standards both allow otherwise.

    `actor` None: the system, when a recall petition reaches its threshold. Callers check
    permission and record why the review started."""
    prefix = "Review" if reason == EXPIRY else "Recall review"
    proposal = Proposal(
        kind=ProposalKind.OUTSOURCING,
        title=f"{prefix}: {contract.title}"[:200],
        service=contract.service,
        area_id=contract.area_id,
        state=ProposalState.DRAFT,
        current_provision=current_provision(contract),
        current_cost=contract.annual_value,
        consultation_days=int(current_app.config.get("MIN_CONSULTATION_DAYS", 28)),
        created_by_id=actor.id if actor is not None else None,
    )
    db.session.add(proposal)
    db.session.flush()
    for term in contract.terms:
        note = term.note or (f"As in contract {contract.reference}" if term.answer != "yes" else "")
        db.session.add(
            StandardAnswer(
                proposal_id=proposal.id, standard=term.standard, answer=term.answer, note=note
            )
        )
    db.session.flush()
    db.session.expire(proposal, ["standards"])
    audit.record(
        actor,
        "proposal:create",
        proposal,
        {
            "area": contract.area.slug,
            "kind": ProposalKind.OUTSOURCING.value,
            "reviews_contract": contract.id,
            "reason": reason,
        },
    )
    return proposal


def _not_reviewable(contract: Contract) -> str:
    """Why a draft, an ended or a terminated contract cannot be reviewed, one sentence each."""
    if contract.state is ContractState.DRAFT:
        return _(
            "Only a published contract that has not ended can be reviewed; contract "
            "%(reference)s is a draft.",
            reference=contract.reference,
        )
    if contract.has_ended(today()):
        return _(
            "Only a published contract that has not ended can be reviewed; contract "
            "%(reference)s ended on %(day)s.",
            reference=contract.reference,
            day=format_day(contract.last_day),
        )
    return _(
        "Only a published contract that has not ended can be reviewed; contract "
        "%(reference)s was terminated.",
        reference=contract.reference,
    )


def start_review(actor: User | None, contract: Contract) -> Proposal:
    """A moderator starts the expiry review of a live published contract (audited
    `contract:review_start`); starting it twice is refused with a 409."""
    moderator = require_moderator(actor)
    if contract.state is not ContractState.PUBLISHED or contract.has_ended(today()):
        raise Conflict(_not_reviewable(contract))
    _make_row(contract)
    row = review_for(contract)
    review = lock_row(ContractReview, row.id) if row is not None else None
    if review is None:  # pragma: no cover - the insert above made it
        raise Conflict(_("The review could not be started; try again."))
    if review.proposal_id is not None:
        raise Conflict(
            _(
                "The review of contract %(reference)s has started already: see proposal "
                "%(proposal)s.",
                reference=contract.reference,
                proposal=review.proposal_id,
            )
        )
    proposal = create_review_proposal(moderator, contract, EXPIRY)
    review.proposal_id = proposal.id
    review.started_at = utcnow()
    review.started_by_id = moderator.id
    audit.record(
        moderator,
        "contract:review_start",
        contract,
        {
            "reference": contract.reference,
            "proposal": proposal.id,
            "default_option": review.default_option,
            "ends": contract.last_day.isoformat(),
            "standards": {t.standard.value: t.answer for t in contract.terms},
        },
    )
    db.session.flush()
    return proposal
