"""What the domains tell people, and the follows that taking part makes.

Each function here is called by one service function, after its change and its audit
entry, in the same transaction: a change that rolls back tells nobody. The domain passes
its own objects; this module only words the notification and names who hears, so the
titles read alike everywhere and each domain's service stays a line longer, not ten.

Event names are stable and unique per happening ("proposal-voting:12"): `feed.announce`
tells each person once per event, however often it is called.

Nothing here names anyone but the thing itself, except a reply, which names the replier
as the thread shows them. Private acts (votes, ballots, responses, reports, signatures)
never appear in what others are told.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from civic.notifications import feed
from civic.notifications.kinds import Kind
from civic.notifications.paths import path_for

if TYPE_CHECKING:
    from civic.accounts.models import Area, User
    from civic.budgets.models import BudgetRound, Project
    from civic.consultations.models import Consultation
    from civic.discussions.models import Comment
    from civic.votes.models import Proposal


def took_part(user: User, *things: object) -> None:
    """Follow what `user` just took part in (auto follows, one upsert each): they hear
    what happens next without having to ask."""
    for thing in things:
        feed.follow(user, thing, auto=True)  # type: ignore[arg-type]


def became_eligible(user: User, area: Area) -> None:
    """A resident who showed they live in `area` follows it: what opens there is theirs."""
    feed.follow(user, area, auto=True)


# --- votes on proposals ---------------------------------------------------------------


def _proposal_named(proposal: Proposal) -> str:
    return f"{proposal.title} in {proposal.area.name}"


def _proposal_path(proposal: Proposal) -> str:
    return path_for("votes.detail", proposal_id=proposal.id)


def proposal_consultation_opened(proposal: Proposal) -> int:
    return feed.announce(
        Kind.OPENED,
        event=f"proposal-consultation:{proposal.id}",
        title=f"Consultation has opened: {_proposal_named(proposal)}",
        url=_proposal_path(proposal),
        text="Read the case and have your say before the vote opens.",
        followers_of=[proposal.area, proposal],
    )


def proposal_voting_opened(proposal: Proposal) -> int:
    closes = proposal.voting_until
    return feed.announce(
        Kind.OPENED,
        event=f"proposal-voting:{proposal.id}",
        title=f"Voting has opened: {_proposal_named(proposal)}",
        url=_proposal_path(proposal),
        text=f"Voting closes on {closes:%d %B %Y at %H:%M} (UTC)." if closes else "",
        followers_of=[proposal.area, proposal],
    )


OUTCOME_WORDS = {
    "passed": "The proposal passed.",
    "rejected": "The proposal was rejected.",
    "quorum_not_met": "Too few residents voted for the result to count (the quorum was not met).",
}


def proposal_vote_closed(proposal: Proposal) -> int:
    return feed.announce(
        Kind.RESULT,
        event=f"proposal-result:{proposal.id}",
        title=f"The vote has closed: {_proposal_named(proposal)}",
        url=_proposal_path(proposal),
        text=OUTCOME_WORDS.get(proposal.outcome or "", "See the result."),
        followers_of=[proposal.area, proposal],
    )


def proposal_decided(proposal: Proposal, headline: str) -> int:
    return feed.announce(
        Kind.RESULT,
        event=f"proposal-decision:{proposal.id}",
        title=f"The council has decided: {_proposal_named(proposal)}",
        url=_proposal_path(proposal),
        text=headline,
        followers_of=[proposal.area, proposal],
    )


# --- community budget rounds ----------------------------------------------------------


def _round_followed(round_: BudgetRound) -> list[object]:
    """Who hears about a round: its area's followers, its own, and its group's."""
    return [round_.area, round_, *([round_.group] if round_.group is not None else [])]


def _round_path(round_: BudgetRound) -> str:
    return path_for("budgets.round_detail", slug=round_.slug)


def round_ideas_opened(round_: BudgetRound) -> int:
    return feed.announce(
        Kind.OPENED,
        event=f"budget-ideas:{round_.id}",
        title=f"Ideas are open: {round_.title} in {round_.area.name}",
        url=_round_path(round_),
        text="Propose a project for the community budget.",
        followers_of=_round_followed(round_),
    )


def round_voting_opened(round_: BudgetRound) -> int:
    return feed.announce(
        Kind.OPENED,
        event=f"budget-voting:{round_.id}",
        title=f"Voting has opened: {round_.title} in {round_.area.name}",
        url=_round_path(round_),
        text=f"Voting closes on {round_.results_from:%d %B %Y at %H:%M} (UTC).",
        followers_of=_round_followed(round_),
    )


def round_results_published(round_: BudgetRound) -> int:
    return feed.announce(
        Kind.RESULT,
        event=f"budget-results:{round_.id}",
        title=f"Results are published: {round_.title} in {round_.area.name}",
        url=path_for("budgets.results", slug=round_.slug),
        text="See which projects were chosen and why.",
        followers_of=_round_followed(round_),
    )


def project_reviewed(project: Project, reviewer: User) -> int:
    """Tell the proposer (not the reviewer, if they reviewed their own) the decision."""
    if project.proposer_id is None:
        return 0
    feasible = project.status.value == "feasible"
    return feed.announce(
        Kind.PROJECT_REVIEWED,
        event=f"project-review:{project.id}:{project.status.value}",
        title=(
            f"Your project is feasible: {project.title}"
            if feasible
            else f"Your project was not accepted: {project.title}"
        ),
        url=path_for("budgets.project_detail", slug=project.round.slug, project_id=project.id),
        text="It can go on the ballot when voting opens."
        if feasible
        else f"The reason given: {project.rejection_reason}",
        to=[project.proposer_id],
        exclude=[reviewer.id],
    )


# --- consultations --------------------------------------------------------------------


def _consultation_path(consultation: Consultation) -> str:
    return path_for("consultations.detail", consultation_id=consultation.id)


def _consultation_named(consultation: Consultation) -> str:
    return f"{consultation.title} in {consultation.area.name}"


def consultation_opened(consultation: Consultation) -> int:
    return feed.announce(
        Kind.OPENED,
        event=f"consultation-open:{consultation.id}",
        title=f"Consultation has opened: {_consultation_named(consultation)}",
        url=_consultation_path(consultation),
        text=f"It closes on {consultation.closes_at:%d %B %Y}.",
        followers_of=[consultation.area, consultation],
    )


def consultation_results_published(consultation: Consultation) -> int:
    return feed.announce(
        Kind.RESULT,
        event=f"consultation-results:{consultation.id}",
        title=f"Consultation results are published: {_consultation_named(consultation)}",
        url=path_for("consultations.analysis", consultation_id=consultation.id),
        text="The consultation has closed; see what residents said.",
        followers_of=[consultation.area, consultation],
    )


def consultation_replied(consultation: Consultation, respondent_ids: list[int]) -> int:
    """ "You said, we did": to the people who responded, and to nobody else."""
    return feed.announce(
        Kind.YOU_SAID,
        event=f"you-said:{consultation.id}",
        title=f"You said, we did: {_consultation_named(consultation)}",
        url=_consultation_path(consultation),
        text="The council has published what it heard and what it will do.",
        to=respondent_ids,
    )


# --- discussions ----------------------------------------------------------------------


def replied(comment: Comment, parent: Comment, subject_title: str) -> int:
    """Tell the parent's author of a visible reply by someone else."""
    if not comment.is_visible or parent.author_id == comment.author_id:
        return 0
    return feed.announce(
        Kind.REPLY,
        event=f"reply:{comment.id}",
        title=f"{comment.author.display_name} replied to your comment on {subject_title}",
        url=path_for("discussions.comment", comment_id=comment.root_id or comment.id)
        + f"#comment-{comment.id}",
        to=[parent.author_id],
        exclude=[comment.author_id],
    )


def reported(comment: Comment, episode: int, reporter: User) -> int:
    """Moderators hear once per comment and open-report episode (`episode` counts the
    comment's reports already dealt with), not once per report. The reporter is never named."""
    return feed.announce(
        Kind.REPORTS,
        event=f"reports:{comment.id}:{episode}",
        title="A comment was reported",
        url=path_for("discussions.moderate", comment_id=comment.id),
        text="Look at the comment and its reports, then hide it or dismiss the reports.",
        to=feed.moderator_ids(),
        exclude=[reporter.id],
    )
