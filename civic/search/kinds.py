"""The kinds Civic searches today. Each says, through its own domain's rules, what a row
shows, who may find it and where it leads; a future domain adds its own `register` call
in its package instead of editing this file.
"""

from __future__ import annotations

from civic.budgets.models import BudgetRound, Phase, Project, ProjectStatus
from civic.consultations import services as consultations
from civic.consultations.models import Consultation, ConsultationState
from civic.discussions.models import Comment, CommentState
from civic.discussions.subjects import resolve
from civic.errors import NotFound
from civic.i18n import lazy_gettext as _l
from civic.search.registry import MODERATORS, PUBLIC, Document, Kind, Link, register
from civic.votes import services as votes
from civic.votes.models import Proposal, ProposalState

# what the Stage filter and each result call a stored state, in the reader's language
_STATE_NAMES = {
    "draft": _l("Draft"),
    "consultation": _l("Consultation"),
    "voting": _l("Voting"),
    "closed": _l("Closed"),
    "decided": _l("Decided"),
    "submitted": _l("Submitted"),
    "feasible": _l("Feasible"),
    "rejected": _l("Rejected"),
    "selected": _l("Selected"),
    "not_selected": _l("Not selected"),
    "open": _l("Open"),
    "responded": _l("Responded"),
    "visible": _l("Visible"),
    "pending": _l("Pending"),
    "hidden": _l("Hidden"),
    "removed": _l("Removed"),
}
_PHASE_NAMES = {
    "ideas": _l("Ideas phase"),
    "review": _l("Review phase"),
    "voting": _l("Voting phase"),
    "results": _l("Results phase"),
    "delivery": _l("Delivery phase"),
}


def _states(enum_cls: type) -> dict[str, str]:
    return {
        member.value: _STATE_NAMES.get(member.value, member.value.replace("_", " ").capitalize())
        for member in enum_cls
    }


def _joined(*parts: str | None) -> str:
    return "\n\n".join(part for part in parts if part)


def _proposal(proposal: Proposal) -> Document:
    return Document(
        ref=str(proposal.id),
        title=proposal.title,
        body=_joined(
            proposal.service,
            proposal.current_provision,
            proposal.public_interest_case,
            proposal.inhouse_bid_summary,
            proposal.no_bid_reason,
            proposal.asset_new_owner,
            proposal.decision_reasons,
        ),
        audience=PUBLIC if votes.is_public(proposal) else MODERATORS,
        state=proposal.state.value,
        area_id=proposal.area_id,
        link=Link("votes.detail", {"proposal_id": str(proposal.id)}),
    )


def _consultation(consultation: Consultation) -> Document:
    return Document(
        ref=str(consultation.id),
        title=consultation.title,
        body=_joined(consultation.service, consultation.summary, consultation.reply_source),
        audience=PUBLIC if consultations.is_public(consultation) else MODERATORS,
        state=consultation.state.value,
        area_id=consultation.area_id,
        link=Link("consultations.detail", {"consultation_id": str(consultation.id)}),
    )


def _round(round_: BudgetRound) -> Document:
    # rounds and every idea in them are public from the day they are proposed
    return Document(
        ref=round_.slug,
        title=round_.title,
        body=round_.description,
        audience=PUBLIC,
        state=round_.phase.value,
        area_id=round_.area_id,
        link=Link("budgets.round_detail", {"slug": round_.slug}),
    )


def _project(project: Project) -> Document:
    round_ = project.round
    return Document(
        ref=str(project.id),
        title=project.title,
        body=_joined(project.description, project.location, project.category),
        audience=PUBLIC,
        state=project.status.value,
        area_id=round_.area_id,
        link=Link(
            "budgets.project_detail",
            {"slug": round_.slug, "project_id": str(project.id)},
            heading=round_.title,
        ),
        parent=("budget_round", round_.slug),
    )


def _comment(comment: Comment) -> Document | None:
    if comment.state is CommentState.REMOVED:
        return None  # its author erased their account and had its text removed
    thread = comment.thread
    try:
        subject = resolve(thread.subject_type, thread.subject_id)
    except NotFound:
        return None  # its subject is gone: nothing to link to
    if comment.is_visible:
        # the thread page may be long: the comment's own page holds it with its replies
        link = Link(
            "discussions.comment",
            {"comment_id": str(comment.root_id or comment.id)},
            anchor=f"comment-{comment.id}",
            heading=subject.title,
            heading_as="comment",
        )
    else:
        # only moderators find a hidden comment, and only their page shows its text
        link = Link(
            "discussions.moderate",
            {"comment_id": str(comment.id)},
            heading=subject.title,
            heading_as="hidden_comment",
        )
    return Document(
        ref=str(comment.id),
        title="",
        body=comment.body_source,
        audience=PUBLIC if comment.is_visible else MODERATORS,
        state=comment.state.value,
        area_id=subject.area.id if subject.area is not None else None,
        link=link,
        parent=(thread.subject_type, thread.subject_id),
    )


def register_all() -> None:
    register(
        Kind(
            "proposal",
            _l("Public vote"),
            _l("Public votes"),
            Proposal,
            lambda p: str(p.id),
            _proposal,
            _states(ProposalState),
        )
    )
    register(
        Kind(
            "budget_project",
            _l("Budget project"),
            _l("Budget projects"),
            Project,
            lambda p: str(p.id),
            _project,
            _states(ProjectStatus),
        )
    )
    register(
        Kind(
            "consultation",
            _l("Consultation"),
            _l("Consultations"),
            Consultation,
            lambda c: str(c.id),
            _consultation,
            _states(ConsultationState),
        )
    )
    register(
        Kind(
            "budget_round",
            _l("Budget round"),
            _l("Budget rounds"),
            BudgetRound,
            lambda r: r.slug,
            _round,
            {phase.value: _PHASE_NAMES[phase.value] for phase in Phase},
        )
    )
    register(
        Kind(
            "comment",
            _l("Comment"),
            _l("Comments"),
            Comment,
            lambda c: str(c.id),
            _comment,
            _states(CommentState),
        )
    )
