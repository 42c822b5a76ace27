"""Every change to an outsourcing or disposal proposal and its vote: permission, validation,
write, audit entry. Moderators act; residents read, discuss and vote."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, select

from civic import audit, ballot_box, privacy
from civic.accounts.models import Area, User, utcnow
from civic.clock import aware, early_reason
from civic.constituencies import services as constituencies
from civic.database import lock_row, lock_rows
from civic.errors import Conflict, NotFound, ValidationFailed
from civic.extensions import db
from civic.i18n import _, format_day
from civic.i18n import lazy_gettext as _l
from civic.notifications import events
from civic.permissions import require_moderator, require_signed_in
from civic.receipts import codes as receipts
from civic.receipts.codes import Receipt
from civic.votes import decision as rules
from civic.votes import wording
from civic.votes.models import (
    ANSWERS,
    OptionKind,
    Proposal,
    ProposalDocument,
    ProposalKind,
    ProposalOption,
    ProposalState,
    Standard,
    StandardAnswer,
    VoteCast,
)

CASE_FIELDS = (
    "title",
    "service",
    "current_provision",
    "current_cost",
    "current_performance",
    "public_interest_case",
    "inhouse_bid",
    "inhouse_bid_summary",
    "no_bid_reason",
    "asset_value",
    "asset_new_owner",
    "weight_cost",
    "weight_quality",
    "weight_social",
    "weight_carbon",
)
# the options appraisal's weights, in the order of the scores they weigh (OPTION_SCORES)
WEIGHTS = ("weight_cost", "weight_quality", "weight_social", "weight_carbon")


def min_consultation_days() -> int:
    return int(current_app.config.get("MIN_CONSULTATION_DAYS", 28))


def get_proposal(proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound(_("No proposal has that number."))
    return proposal


def is_public(proposal: Proposal) -> bool:
    """Drafts are the moderators' work in progress; everyone sees a proposal once it is
    put to consultation. The one rule for pages, the API and search."""
    return proposal.state is not ProposalState.DRAFT


def can_see(user: User | None, proposal: Proposal) -> bool:
    return is_public(proposal) or bool(user and user.is_authenticated and user.is_moderator)


def _require_state(proposal: Proposal, *states: ProposalState, doing: str) -> None:
    if proposal.state not in states:
        either = _("or")
        allowed = f" {either} ".join(str(s.label).lower() for s in states)
        raise Conflict(
            _(
                "You can %(doing)s only while the proposal is in %(allowed)s; it is in %(state)s.",
                doing=doing,
                allowed=allowed,
                state=str(proposal.state.label).lower(),
            )
        )


# --- the case ---------------------------------------------------------------------------


def create_proposal(
    actor: User | None, area: Area, kind: ProposalKind, title: str, service: str
) -> Proposal:
    moderator = require_moderator(actor)
    errors = {}
    if not title.strip():
        errors["title"] = _("Give the proposal a title")
    if not service.strip():
        errors["service"] = _("Name the service or asset")
    if errors:
        raise ValidationFailed(errors)
    proposal = Proposal(
        kind=kind,
        title=title.strip(),
        service=service.strip(),
        area_id=area.id,
        state=ProposalState.DRAFT,
        consultation_days=min_consultation_days(),
        created_by_id=moderator.id,
    )
    db.session.add(proposal)
    db.session.flush()
    audit.record(moderator, "proposal:create", proposal, {"area": area.slug, "kind": kind.value})
    return proposal


def update_case(actor: User | None, proposal: Proposal, **fields: Any) -> None:
    """The case is edited in draft; once residents are consulted it is what they saw."""
    moderator = require_moderator(actor)
    _require_state(proposal, ProposalState.DRAFT, doing="change the case")
    unknown = set(fields) - set(CASE_FIELDS)
    if unknown:
        raise ValueError(f"not case fields: {sorted(unknown)}")
    errors: dict[str, str] = {}
    weights = [fields.get(k, getattr(proposal, k)) for k in WEIGHTS]
    if any(w is None or w < 0 for w in weights) or sum(w or 0 for w in weights) != 100:
        errors["weight_cost"] = _(
            "The four weights (cost, quality, social value and carbon) must be whole numbers "
            "adding up to 100; they add up to %(total)s",
            total=sum(w or 0 for w in weights),
        )
    for money_field in ("current_cost", "asset_value"):
        value = fields.get(money_field)
        if value is not None and value < 0:
            errors[money_field] = _("Amounts cannot be negative")
    if errors:
        raise ValidationFailed(errors)
    for name, value in fields.items():
        setattr(proposal, name, value.strip() if isinstance(value, str) else value)
    audit.record(moderator, "proposal:case", proposal, {"fields": sorted(fields)})
    db.session.flush()


@dataclass(frozen=True)
class OptionInput:
    kind: OptionKind
    provider: str
    annual_cost: int  # minor units
    cost_score: int
    quality_score: int
    social_value_score: int
    notes: str = ""
    carbon_score: int = 0  # the duty to decarbonise, 0-100 like the others


# the appraisal's scores, each 0 to 100, with the words a message uses for them
OPTION_SCORES = {
    "cost_score": _l("cost score"),
    "quality_score": _l("quality score"),
    "social_value_score": _l("social value score"),
    "carbon_score": _l("carbon score"),
}


def option_errors(options: list[OptionInput]) -> dict[str, str]:
    """Every problem in an options appraisal at once, by form field (`<kind>-<field>`)."""
    errors: dict[str, str] = {}
    kinds = [o.kind for o in options]
    if len(set(kinds)) != len(kinds):
        errors["options"] = _("List each kind of provider once")
    for option in options:
        label = option.kind.label
        if option.annual_cost < 0:
            errors[f"{option.kind.value}-annual_cost"] = _(
                "%(option)s: cost cannot be negative", option=label
            )
        for name, words in OPTION_SCORES.items():
            if not 0 <= getattr(option, name) <= 100:
                errors[f"{option.kind.value}-{name}"] = _(
                    "%(option)s: the %(score)s must be between 0 and 100", option=label, score=words
                )
    return errors


def set_options(
    actor: User | None,
    proposal: Proposal,
    options: list[OptionInput],
    unreadable: dict[str, str] | None = None,
) -> None:
    """Replace the options appraisal (one row per kind of provider considered).

    `unreadable` holds the form's fields that were not numbers at all, by field name (the
    view read them as 0 meanwhile): they join this function's own checks, so a moderator
    sees every wrong field at once, not one per attempt."""
    moderator = require_moderator(actor)
    _require_state(proposal, ProposalState.DRAFT, doing="change the options appraisal")
    errors = option_errors(options)
    errors.update(unreadable or {})
    if errors:
        raise ValidationFailed(errors)
    db.session.execute(delete(ProposalOption).where(ProposalOption.proposal_id == proposal.id))
    for option in options:
        db.session.add(ProposalOption(proposal_id=proposal.id, **option.__dict__))
    db.session.flush()
    db.session.expire(proposal, ["options"])
    audit.record(
        moderator,
        "proposal:options",
        proposal,
        {"options": [o.kind.value for o in options]},
    )


def answer_standards(
    actor: User | None, proposal: Proposal, answers: dict[str, tuple[str, str]]
) -> None:
    """Answer the contract's minimum standards: {standard: (yes|no|not_applicable, note)}."""
    moderator = require_moderator(actor)
    _require_state(proposal, ProposalState.DRAFT, doing="change the standards")
    errors = {}
    for key, (answer, note) in answers.items():
        if key not in {s.value for s in Standard}:
            raise ValidationFailed({"standards": _("Unknown standard “%(key)s”", key=key)})
        if answer not in ANSWERS:
            errors[key] = _(
                "%(standard)s: answer yes, no or not applicable", standard=Standard(key).label
            )
        elif answer in ("no", "not_applicable") and not note.strip():
            errors[key] = _(
                "%(standard)s: explain a 'no' or 'not applicable' in the note",
                standard=Standard(key).label,
            )
    if errors:
        raise ValidationFailed(errors)
    db.session.execute(
        delete(StandardAnswer).where(
            StandardAnswer.proposal_id == proposal.id, StandardAnswer.standard.in_(list(answers))
        )
    )
    for key, (answer, note) in answers.items():
        db.session.add(
            StandardAnswer(
                proposal_id=proposal.id, standard=Standard(key), answer=answer, note=note.strip()
            )
        )
    db.session.flush()
    db.session.expire(proposal, ["standards"])
    audit.record(
        moderator, "proposal:standards", proposal, {k: a for k, (a, _) in sorted(answers.items())}
    )


