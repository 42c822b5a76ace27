"""What a receipt code says: which vote or round it belongs to and, once the ballots are
published, the ballot as counted, or that a later ballot replaced it.

Before the close a known code says only which vote or round it belongs to and when that
closes: nothing about the choice, and nothing about whether it was replaced (so someone
shown a receipt cannot tell whether the voter changed their vote afterwards)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import request, url_for
from sqlalchemy import select

from civic.budgets import contests
from civic.budgets import services as budgets
from civic.budgets.models import Ballot, BudgetRound
from civic.extensions import db
from civic.i18n import _, format_day, in_language
from civic.i18n import lazy_gettext as _l
from civic.receipts import codes
from civic.receipts.models import RetiredReceipt
from civic.votes import services as votes
from civic.votes.models import Proposal, VoteCast

COUNTED = "counted"
NOT_PUBLISHED = "not_published"  # the vote or round is still open
WITHHELD = "withheld"  # closed, but too few ballots to publish them one by one


@dataclass
class Found:
    """A known receipt code and what may be said about it now."""

    code: str
    status: str  # counted | replaced | voided | withdrawn | not_published | withheld
    kind: str  # proposal | budget_round
    subject_id: str
    title: object  # a lazy string: "the vote on “…”", in the language it is shown in
    page_url: str
    ballots_url: str
    replaced_url: str
    message: str = ""
    closes: datetime | None = None
    cast_at: datetime | None = None
    choice: str | None = None  # a proposal vote, once published
    # a budget ballot, once published: (published project id, title, points) in order
    projects: list[tuple[str, str, int]] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)
    points: bool = False  # a cumulative ballot: show the points


def find(code: str) -> Found | None:
    """The receipt `code` (already parsed to its printed form), or None when unknown."""
    vote = db.session.scalars(select(VoteCast).where(VoteCast.receipt == code)).first()
    if vote is not None:
        return _proposal(code, db.session.get(Proposal, vote.proposal_id), vote, None)
    ballot = db.session.scalars(select(Ballot).where(Ballot.receipt == code)).first()
    if ballot is not None:
        return _round(code, db.session.get(BudgetRound, ballot.round_id), ballot, None)
    retired = db.session.scalars(select(RetiredReceipt).where(RetiredReceipt.code == code)).first()
    if retired is None:
        return None
    if retired.subject_type == "proposal":
        return _proposal(code, db.session.get(Proposal, int(retired.subject_id)), None, retired)
    round_ = db.session.scalar(select(BudgetRound).where(BudgetRound.slug == retired.subject_id))
    return _round(code, round_, None, retired)


def _status(withheld: str | None, is_closed: bool, retired: RetiredReceipt | None) -> str:
    if withheld is not None:
        return WITHHELD if is_closed else NOT_PUBLISHED
    return retired.reason if retired is not None else COUNTED


def _proposal(
    code: str, proposal: Proposal, vote: VoteCast | None, retired: RetiredReceipt | None
) -> Found:
    withheld = votes.ballots_withheld(proposal)
    status = _status(withheld, votes.is_counted(proposal), retired)
    found = Found(
        code=code,
        status=status,
        kind="proposal",
        subject_id=str(proposal.id),
        title=_l("the vote on “%(title)s”", title=proposal.title),
        page_url=url_for("votes.detail", proposal_id=proposal.id),
        ballots_url=url_for("votes.ballots_json", proposal_id=proposal.id),
        replaced_url=url_for("votes.ballots_json", proposal_id=proposal.id),
        message=withheld or "",
        closes=proposal.voting_until,
        cast_at=vote.updated_at if vote is not None else None,
    )
    if status == COUNTED and vote is not None:
        found.choice = vote.choice
    return found


def _round(
    code: str, round_: BudgetRound, ballot: Ballot | None, retired: RetiredReceipt | None
) -> Found:
    withheld = budgets.ballots_withheld(round_)
    status = _status(withheld, contests.results_frozen(round_), retired)
    titles = {p.external_id: p.title for p in round_.projects}
    found = Found(
        code=code,
        status=status,
        kind="budget_round",
        subject_id=round_.slug,
        title=_l("the community budget round “%(title)s”", title=round_.title),
        page_url=url_for("budgets.round_detail", slug=round_.slug),
        ballots_url=url_for("budgets.ballots_json", slug=round_.slug),
        replaced_url=url_for("budgets.replaced_json", slug=round_.slug),
        message=withheld or "",
        closes=round_.results_from,
        cast_at=ballot.updated_at if ballot is not None else None,
        titles=titles,
        points=round_.ballot_kind.value == "cumulative",
    )
    if status == COUNTED and ballot is not None:
        by_id = {p.id: p for p in round_.projects}
        found.projects = [
            (by_id[e.project_id].external_id, by_id[e.project_id].title, e.points)
            for e in sorted(ballot.entries, key=lambda e: e.rank)
        ]
    return found


def as_json(found: Found) -> dict[str, Any]:
    """The public answer for `/receipts/<code>.json`; `ballots_url` only once published,
    so the verifier checks the code against the published list itself. In English whatever
    the asker's language: scripts read it, and its values do not change with a header."""
    with in_language("en"):
        title, message = str(found.title), describe(found)
    body: dict[str, Any] = {
        "receipt": found.code,
        "status": found.status,
        "subject": {"type": found.kind, "id": found.subject_id},
        "title": title,
        "url": request.host_url.rstrip("/") + found.page_url,
        "message": message,
    }
    if found.status in (COUNTED, codes.REPLACED, codes.VOIDED, codes.WITHDRAWN):
        body["ballots_url"] = found.ballots_url
        body["replaced_url"] = found.replaced_url
    if found.status == NOT_PUBLISHED and found.closes is not None:
        body["closes"] = found.closes.isoformat()
    if found.choice is not None:
        body["ballot"] = {"choice": found.choice}
    elif found.status == COUNTED and found.kind == "budget_round":
        body["ballot"] = {
            "projects": [p for p, _, _ in found.projects],
            "points": [n for _, _, n in found.projects],
        }
        body["projects"] = found.titles
    return body


def describe(found: Found) -> str:
    """One sentence on the code's state, for the page, the JSON and the downloaded file
    (in the language in force)."""
    title = found.title
    if found.status == COUNTED:
        return _("This ballot is counted in %(title)s, as shown.", title=title)
    if found.status == codes.REPLACED:
        return _(
            "This receipt was replaced by a later ballot from the same voter in %(title)s; "
            "only the later ballot is counted.",
            title=title,
        )
    if found.status == codes.VOIDED:
        return _(
            "This paper ballot in %(title)s was struck out by a moderator after its voter "
            "contested it; it is not counted.",
            title=title,
        )
    if found.status == codes.WITHDRAWN:
        return _(
            "This ballot in %(title)s was withdrawn by its voter before voting closed; "
            "it is not counted.",
            title=title,
        )
    if found.status == WITHHELD:
        return _("This receipt belongs to %(title)s.", title=title) + f" {found.message}"
    if found.closes:
        return _(
            "This receipt belongs to %(title)s, which is still open. Ballots are published "
            "by receipt when it closes on %(day)s; check again then.",
            title=title,
            day=format_day(found.closes),
        )
    return _(
        "This receipt belongs to %(title)s, which is still open. Ballots are published "
        "by receipt when it closes; check again then.",
        title=title,
    )
