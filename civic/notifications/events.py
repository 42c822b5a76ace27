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
from civic.web import path_for

if TYPE_CHECKING:
    from civic.accounts.models import Area, User
    from civic.budgets.models import BudgetRound, Project
    from civic.consultations.models import Consultation
    from civic.discussions.models import Comment
    from civic.petitions.models import Petition
    from civic.votes.models import Proposal


TITLE_MAX = 300  # Notification.title; feed.announce refuses longer


def clipped(title: str) -> str:
    """A title that fits: names of things and areas can together pass the limit, and a
    notification must never make the change that causes it fail."""
    return title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1].rstrip() + "…"


def took_part(user: User, *things: object) -> None:
    """Follow what `user` just took part in (auto follows, one upsert each): they hear
    what happens next without having to ask."""
    for thing in things:
        feed.follow(user, thing, auto=True)  # type: ignore[arg-type]


def became_eligible(user: User, area: Area) -> None:
    """A resident who showed they live in `area` follows it: what opens there is theirs."""
    feed.follow(user, area, auto=True)


# --- news of a vote, a round or a consultation: to its followers ------------------------

# what happened -> (kind, event prefix, the title's opening words); the event is
# "<prefix>:<id>" and the title names the thing and its area
PROPOSAL_NEWS = {
    "consultation": (Kind.OPENED, "proposal-consultation", "Consultation has opened"),
    "voting": (Kind.OPENED, "proposal-voting", "Voting has opened"),
    "closed": (Kind.RESULT, "proposal-result", "The vote has closed"),
    "decided": (Kind.RESULT, "proposal-decision", "The council has decided"),
}
ROUND_NEWS = {
    # the phases residents act on (ideas, voting) or wait for (results); review and
    # delivery are the council's work, shown on the round's page, and not announced
    "ideas": (Kind.OPENED, "budget-ideas", "Ideas are open"),
    "voting": (Kind.OPENED, "budget-voting", "Voting has opened"),
    "results": (Kind.RESULT, "budget-results", "Results are published"),
}
CONSULTATION_NEWS = {
    "open": (Kind.OPENED, "consultation-open", "Consultation has opened"),
    "results": (Kind.RESULT, "consultation-results", "Consultation results are published"),
}
OUTCOME_WORDS = {
    "passed": "The proposal passed.",
    "rejected": "The proposal was rejected.",
    "quorum_not_met": "Too few residents voted for the result to count (the quorum was not met).",
}


def _news(
    what: tuple[Kind, str, str], ident: int, named: str, url: str, text: str, followed: list
) -> int:
    kind, prefix, heading = what
    return feed.announce(
        kind,
        event=f"{prefix}:{ident}",
        title=clipped(f"{heading}: {named}"),
        url=url,
        text=text,
        followers_of=followed,
    )


def proposal_news(proposal: Proposal, what: str, text: str = "") -> int:
    """`what` is a key of PROPOSAL_NEWS; followers of the proposal and of its area hear."""
    if not text and what == "voting" and proposal.voting_until:
        text = f"Voting closes on {proposal.voting_until:%d %B %Y at %H:%M} (UTC)."
    elif not text and what == "closed":
        text = OUTCOME_WORDS.get(proposal.outcome or "", "See the result.")
    return _news(
        PROPOSAL_NEWS[what],
        proposal.id,
        f"{proposal.title} in {proposal.area.name}",
        path_for("votes.detail", proposal_id=proposal.id),
        text,
        [proposal.area, proposal],
    )


def round_news(round_: BudgetRound, what: str) -> int:
    """`what` is a key of ROUND_NEWS; followers of the round, its area and its group hear."""
    texts = {
        "ideas": "Propose a project for the community budget.",
        "voting": f"Voting closes on {round_.results_from:%d %B %Y at %H:%M} (UTC).",
        "results": "See which projects were chosen and why.",
    }
    endpoint = "budgets.results" if what == "results" else "budgets.round_detail"
    return _news(
        ROUND_NEWS[what],
        round_.id,
        f"{round_.title} in {round_.area.name}",
        path_for(endpoint, slug=round_.slug),
        texts[what],
        round_followed(round_),
    )


def round_followed(round_: BudgetRound) -> list[object]:
    """Who hears about a round: its area's followers, its own, and its group's."""
    return [round_.area, round_, *([round_.group] if round_.group is not None else [])]


def consultation_news(consultation: Consultation, what: str) -> int:
    """`what` is a key of CONSULTATION_NEWS; followers of it and of its area hear."""
    results = what == "results"
    return _news(
        CONSULTATION_NEWS[what],
        consultation.id,
        f"{consultation.title} in {consultation.area.name}",
        path_for(
            "consultations.analysis" if results else "consultations.detail",
            consultation_id=consultation.id,
        ),
        "The consultation has closed; see what residents said."
        if results
        else f"It closes on {consultation.closes_at:%d %B %Y}.",
        [consultation.area, consultation],
    )


# --- people's own things ---------------------------------------------------------------


def project_reviewed(project: Project, reviewer: User) -> int:
    """Tell the proposer (not the reviewer, if they reviewed their own) the decision."""
    if project.proposer_id is None:
        return 0
    feasible = project.status.value == "feasible"
    return feed.announce(
        Kind.PROJECT_REVIEWED,
        event=f"project-review:{project.id}:{project.status.value}",
        title=f"Your project is {'feasible' if feasible else 'not accepted'}: {project.title}",
        url=path_for("budgets.project_detail", slug=project.round.slug, project_id=project.id),
        text="It can go on the ballot when voting opens."
        if feasible
        else f"The reason given: {project.rejection_reason}",
        to=[project.proposer_id],
        exclude=[reviewer.id],
    )


def consultation_replied(consultation: Consultation, respondent_ids: list[int]) -> int:
    """ "You said, we did": to the people who responded, and to nobody else."""
    return feed.announce(
        Kind.YOU_SAID,
        event=f"you-said:{consultation.id}",
        title=clipped(f"You said, we did: {consultation.title} in {consultation.area.name}"),
        url=path_for("consultations.detail", consultation_id=consultation.id),
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
        title=clipped(f"{comment.author.display_name} replied to your comment on {subject_title}"),
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


# --- petitions (issue 15): to the petition's followers (its starter and signers) ----------

PETITION_NEWS = {
    "threshold": (Kind.RESULT, "petition-threshold", "A petition reached its threshold"),
    "higher": (Kind.RESULT, "petition-higher", "A petition reached its higher threshold"),
    "response": (Kind.RESULT, "petition-response", "The council has responded to a petition"),
}


def petition_news(petition: Petition, what: str, text: str) -> int:
    """`what` is a key of PETITION_NEWS; the petition's followers hear (signing follows it),
    never its area's followers: a petition's news is for its supporters."""
    return _news(
        PETITION_NEWS[what],
        petition.id,
        f"{petition.title} in {petition.area.name}",
        path_for("petitions.detail", petition_id=petition.id),
        text,
        [petition],
    )