def add_document(
    actor: User | None, proposal: Proposal, title: str, url: str, summary: str
) -> None:
    moderator = require_moderator(actor)
    _require_state(proposal, ProposalState.DRAFT, ProposalState.CONSULTATION, doing="add documents")
    errors = {}
    if not title.strip():
        errors["title"] = _("Give the document a title")
    if url.strip() and not url.strip().startswith(("https://", "http://")):
        errors["url"] = _("Links must start with https:// or http://")
    if not url.strip() and not summary.strip():
        errors["summary"] = _("Give a link or a summary")
    if errors:
        raise ValidationFailed(errors)
    db.session.add(
        ProposalDocument(
            proposal_id=proposal.id, title=title.strip(), url=url.strip(), summary=summary.strip()
        )
    )
    db.session.flush()
    db.session.expire(proposal, ["documents"])
    audit.record(moderator, "proposal:document", proposal, {"title": title.strip()})


def missing_for_consultation(proposal: Proposal) -> list[str]:
    """What must be filled in before residents are consulted."""
    missing = []
    if not proposal.public_interest_case.strip():
        missing.append(_("the public-interest case (why the in-house default is not working)"))
    if proposal.inhouse_bid is None:
        missing.append(_("whether an in-house bid was made"))
    elif proposal.inhouse_bid and not proposal.inhouse_bid_summary.strip():
        missing.append(_("the in-house bid"))
    elif not proposal.inhouse_bid and not proposal.no_bid_reason.strip():
        missing.append(_("the reason no in-house bid was made"))
    unanswered = [Standard(k).label for k, a in proposal.answers.items() if a is None]
    if unanswered:
        missing.append(
            _(
                "answers to every minimum standard (%(standards)s)",
                standards="; ".join(unanswered),
            )
        )
    if proposal.kind is ProposalKind.DISPOSAL and (
        proposal.asset_value is None or not proposal.asset_new_owner.strip()
    ):
        missing.append(_("the asset's value and who would own it"))
    return missing


