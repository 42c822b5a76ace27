"""What the domains tell people, and the follows that taking part makes.

Each function here is called by one service function, after its change and its audit
entry, in the same transaction: a change that rolls back tells nobody. The domain passes
its own objects; this module only words the notification and names who hears, so the
titles read alike everywhere and each domain's service stays a line longer, not ten.

Event names are stable and unique per happening ("proposal-voting:12"): `feed.announce`
tells each person once per event, however often it is called.

Titles and texts are lazy strings (see civic.notifications.wording): `feed.announce`
renders them in each recipient's language. A domain may also pass a plain str (then every
recipient reads it as given).

Nothing here names anyone but the thing itself, except a reply, which names the replier
as the thread shows them. Private acts (votes, ballots, responses, reports, signatures)
never appear in what others are told.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from civic.i18n import lazy_gettext as _l
from civic.notifications import feed
from civic.notifications.kinds import Kind
from civic.notifications.wording import TITLE_MAX, Later, clip, day, day_and_time, rendered
from civic.web import path_for

if TYPE_CHECKING:
    from civic.accounts.models import Area, User
    from civic.budgets.models import BudgetRound, Project
    from civic.consultations.models import Consultation
    from civic.discussions.models import Comment
    from civic.petitions.models import Petition
    from civic.votes.models import Proposal


__all__ = ["TITLE_MAX", "clipped"]


def clipped(title: object) -> object:
    """A title that fits (clipped when rendered, in whatever language): names of things
    and areas can together pass the limit, and a notification must never make the change
    that causes it fail."""
    if isinstance(title, str):
        return clip(title)
    return Later(lambda: clip(rendered(title)))


def _in_area(title: str, area: str) -> object:
    """ "<thing> in <area>", worded in the language it is rendered in."""
    return _l("%(title)s in %(area)s", title=title, area=area)


def _headed(heading: object, named: object) -> Later:
    return Later(lambda: f"{heading}: {named}")


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
    "consultation": (Kind.OPENED, "proposal-consultation", _l("Consultation has opened")),
    "voting": (Kind.OPENED, "proposal-voting", _l("Voting has opened")),
    "closed": (Kind.RESULT, "proposal-result", _l("The vote has closed")),
    "decided": (Kind.RESULT, "proposal-decision", _l("The council has decided")),
}
ROUND_NEWS = {
    # the phases residents act on (ideas, voting) or wait for (results); review and
    # delivery are the council's work, shown on the round's page, and not announced
    "ideas": (Kind.OPENED, "budget-ideas", _l("Ideas are open")),
    "voting": (Kind.OPENED, "budget-voting", _l("Voting has opened")),
    "results": (Kind.RESULT, "budget-results", _l("Results are published")),
}
CONSULTATION_NEWS = {
    "open": (Kind.OPENED, "consultation-open", _l("Consultation has opened")),
    "results": (Kind.RESULT, "consultation-results", _l("Consultation results are published")),
}
OUTCOME_WORDS = {
    "passed": _l("The proposal passed."),
    "rejected": _l("The proposal was rejected."),
    "quorum_not_met": _l(
        "Too few residents voted for the result to count (the quorum was not met)."
    ),
}


def _news(
    what: tuple[Kind, str, object],
    ident: int,
    named: object,
    url: str,
    text: object,
    followed: list,
) -> int:
    kind, prefix, heading = what
    return feed.announce(
        kind,
        event=f"{prefix}:{ident}",
        title=clipped(_headed(heading, named)),
        url=url,
        text=text,
        followers_of=followed,
    )


def proposal_news(proposal: Proposal, what: str, text: object = "") -> int:
    """`what` is a key of PROPOSAL_NEWS; followers of the proposal and of its area hear."""
    if not text and what == "voting" and proposal.voting_until:
        text = _l("Voting closes on %(when)s.", when=day_and_time(proposal.voting_until))
    elif not text and what == "closed":
        text = OUTCOME_WORDS.get(proposal.outcome or "", _l("See the result."))
    return _news(
        PROPOSAL_NEWS[what],
        proposal.id,
        _in_area(proposal.title, proposal.area.name),
        path_for("votes.detail", proposal_id=proposal.id),
        text,
        [proposal.area, proposal],
    )


def round_news(round_: BudgetRound, what: str) -> int:
    """`what` is a key of ROUND_NEWS; followers of the round, its area and its group hear."""
    texts = {
        "ideas": _l("Propose a project for the community budget."),
        "voting": _l("Voting closes on %(when)s.", when=day_and_time(round_.results_from)),
        "results": _l("See which projects were chosen and why."),
    }
    endpoint = "budgets.results" if what == "results" else "budgets.round_detail"
    return _news(
        ROUND_NEWS[what],
        round_.id,
        _in_area(round_.title, round_.area.name),
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
        _in_area(consultation.title, consultation.area.name),
        path_for(
            "consultations.analysis" if results else "consultations.detail",
            consultation_id=consultation.id,
        ),
        _l("The consultation has closed; see what residents said.")
        if results
        else _l("It closes on %(day)s.", day=day(consultation.closes_at)),
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
        title=clipped(
            _l("Your project is feasible: %(title)s", title=project.title)
            if feasible
            else _l("Your project is not accepted: %(title)s", title=project.title)
        ),
        url=path_for("budgets.project_detail", slug=project.round.slug, project_id=project.id),
        text=_l("It can go on the ballot when voting opens.")
        if feasible
        else _l("The reason given: %(reason)s", reason=project.rejection_reason),
        to=[project.proposer_id],
        exclude=[reviewer.id],
    )


def consultation_replied(consultation: Consultation, respondent_ids: list[int]) -> int:
    """ "You said, we did": to the people who responded, and to nobody else."""
    return feed.announce(
        Kind.YOU_SAID,
        event=f"you-said:{consultation.id}",
        title=clipped(
            _headed(_l("You said, we did"), _in_area(consultation.title, consultation.area.name))
        ),
        url=path_for("consultations.detail", consultation_id=consultation.id),
        text=_l("The council has published what it heard and what it will do."),
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
        title=clipped(
            _l(
                "%(name)s replied to your comment on %(subject)s",
                name=comment.author.display_name,
                subject=subject_title,
            )
        ),
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
        title=_l("A comment was reported"),
        url=path_for("discussions.moderate", comment_id=comment.id),
        text=_l("Look at the comment and its reports, then hide it or dismiss the reports."),
        to=feed.moderator_ids(),
        exclude=[reporter.id],
    )


# --- petitions (issue 15): to the petition's followers (its starter and signers) ----------

PETITION_NEWS = {
    "threshold": (Kind.RESULT, "petition-threshold", _l("A petition reached its threshold")),
    "higher": (Kind.RESULT, "petition-higher", _l("A petition reached its higher threshold")),
    "response": (
        Kind.RESULT,
        "petition-response",
        _l("The council has responded to a petition"),
    ),
}


def petition_news(petition: Petition, what: str, text: object) -> int:
    """`what` is a key of PETITION_NEWS; the petition's followers hear (signing follows it),
    never its area's followers: a petition's news is for its supporters."""
    return _news(
        PETITION_NEWS[what],
        petition.id,
        _in_area(petition.title, petition.area.name),
        path_for("petitions.detail", petition_id=petition.id),
        text,
        [petition],
    )
