"""Consultation before outsourcing, for real: a proposal in draft or in its consultation
phase is linked to a Civic consultation about it, either created from the proposal's case
or chosen from the consultations of the same area. The proposal page then shows that
consultation and its published "you said, we did"; the consultation page links back.

The consultation itself is built, opened, closed and answered by civic.consultations'
own services: this module only creates one from a proposal and keeps the link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from civic import audit
from civic.accounts.models import User, utcnow
from civic.clock import aware
from civic.consultations import services as consultations
from civic.consultations.models import Audience, Consultation, QuestionKind
from civic.errors import Conflict, ValidationFailed
from civic.extensions import db
from civic.i18n import _
from civic.i18n import lazy_gettext as _l
from civic.permissions import require_moderator
from civic.votes import services
from civic.votes.models import OptionKind, Proposal, ProposalState

# a consultation can be linked while residents can still be asked, before the vote
LINKABLE = (ProposalState.DRAFT, ProposalState.CONSULTATION)

# what residents are asked to weigh, in the words of the options appraisal and the
# minimum standards (the starter "what matters" question)
WHAT_MATTERS = [
    "Cost to the council",
    "Quality of the service",
    "Fair pay and conditions for staff",
    "Local jobs and local suppliers",
    "Lower carbon emissions",
    "Accountability to residents",
]
NO_VIEW = "I have no view yet"


@dataclass(frozen=True)
class StarterQuestion:
    kind: QuestionKind
    text: str
    options: tuple[str, ...] = ()
    required: bool = False
    max_choices: int | None = None
    hint: str = ""


def starter_questions(proposal: Proposal) -> list[StarterQuestion]:
    """A sensible first set of questions about the proposal, which the moderator edits in
    the consultation builder before opening it. The "who should run it" choices are the
    options the appraisal considered (all four kinds when none is appraised yet), in-house
    first as Civic's default."""
    considered = {o.kind for o in proposal.options} or set(OptionKind)
    runners = tuple(k.label for k in OptionKind if k in considered)
    thing = proposal.service
    return [
        StarterQuestion(
            QuestionKind.SCALE,
            f"How well does {thing} work for you today?",
            required=True,
            hint="1 is very badly, 5 is very well.",
        ),
        StarterQuestion(
            QuestionKind.SINGLE,
            f"Who do you think should run {thing}?",
            options=(*runners, NO_VIEW),
            required=True,
        ),
        StarterQuestion(
            QuestionKind.MULTIPLE,
            "What matters most to you in how it is run?",
            options=tuple(WHAT_MATTERS),
            max_choices=3,
            hint="Choose up to three.",
        ),
        StarterQuestion(
            QuestionKind.FREE_TEXT,
            "What should councillors know before residents vote?",
            hint="Please do not include names or addresses.",
        ),
    ]


def starter_summary(proposal: Proposal) -> str:
    """The consultation's summary (Markdown), pre-filled from the proposal's case so that
    residents read what they will later vote on."""
    parts = [f"This consultation is about the proposal **{proposal.title}**."]
    if proposal.current_provision.strip():
        parts.append(f"**How it is provided now.** {proposal.current_provision.strip()}")
    if proposal.public_interest_case.strip():
        parts.append(f"**Why a change is proposed.** {proposal.public_interest_case.strip()}")
    if proposal.options:
        kinds = ", ".join(o.kind.label.lower() for o in proposal.options)
        parts.append(f"**Options considered.** {kinds}.")
    parts.append(
        f"Read [the proposal's full case](/votes/{proposal.id}). Your answers go to "
        "councillors with the proposal, before residents vote."
    )
    return "\n\n".join(parts)


def _require_linkable(proposal: Proposal) -> None:
    if proposal.state not in LINKABLE:
        raise Conflict(
            _(
                "A consultation can be linked only before the vote, while the proposal is in "
                "draft or consultation; this one is in %(state)s.",
                state=str(proposal.state.label).lower(),
            )
        )