# --- lifecycle --------------------------------------------------------------------------


def set_vote_rules(
    actor: User | None,
    proposal: Proposal,
    *,
    quorum_percent: int,
    majority: str,
    hide_tally: bool = True,
    majority_each_class: bool = False,
) -> None:
    """Quorum and majority are fixed before voting opens and can never change after.

    `hide_tally` can no longer be switched off: every vote is a secret ballot, and a running
    per-choice tally lets anyone who watches it tell how a person voted (the count moves
    right after their named comment). The argument stays so a caller passing True works."""
    moderator = require_moderator(actor)
    if proposal.state not in (ProposalState.DRAFT, ProposalState.CONSULTATION):
        raise Conflict(
            _("The quorum and majority rule were fixed when voting opened and cannot be changed.")
        )
    errors = {}
    if not 0 <= quorum_percent <= 100:
        errors["quorum_percent"] = _("The quorum is a percentage between 0 and 100")
    if majority not in rules.MAJORITIES:
        errors["majority"] = _("Choose simple or two-thirds majority")
    if not hide_tally:
        errors["hide_tally"] = _(
            "The running tally of a secret vote is never shown before it closes"
        )
    if errors:
        raise ValidationFailed(errors)
    proposal.quorum_percent = quorum_percent
    proposal.majority = majority
    proposal.hide_tally = True
    proposal.majority_each_class = bool(majority_each_class)
    audit.record(
        moderator,
        "proposal:vote_rules",
        proposal,
        {
            "quorum_percent": quorum_percent,
            "majority": majority,
            "hide_tally": True,
            **({"majority_each_class": True} if majority_each_class else {}),
        },
    )
    db.session.flush()


def open_consultation(actor: User | None, proposal: Proposal, days: int) -> None:
    moderator = require_moderator(actor)
    _require_state(proposal, ProposalState.DRAFT, doing="open the consultation")
    if missing := missing_for_consultation(proposal):
        raise Conflict(
            _("Before consulting residents, add %(missing)s.", missing=", ".join(missing))
        )
    if days < min_consultation_days():
        raise ValidationFailed(
            {"days": _("A consultation lasts at least %(days)s days", days=min_consultation_days())}
        )
    now = utcnow()
    proposal.state = ProposalState.CONSULTATION
    proposal.consultation_days = days
    proposal.consultation_from = now
    audit.record(
        moderator,
        "proposal:consultation",
        proposal,
        {"days": days, "until": (now + timedelta(days=days)).date().isoformat()},
    )
    db.session.flush()
    events.proposal_news(proposal, "consultation")


def consultation_ends(proposal: Proposal) -> datetime | None:
    if proposal.consultation_from is None:
        return None
    return aware(proposal.consultation_from) + timedelta(days=proposal.consultation_days)


def consultation_running(proposal: Proposal, now: datetime | None = None) -> bool:
    """True while residents are still being consulted, so the vote cannot open yet."""
    ends = consultation_ends(proposal)
    return (
        proposal.state is ProposalState.CONSULTATION
        and ends is not None
        and (now or utcnow()) < ends
    )


def open_voting(actor: User | None, proposal: Proposal, closes_at: datetime) -> None:
    moderator = require_moderator(actor)
    _require_state(proposal, ProposalState.CONSULTATION, doing="open the vote")
    now = utcnow()
    ends = consultation_ends(proposal)
    if ends is not None and now < ends:
        raise Conflict(
            _(
                "The consultation runs until %(day)s at %(time)s (UTC); "
                "the vote can open after that.",
                day=format_day(ends),
                time=aware(ends).strftime("%H:%M"),
            )
        )
    if proposal.quorum_percent is None or proposal.majority is None:
        raise Conflict(_("Set the quorum and the majority rule before voting opens."))
    if aware(closes_at) <= now:
        raise ValidationFailed({"closes_at": _("The vote must close in the future")})
    eligible = eligible_count(proposal)
    privacy.require_electorate(eligible, "the vote", constituencies.who(proposal))
    if proposal.majority_each_class:
        if not constituencies.linked(proposal):
            raise Conflict(
                _(
                    "A majority in every class needs the vote to be open to constituencies: "
                    "choose who can take part first, or fix the rules without it."
                )
            )
        # each class's own majority is published: too small a class would give votes away
        constituencies.require_class_electorates(proposal, "the vote")
    proposal.state = ProposalState.VOTING
    proposal.voting_from = now
    proposal.voting_until = closes_at
    # the public figure while voting runs (`public_turnout`); the count sets it again
    proposal.eligible_count = eligible
    audit.record(
        moderator,
        "proposal:voting",
        proposal,
        {
            "closes": closes_at.isoformat(),
            "quorum_percent": proposal.quorum_percent,
            "majority": proposal.majority,
            "eligible": eligible,
        },
    )
    db.session.flush()
    events.proposal_news(proposal, "voting")