def create_for_proposal(actor: User | None, proposal: Proposal) -> Consultation:
    """Create a draft consultation from the proposal (title, service, area and summary
    from its case, and the starter questions) and link it. The moderator reviews the
    questions and opens it from the consultation builder. It runs for the proposal's
    consultation period: from now, or until the proposal's consultation ends."""
    moderator = require_moderator(actor)
    _require_linkable(proposal)
    if proposal.consultation_id is not None:
        raise Conflict(
            _(
                "This proposal is already linked to a consultation; choose another one below "
                "instead of creating a second."
            )
        )
    now = utcnow()
    ends = services.consultation_ends(proposal)
    closes = (
        aware(ends)
        if ends and aware(ends) > now
        else now + timedelta(days=proposal.consultation_days)
    )
    consultation = consultations.create_consultation(
        moderator,
        proposal.area,
        title=f"Have your say: {proposal.title}"[:200],
        service=proposal.service,
        summary=starter_summary(proposal),
        documents="",
        audience=Audience.RESIDENTS,  # the residents who will vote on it
        opens_at=now,
        closes_at=closes,
    )
    for question in starter_questions(proposal):
        consultations.add_question(
            moderator,
            consultation,
            kind=question.kind,
            text=question.text,
            hint=question.hint,
            required=question.required,
            options=list(question.options),
            max_choices=question.max_choices,
        )
    _link(moderator, proposal, consultation, created=True)
    return consultation


def link_consultation(actor: User | None, proposal: Proposal, consultation_id: int | None) -> None:
    """Link an existing consultation of the proposal's area (the moderator's choice)."""
    moderator = require_moderator(actor)
    _require_linkable(proposal)
    consultation = db.session.get(Consultation, consultation_id) if consultation_id else None
    if consultation is None:
        raise ValidationFailed({"consultation": _("Choose a consultation")})
    if consultation.area_id != proposal.area_id:
        raise ValidationFailed(
            {
                "consultation": _(
                    "“%(title)s” is a consultation in %(area)s; this proposal is for "
                    "%(proposal_area)s. Choose a consultation in the same area",
                    title=consultation.title,
                    area=consultation.area.name,
                    proposal_area=proposal.area.name,
                )
            }
        )
    if consultation.id == proposal.consultation_id:
        raise ValidationFailed({"consultation": _("That consultation is already linked")})
    _link(moderator, proposal, consultation, created=False)


def _link(
    moderator: User, proposal: Proposal, consultation: Consultation, *, created: bool
) -> None:
    replaced = proposal.consultation_id
    proposal.consultation_id = consultation.id
    db.session.flush()
    db.session.expire(proposal, ["consultation"])
    audit.record(
        moderator,
        "proposal:link_consultation",
        proposal,
        {
            "consultation": consultation.id,
            "created": created,
            **({"replaced": replaced} if replaced is not None else {}),
        },
    )


def linkable_consultations(proposal: Proposal) -> list[Consultation]:
    """The consultations a moderator may choose for the proposal: its area's, newest
    first."""
    return list(
        db.session.scalars(
            select(Consultation)
            .where(Consultation.area_id == proposal.area_id)
            .order_by(Consultation.opens_at.desc(), Consultation.id.desc())
        )
    )


def proposals_for(consultation: Consultation) -> list[Proposal]:
    """The public proposals that link to this consultation (for its page's link back)."""
    rows = db.session.scalars(
        select(Proposal).where(Proposal.consultation_id == consultation.id).order_by(Proposal.id)
    )
    return [p for p in rows if services.is_public(p)]


@dataclass(frozen=True)
class Shown:
    """What the proposal page and JSON say about its consultation."""

    consultation: Consultation
    public: bool  # a draft consultation is shown to moderators only
    state: str
    responses: str  # exact once closed, a band before (civic.privacy); English, for JSON
    responses_words: str  # the same in the page's language
    reply_html: str  # the published "you said, we did", or ""


STATE_WORDS = {
    "draft": _l("Being prepared"),
    "open": _l("Open"),
    "closed": _l("Closed"),
    "responded": _l("Closed, with the council's response"),
}


def shown(proposal: Proposal) -> Shown | None:
    consultation = proposal.consultation
    if consultation is None:
        return None
    public = consultations.is_public(consultation)
    return Shown(
        consultation=consultation,
        public=public,
        state=STATE_WORDS[consultation.state.value],
        responses=consultations.public_response_count(consultation) if public else "",
        responses_words=consultations.public_response_words(consultation) if public else "",
        reply_html=consultation.reply_html if consultation.replied_at else "",
    )