def voting_open(proposal: Proposal, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return (
        proposal.state is ProposalState.VOTING
        and proposal.voting_until is not None
        and now < aware(proposal.voting_until)
    )


def eligible_count(proposal: Proposal) -> int:
    """Who can vote (residents of the area, or everyone in the vote's constituencies, each
    once), with an active account: the quorum's base."""
    return constituencies.electorate(proposal)


def is_counted(proposal: Proposal) -> bool:
    """Closed and counted: only then are per-choice figures of a secret vote public."""
    return proposal.state in (ProposalState.CLOSED, ProposalState.DECIDED)


def public_turnout(proposal: Proposal, counted: tuple[int, int] | None = None) -> dict[str, Any]:
    """What anyone may know of the turnout: exact once counted; before that only a band
    (`privacy.turnout_band`), so the figure does not tick up by one after a named act.

    {"cast": exact or None, "at_least": lower bound, "words": "at least 20", "eligible": n,
     "rough": whether the figure is a band}

    `counted`: the (cast, eligible) pair `turnout` just gave, when the caller has it, so
    a page does not count the votes and the electorate twice.
    """
    cast, eligible = counted if counted is not None else turnout(proposal)
    if is_counted(proposal):
        exact = {"cast": cast, "at_least": cast, "words": str(cast), "rough": False}
        return exact | {"eligible": eligible}
    # eligibility grants are private acts released in hourly batches, so a live electorate
    # would tell the minute a named newcomer showed where they live: until the count, the
    # public figure is the electorate when voting opened
    if proposal.eligible_count is not None:
        eligible = proposal.eligible_count
    floor, _words = privacy.turnout_band(cast)
    words = wording.band_words(cast)
    rough = privacy.min_electorate() > 1
    return {"cast": None, "at_least": floor, "words": words, "eligible": eligible, "rough": rough}


def turnout(proposal: Proposal) -> tuple[int, int]:
    """(votes cast, eligible residents) now, or as frozen at close. Exact: for moderators
    and the count; pages for everyone use `public_turnout`."""
    if proposal.state in (ProposalState.CLOSED, ProposalState.DECIDED):
        return (proposal.votes_for or 0) + (
            proposal.votes_against or 0
        ), proposal.eligible_count or 0
    cast = db.session.scalar(
        select(func.count()).select_from(VoteCast).where(VoteCast.proposal_id == proposal.id)
    )
    return cast, eligible_count(proposal)


def ballots_withheld(proposal: Proposal) -> str | None:
    """Why the vote's ballots may not be published by receipt (None: they may be).

    As for budget rounds (`budgets.services.ballots_withheld`): only once counted, and only
    when at least the privacy minimum voted, so no one's choice can be picked out."""
    if not is_counted(proposal):
        return _("Ballots are published by receipt code when the vote closes.")
    cast = (proposal.votes_for or 0) + (proposal.votes_against or 0)
    if not privacy.publishable(cast):
        return wording.votes_withheld(cast)
    return None


def published_ballots(proposal: Proposal) -> list[dict[str, str]]:
    """Every counted vote as {"receipt", "choice"}, sorted by receipt code (a random order,
    so nothing in it says who voted or when). Callers check `ballots_withheld` first."""
    rows = db.session.execute(
        select(VoteCast.receipt, VoteCast.choice)
        .where(VoteCast.proposal_id == proposal.id)
        .order_by(VoteCast.receipt)
    )
    return [{"receipt": code, "choice": choice} for code, choice in rows]


def tally(proposal: Proposal) -> tuple[int, int]:
    """(for, against) among the cast votes: only for the count at close. Never show it
    while voting runs (see `public_turnout` for what may be shown)."""
    rows = dict(
        db.session.execute(
            select(VoteCast.choice, func.count())
            .where(VoteCast.proposal_id == proposal.id)
            .group_by(VoteCast.choice)
        ).all()
    )
    return rows.get("for", 0), rows.get("against", 0)


def require_voter(actor: User | None, proposal: Proposal) -> User:
    """Who may vote on `proposal`; the vote page calls it before reading the form."""
    user = require_signed_in(actor)
    return constituencies.require_member(user, proposal, "vote on this")


def _locked(proposal: Proposal) -> Proposal:
    """The proposal re-read under its row lock (civic.database.lock_row): the one point
    where casts and the close serialise."""
    locked = lock_row(Proposal, proposal.id)
    if locked is None:
        raise NotFound(_("No proposal has that number."))
    return locked


def _too_late(proposal: Proposal) -> Conflict:
    """The refusal a cast gets when the vote ended before it arrived (409, never a silent
    loss: every vote answered with success is in the count)."""
    ended = proposal.closed_at or proposal.voting_until
    if proposal.state in (ProposalState.DRAFT, ProposalState.CONSULTATION) or ended is None:
        return Conflict(_("Voting on this proposal has not opened; your vote was not counted."))
    return Conflict(
        _(
            "Voting closed at %(when)s before your vote arrived; it was not counted.",
            when=wording.spoken(ended),
        )
    )


def cast_vote(actor: User | None, proposal: Proposal, choice: str) -> Receipt:
    """Record or change a resident's vote, and give them a receipt code.

    The proposal row is locked before the state is checked, so a close either
    waits for this vote and counts it, or has happened already and this vote gets a 409.
    A first vote logs `proposal:vote_cast`; a change logs `proposal:vote_change` and
    retires the old code as replaced, so the log's casts count the ballots.
    """
    user = require_voter(actor, proposal)
    if choice not in ("for", "against"):
        raise ValidationFailed({"choice": _("Choose for or against")})
    proposal = _locked(proposal)
    if not voting_open(proposal):
        raise _too_late(proposal)
    key = ballot_box.voter_key(f"proposal:{proposal.id}", user.id)
    # read under the proposal's lock: no other cast of this proposal runs meanwhile
    earlier = db.session.scalar(
        select(VoteCast.receipt).where(
            VoteCast.proposal_id == proposal.id, VoteCast.voter_key == key
        )
    )
    code = receipts.new_code(proposal.audit_subject, {"choice": choice})
    cast_id = ballot_box.upsert_returning_id(
        VoteCast.__table__,
        ("proposal_id", "voter_key"),
        {
            "proposal_id": proposal.id,
            "voter_key": key,
            "choice": choice,
            "receipt": code,
            "updated_at": utcnow(),
        },
        ("choice", "receipt", "updated_at"),
        # never over a paper vote an officer entered (civic.paper): nobody votes both ways
        where=VoteCast.__table__.c.paper.is_(False),
    )
    if cast_id is None:
        raise Conflict(
            _(
                "A paper vote was entered for you on this proposal, so you cannot also vote "
                "online. If it is wrong, contest it on your paper vote page."
            )
        )
    # the classes this vote counts in (one row, however many classes: counted once in all)
    constituencies.record_classes(proposal, cast_id, user)
    if earlier is not None:
        receipts.retire(proposal.audit_subject, earlier)
    # secret ballot: the log records participation, never the choice
    audit.record(user, "proposal:vote_change" if earlier else "proposal:vote_cast", proposal)
    events.took_part(user, proposal)
    return Receipt(code, earlier)


def my_receipt(proposal: Proposal, user: User) -> str | None:
    """The receipt code of the resident's current vote, found by their voter key."""
    return db.session.scalar(
        select(VoteCast.receipt).where(
            VoteCast.proposal_id == proposal.id,
            VoteCast.voter_key == ballot_box.voter_key(f"proposal:{proposal.id}", user.id),
        )
    )


def my_vote(proposal: Proposal, user: User) -> str | None:
    return db.session.scalar(
        select(VoteCast.choice).where(
            VoteCast.proposal_id == proposal.id,
            VoteCast.voter_key == ballot_box.voter_key(f"proposal:{proposal.id}", user.id),
        )
    )


def close_vote(
    actor: User | None, proposal: Proposal, *, by_date: bool = False, reason: str = ""
) -> rules.VoteResult:
    """Close the vote and freeze its count.

    The proposal row is locked (exclusive) first and its state checked after the lock:
    the lock waits for every cast in flight, so the tally below includes every vote that
    was answered with success, and any later cast sees the closed state. A moderator
    closing before the published closing time must give a `reason`, which is published
    on the page and in the log; closing by date (`civic tick`) needs none.
    """
    moderator = None if by_date else require_moderator(actor)
    proposal = _locked(proposal)
    _require_state(proposal, ProposalState.VOTING, doing="close the vote")
    now = utcnow()
    due = proposal.voting_until or now
    # by date (civic tick, which checked the date): no reason to give
    why = "" if by_date else early_reason(reason, due, now, doing="close the vote")
    votes_for, votes_against = tally(proposal)
    eligible = eligible_count(proposal)
    result = rules.vote_outcome(
        eligible,
        votes_for,
        votes_against,
        proposal.quorum_percent or 0,
        proposal.majority or "simple",
    )
    proposal.state = ProposalState.CLOSED
    proposal.closed_at = now
    proposal.close_reason = why
    proposal.eligible_count, proposal.votes_for, proposal.votes_against = (
        eligible,
        votes_for,
        votes_against,
    )
    # of them, the votes officers entered from paper (civic.paper): shown apart
    proposal.paper_votes = db.session.scalar(
        select(func.count())
        .select_from(VoteCast)
        .where(VoteCast.proposal_id == proposal.id, VoteCast.paper.is_(True))
    )
    proposal.class_results = _class_results(proposal)
    if proposal.majority_each_class and proposal.class_results is not None:
        failed = rules.failed_classes(
            [(c["name"], c["for"], c["against"]) for c in proposal.class_results],
            proposal.majority or "simple",
        )
        result = rules.VoteResult(
            rules.class_outcome(result, failed), eligible, votes_for, votes_against
        )
    proposal.outcome = result.outcome
    standards_ok = rules.standards_met(proposal.answers)
    audit.release_pending(proposal)  # every counted vote is in the log before the close
    audit.record(
        moderator,
        "proposal:close",
        proposal,
        {
            "eligible": eligible,
            "for": votes_for,
            "against": votes_against,
            "quorum_percent": proposal.quorum_percent,
            "majority": proposal.majority,
            "outcome": result.outcome,
            **({"classes": _logged_classes(proposal)} if proposal.class_results else {}),
            "standards_met": standards_ok,
            "default": rules.default_decision(result.outcome, standards_ok),
            **({"early_reason": why, "closes": aware(due).isoformat()} if why else {}),
        },
    )
    audit.make_checkpoint(f"proposal:close {proposal.id}")  # signs the tree with the close
    db.session.flush()
    events.proposal_news(proposal, "closed")
    return result


def _class_results(proposal: Proposal) -> list[dict[str, Any]] | None:
    """Each class's electorate and votes, frozen at the close (None: residents only)."""
    classes = constituencies.linked(proposal)
    if not classes:
        return None
    counts = constituencies.counts_by_class(
        proposal,
        select(VoteCast.id).where(VoteCast.proposal_id == proposal.id),
        by=(VoteCast, VoteCast.choice),
    )
    sizes = dict((c.id, n) for c, n in constituencies.class_electorates(proposal))
    rows = []
    for c in classes:
        per = counts.get(c.id, {})
        yes, no = per.get("for", 0), per.get("against", 0)
        rows.append(
            {
                "constituency": c.slug,
                "name": c.name,
                "eligible": sizes[c.id],
                "for": yes,
                "against": no,
                "majority": rules.majority_reached(yes, no, proposal.majority or "simple"),
            }
        )
    return rows


def _logged_classes(proposal: Proposal) -> list[dict[str, Any]]:
    """What the close entry says per class: each class's own majority (whether it was
    reached is the published rule's input), and counts only when every class is large
    enough to publish them (civic.constituencies.services.class_figures)."""
    rows = proposal.class_results or []
    show = all(privacy.publishable(r["for"] + r["against"]) for r in rows)
    return [
        {
            "constituency": r["constituency"],
            "eligible": r["eligible"],
            **({"for": r["for"], "against": r["against"]} if show else {}),
            **({"majority": r["majority"]} if proposal.majority_each_class else {}),
        }
        for r in rows
    ]


def class_figures(proposal: Proposal) -> constituencies.ClassFigures | None:
    """Per-class counts for the results page and JSON, with the privacy rules applied."""
    if proposal.class_results is None:  # not counted yet, or open to residents only
        return constituencies.class_figures(proposal, {}, final=False)
    counts = {}
    by_slug = {c.slug: c for c in constituencies.linked(proposal)}
    sizes = {}
    for r in proposal.class_results:
        c = by_slug.get(r["constituency"])
        if c is not None:
            counts[c.id] = {"for": r["for"], "against": r["against"]}
            sizes[c.id] = r["eligible"]
    return constituencies.class_figures(proposal, counts, final=True, eligible=sizes)


def failed_class_names(proposal: Proposal) -> list[str]:
    """Under "a majority in every class", the classes that did not give it."""
    if not proposal.majority_each_class or not proposal.class_results:
        return []
    return [r["name"] for r in proposal.class_results if not r["majority"]]


def record_decision(
    actor: User | None, proposal: Proposal, decision: str, reasons: str, override_reason: str = ""
) -> None:
    moderator = require_moderator(actor)
    _require_state(proposal, ProposalState.CLOSED, doing="record the council's decision")
    standards_ok = rules.standards_met(proposal.answers)
    if problems := rules.decision_problems(
        decision, proposal.outcome or "", standards_ok, reasons, override_reason
    ):
        raise ValidationFailed({field: _(words) for field, words in problems.items()})
    proposal.state = ProposalState.DECIDED
    proposal.decision = decision
    proposal.decision_reasons = reasons.strip()
    proposal.override_reason = override_reason.strip()
    proposal.decided_at = utcnow()
    audit.record(
        moderator,
        "proposal:decide",
        proposal,
        {
            "decision": decision,
            "reasons": audit.logged_text(proposal.decision_reasons),
            "override_reason": audit.logged_text(proposal.override_reason),
            "outcome": proposal.outcome,
        },
    )
    db.session.flush()
    events.proposal_news(
        proposal, "decided", rules.decision_headline(proposal.kind.value, decision)
    )


def close_due_votes(now: datetime | None = None) -> list[str]:
    """Close every vote whose closing time has passed (run by cron).

    Every due proposal is locked, in id order, before the first is closed: closing one
    appends to the audit log, and a transaction that holds the log must not then wait for
    a proposal whose casters are waiting for the log (a deadlock). Run it in a
    transaction of its own, not after other appends (see `civic tick`).
    """
    now = now or utcnow()
    due = [
        p.id
        for p in db.session.scalars(select(Proposal).where(Proposal.state == ProposalState.VOTING))
        if p.voting_until is not None and aware(p.voting_until) <= now
    ]
    closed = []
    for proposal in lock_rows(Proposal, due):
        # the state again, after the lock: a moderator may have closed it meanwhile
        if proposal.state is ProposalState.VOTING:
            result = close_vote(None, proposal, by_date=True)
            closed.append(f"proposal {proposal.id}: {result.outcome}")
    return closed


def option_rows(proposal: Proposal) -> list[dict[str, Any]]:
    """The appraisal table with Civic's weighted totals, best first."""
    weights = [getattr(proposal, w) for w in WEIGHTS]
    rows = []
    for option in proposal.options:
        total = rules.weighted_total([getattr(option, s) for s in OPTION_SCORES], weights)
        rows.append({"option": option, "total": total, "total_text": f"{float(total):.1f}"})
    rows.sort(key=lambda r: (-r["total"], list(OptionKind).index(r["option"].kind)))
    return rows


def carbon_scored(proposal: Proposal) -> bool:
    """Whether the appraisal scored carbon at all. Proposals appraised before the carbon
    score existed have weight 0 and every option 0: their pages say "not scored" rather
    than show a row of zeros as if every option had been judged equally dirty."""
    return proposal.weight_carbon > 0 or any(o.carbon_score for o in proposal.options)
