"""What a person can do today, what was decided lately, and what they took part in.

The home page, each area page and the "Your areas" dashboard all lead with the same three
lists, so they are computed here once, from each domain's own idea of open and closed
(`votes.services.voting_open`, `budgets.services.voting_open` and the ideas phase,
`consultations.services.accepting`) written as SQL conditions, so a page costs the same
handful of queries whether there are 3 areas or 300: one query per kind of thing, and one
per kind of participation for all the rows at once, never one per row.

Participation is only ever the viewer's own. Votes and ballots are secret: their rows carry
an HMAC of the voter (`ballot_box.voter_key`), so the only way to find a person's vote is
to compute their own keys, which is what `_participation` does; nobody else's is looked at.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from civic import ballot_box
from civic.accounts.models import Area, Eligibility, Group, GroupMembership, User
from civic.budgets.models import Ballot, BudgetRound, Phase, Project, RoundResult
from civic.clock import aware, utcnow
from civic.consultations.models import Audience, Consultation, ConsultationState, Response
from civic.extensions import db
from civic.i18n import _, ngettext
from civic.i18n import lazy_gettext as _l
from civic.votes.models import Proposal, ProposalKind, ProposalState, VoteCast

VOTE = "vote"
ROUND = "round"
CONSULTATION = "consultation"

# how many recent decisions a page lists, and how far back the dashboard looks for things a
# person took part in: enough for a page, and a bound on the rows each query returns
RECENT_LIMIT = 10
PAST_LIMIT = 50

_VOTE_WHAT = {
    ProposalKind.OUTSOURCING: _l("Public vote on outsourcing a service"),
    ProposalKind.DISPOSAL: _l("Public vote on selling an asset"),
}
_VOTE_OUTCOMES = {
    "passed": _l("the vote passed"),
    "rejected": _l("the vote was rejected"),
    "quorum_not_met": _l("too few residents voted (quorum not met)"),
}


@dataclass
class Item:
    """One thing on a list: a vote, a budget round or a consultation, open or decided."""

    kind: str  # VOTE | ROUND | CONSULTATION
    ident: int  # the proposal's, round's or consultation's id
    title: str
    endpoint: str  # the page to follow, with `params`
    params: dict[str, object]
    area: Area
    what: str  # "Public vote on outsourcing a service", "Community budget: ideas"...
    action: str  # what a person can do now ("Vote", "Propose an idea"...), or ""
    when: datetime  # closing time while open; the time of the decision once decided
    group: Group | None = None
    outcome: str = ""  # decided items: what was decided, in words
    # the viewer's own participation: None when not signed in (nothing to say), "" when
    # they have not taken part, otherwise what they did ("You have voted")
    participation: str | None = None
    ballot_only: bool = False  # a round in voting: only a ballot counts as taking part
    open_to_all: bool = False  # anyone signed in may take part, not only the area's residents
    can_take_part: bool = False  # the viewer may take part (set for signed-in viewers)
    not_yet: str = ""  # what to say when a signed-in viewer has not taken part
    mine: bool = False  # in one of the viewer's areas

    @property
    def key(self) -> tuple[str, int]:
        return self.kind, self.ident


@dataclass
class Viewer:
    """Who is looking: their areas (eligible in, or a member of a group there) and groups."""

    user: User | None
    eligible_area_ids: set[int] = field(default_factory=set)
    memberships: list[GroupMembership] = field(default_factory=list)

    @property
    def signed_in(self) -> bool:
        return self.user is not None

    @property
    def area_ids(self) -> set[int]:
        return self.eligible_area_ids | {m.group.area_id for m in self.memberships}


def viewer_for(user: User | None) -> Viewer:
    """The viewer's areas and groups in two queries (none when signed out)."""
    if user is None or not user.is_authenticated:
        return Viewer(None)
    eligible = set(
        db.session.scalars(select(Eligibility.area_id).where(Eligibility.user_id == user.id))
    )
    memberships = db.session.scalars(
        select(GroupMembership)
        .where(GroupMembership.user_id == user.id)
        .options(joinedload(GroupMembership.group).joinedload(Group.area))
    ).all()
    memberships = sorted(memberships, key=lambda m: m.group.name.casefold())
    return Viewer(user, eligible, list(memberships))


# --- closing times in words -------------------------------------------------------------


def closes_in(moment: datetime, now: datetime | None = None) -> str:
    """How long is left, as people say it after "closes": "in 3 days", "in 5 hours",
    "within the hour" (whole days and hours, rounded down, so never more than is left)."""
    seconds = (aware(moment) - (now or utcnow())).total_seconds()
    if seconds <= 0:
        return _("already")
    if seconds < 3600:
        return _("within the hour")
    if seconds < 86400:
        hours = math.floor(seconds / 3600)
        return ngettext("in %(num)s hour", "in %(num)s hours", hours)
    days = math.floor(seconds / 86400)
    return ngettext("in %(num)s day", "in %(num)s days", days)


# --- open now ---------------------------------------------------------------------------


def _within(query: Select, column: Any, area_ids: Iterable[int] | None) -> Select:
    """`query` limited to the areas `area_ids` (all areas when None)."""
    return query if area_ids is None else query.where(column.in_(list(area_ids)))


def _rows(query: Select, model: Any, area_ids: Iterable[int] | None) -> list[Any]:
    """The proposals or consultations `query` selects, in `area_ids`, each with its area
    loaded by the same statement (no query per row for the area's name)."""
    query = _within(query.options(joinedload(model.area)), model.area_id, area_ids)
    return list(db.session.scalars(query).unique())


# per kind: the page an item links to, its URL parameter and the attribute that fills it
_PAGES = {
    VOTE: ("votes.detail", "proposal_id", "id"),
    ROUND: ("budgets.round_detail", "slug", "slug"),
    CONSULTATION: ("consultations.detail", "consultation_id", "id"),
}


def _item(kind: str, thing: Any, what: str, when: datetime | None, **rest: Any) -> Item:
    """An Item for a proposal, round or consultation (`thing`), linking to its page."""
    endpoint, param, attribute = _PAGES[kind]
    return Item(
        kind=kind,
        ident=thing.id,
        title=thing.title,
        endpoint=endpoint,
        params={param: getattr(thing, attribute)},
        area=thing.area,
        what=what,
        when=aware(when or thing.created_at),
        **rest,
    )


def _open_votes(now: datetime, area_ids: list[int] | None) -> list[Item]:
    query = (
        select(Proposal)
        .where(Proposal.state == ProposalState.VOTING, Proposal.voting_until > now)
        .order_by(Proposal.voting_until, Proposal.id)
    )
    return [
        _item(
            VOTE,
            p,
            str(_VOTE_WHAT[p.kind]),
            p.voting_until,
            action=_("Vote"),
            not_yet=_("You have not voted"),
        )
        for p in _rows(query, Proposal, area_ids)
    ]


def _round_item(r: BudgetRound, what: str, action: str, when: datetime) -> Item:
    return _item(ROUND, r, what, when, action=action, group=r.group)


def _open_rounds(now: datetime, area_ids: list[int] | None) -> list[Item]:
    """Rounds taking ideas (the ideas phase, until review starts) or ballots (the voting
    phase, until results are due), as `budgets.services.voting_open` decides."""
    query = (
        select(BudgetRound)
        .where(
            or_(
                (BudgetRound.phase == Phase.IDEAS) & (BudgetRound.review_from > now),
                (BudgetRound.phase == Phase.VOTING) & (BudgetRound.results_from > now),
            )
        )
        .options(joinedload(BudgetRound.area), joinedload(BudgetRound.group))
        .order_by(BudgetRound.id)
    )
    query = _within(query, BudgetRound.area_id, area_ids)
    items = []
    for r in db.session.scalars(query).unique():
        if r.phase is Phase.VOTING:
            what = _("Group budget: voting") if r.group_id else _("Community budget: voting")
            item = _round_item(r, what, _("Cast your ballot"), r.results_from)
            item.not_yet = _("You have not cast a ballot")
            item.ballot_only = True
        else:
            what = (
                _("Group budget: ideas wanted")
                if r.group_id
                else _("Community budget: ideas wanted")
            )
            item = _round_item(r, what, _("Propose an idea"), r.review_from)
            item.not_yet = _("You have not proposed an idea")
        items.append(item)
    return items


def _open_consultations(now: datetime, area_ids: list[int] | None) -> list[Item]:
    query = (
        select(Consultation)
        .where(
            Consultation.state == ConsultationState.OPEN,
            Consultation.opens_at <= now,
            Consultation.closes_at > now,
        )
        .order_by(Consultation.closes_at, Consultation.id)
    )
    found = _rows(query, Consultation, area_ids)
    return [
        _item(
            CONSULTATION,
            c,
            _("Consultation open to everyone with an account")
            if c.audience is Audience.SIGNED_IN
            else _("Consultation"),
            c.closes_at,
            action=_("Respond"),
            open_to_all=c.audience is Audience.SIGNED_IN,
            not_yet=_("You have not responded"),
        )
        for c in found
    ]


def open_now(
    viewer: Viewer, *, area: Area | None = None, now: datetime | None = None
) -> list[Item]:
    """Everything open today (in `area` only, when given), with the viewer's participation;
    the viewer's areas first, then the rest, each soonest-closing first."""
    now = now or utcnow()
    ids = [area.id] if area is not None else None
    items = _open_votes(now, ids) + _open_rounds(now, ids) + _open_consultations(now, ids)
    _mark(viewer, items)
    items.sort(key=lambda i: (not i.mine, i.when, i.kind, i.title))
    return items


# --- recent decisions -------------------------------------------------------------------


def _decided_votes(limit: int, area_ids: Iterable[int] | None) -> list[Item]:
    decided_at = func.coalesce(Proposal.decided_at, Proposal.closed_at)
    query = (
        select(Proposal)
        .where(Proposal.state.in_([ProposalState.CLOSED, ProposalState.DECIDED]))
        .order_by(decided_at.desc(), Proposal.id.desc())
        .limit(limit)
    )
    found = _rows(query, Proposal, area_ids)
    items = []
    for p in found:
        said = str(_VOTE_OUTCOMES.get(p.outcome or "", _l("the vote closed")))
        if p.state is ProposalState.DECIDED:
            if p.decision == "in_house" and p.kind is ProposalKind.OUTSOURCING:
                outcome = _("Decided: the service stays in-house (%(said)s)", said=said)
            elif p.decision == "in_house":
                outcome = _("Decided: the asset is kept (%(said)s)", said=said)
            else:
                outcome = _("Decided: the council will go ahead (%(said)s)", said=said)
        else:
            outcome = _("Closed: %(said)s; the council's decision is to follow", said=said)
        when = p.decided_at or p.closed_at or p.voting_until
        items.append(_item(VOTE, p, _("Public vote"), when, action="", outcome=outcome))
    return items


def _counted_rounds(limit: int, area_ids: Iterable[int] | None) -> list[Item]:
    # Only the three small columns the item shows: a city round's result row also holds
    # its per-project figures and the rule's detail (JSON of hundreds of kilobytes), which
    # the home page would otherwise decode on every view.
    query = (
        select(BudgetRound, RoundResult.computed_at, RoundResult.ballots, RoundResult.selected)
        .join(RoundResult, RoundResult.round_id == BudgetRound.id)
        .options(joinedload(BudgetRound.area), joinedload(BudgetRound.group))
        .order_by(RoundResult.computed_at.desc(), BudgetRound.id.desc())
        .limit(limit)
    )
    query = _within(query, BudgetRound.area_id, area_ids)
    items = []
    for r, computed_at, ballots, selected in db.session.execute(query):
        item = _round_item(
            r,
            _("Group budget results") if r.group_id else _("Community budget results"),
            "",
            computed_at,
        )
        item.endpoint = "budgets.results"
        chosen = len(selected or [])
        chosen_words, ballot_words = f"{chosen:,}", f"{ballots or 0:,}"
        projects = ngettext(
            "%(number)s project chosen", "%(number)s projects chosen", chosen, number=chosen_words
        )
        item.outcome = ngettext(
            "%(projects)s by %(number)s ballot",
            "%(projects)s by %(number)s ballots",
            ballots or 0,
            projects=projects,
            number=ballot_words,
        )
        items.append(item)
    return items


def _answered_consultations(limit: int, area_ids: Iterable[int] | None) -> list[Item]:
    query = (
        select(Consultation)
        .where(Consultation.state == ConsultationState.RESPONDED)
        .order_by(Consultation.replied_at.desc(), Consultation.id.desc())
        .limit(limit)
    )
    found = _rows(query, Consultation, area_ids)
    return [
        _item(
            CONSULTATION,
            c,
            _("Consultation"),
            c.replied_at or c.closes_at,
            action="",
            outcome=_("Published what we heard and what we will do"),
        )
        for c in found
    ]


def recent_decisions(
    viewer: Viewer, *, area: Area | None = None, limit: int = RECENT_LIMIT
) -> list[Item]:
    """Votes closed or decided, rounds with results, consultations that reported back
    ("you said, we did"): newest first, at most `limit`."""
    area_ids = [area.id] if area is not None else None
    items = (
        _decided_votes(limit, area_ids)
        + _counted_rounds(limit, area_ids)
        + _answered_consultations(limit, area_ids)
    )
    items.sort(key=lambda i: i.when, reverse=True)
    items = items[:limit]
    _mark(viewer, items)
    return items


# --- the viewer's own participation ------------------------------------------------------


def _mark(viewer: Viewer, items: list[Item]) -> None:
    """Set `mine` and `participation` on every item: four queries for all of them."""
    mine = viewer.area_ids
    for item in items:
        item.mine = item.area.id in mine
    if viewer.user is None:
        return
    done, ideas = _participation(viewer.user, items)
    for item in items:
        # as the domains decide it (`can_take_part`, `require_voter`, `can_respond`)
        item.can_take_part = item.open_to_all or item.area.id in viewer.eligible_area_ids
        said = done.get(item.key, "")
        proposed = ideas.get(item.ident, 0) if item.kind == ROUND else 0
        if proposed and (said or not item.ballot_only):
            # ideas count as taking part until the ballot opens; from then on, the ballot
            if said:
                said = ngettext(
                    "%(said)s, and you proposed %(num)s idea",
                    "%(said)s, and you proposed %(num)s ideas",
                    proposed,
                    said=said,
                )
            else:
                said = ngettext("You proposed %(num)s idea", "You proposed %(num)s ideas", proposed)
        item.participation = said


def _participation(
    user: User, items: list[Item]
) -> tuple[dict[tuple[str, int], str], dict[int, int]]:
    """What `user` did in each item, found with their own voter keys (one query per kind),
    and how many ideas they proposed in each round."""
    ids: dict[str, set[int]] = defaultdict(set)
    for item in items:
        ids[item.kind].add(item.key[1])
    done: dict[tuple[str, int], str] = {}
    ideas: dict[int, int] = {}
    if ids[VOTE]:
        keys = {ballot_box.voter_key(f"proposal:{pid}", user.id): pid for pid in ids[VOTE]}
        rows = db.session.execute(
            select(VoteCast.proposal_id, VoteCast.voter_key).where(
                VoteCast.proposal_id.in_(ids[VOTE]), VoteCast.voter_key.in_(list(keys))
            )
        )
        for pid, key in rows:
            if keys.get(key) == pid:
                done[(VOTE, pid)] = _("You have voted")
    if ids[ROUND]:
        keys = {ballot_box.voter_key(f"budget:{rid}", user.id): rid for rid in ids[ROUND]}
        rows = db.session.execute(
            select(Ballot.round_id, Ballot.voter_key, Ballot.paper).where(
                Ballot.round_id.in_(ids[ROUND]), Ballot.voter_key.in_(list(keys))
            )
        )
        for rid, key, paper in rows:
            if keys.get(key) == rid:
                done[(ROUND, rid)] = (
                    _("A paper ballot was entered for you")
                    if paper
                    else _("You have cast a ballot")
                )
        proposed = db.session.execute(
            select(Project.round_id, func.count())
            .where(Project.round_id.in_(ids[ROUND]), Project.proposer_id == user.id)
            .group_by(Project.round_id)
        )
        ideas = {rid: count for rid, count in proposed}
    if ids[CONSULTATION]:
        rows = db.session.execute(
            select(Response.consultation_id, Response.submitted_at).where(
                Response.consultation_id.in_(ids[CONSULTATION]), Response.respondent_id == user.id
            )
        )
        for cid, submitted in rows:
            done[(CONSULTATION, cid)] = (
                _("You have responded")
                if submitted
                else _("You saved a draft response, not yet sent")
            )
    return done, ideas


# --- the dashboard ------------------------------------------------------------------------


@dataclass
class AreaPanel:
    """One of the viewer's areas on their dashboard."""

    area: Area
    eligible: bool
    open_items: list[Item]
    took_part: list[Item]  # closed or decided, that the viewer took part in
    groups: list[GroupMembership]


def _closed_consultations(limit: int, area_ids: list[int]) -> list[Item]:
    query = (
        select(Consultation)
        .where(Consultation.state.in_([ConsultationState.CLOSED, ConsultationState.RESPONDED]))
        .order_by(Consultation.closes_at.desc(), Consultation.id.desc())
        .limit(limit)
    )
    found = _rows(query, Consultation, area_ids)
    items = []
    for c in found:
        answered = c.state is ConsultationState.RESPONDED
        items.append(
            _item(
                CONSULTATION,
                c,
                _("Consultation"),
                (c.replied_at if answered else None) or c.closed_at or c.closes_at,
                action="",
                outcome=_("Published what we heard and what we will do")
                if answered
                else _("Closed; the council's response is to follow"),
            )
        )
    return items


def dashboard(viewer: Viewer, now: datetime | None = None) -> list[AreaPanel]:
    """Per area of the viewer (alphabetical): what is open, what they took part in that has
    closed, and their groups there. A bounded number of queries for any number of areas."""
    if viewer.user is None:
        return []
    area_ids = sorted(viewer.area_ids)
    if not area_ids:
        return []
    areas = {a.id: a for a in db.session.scalars(select(Area).where(Area.id.in_(area_ids)))}
    now = now or utcnow()
    open_items = (
        _open_votes(now, area_ids)
        + _open_rounds(now, area_ids)
        + _open_consultations(now, area_ids)
    )
    closed = (
        _decided_votes(PAST_LIMIT, area_ids)
        + _counted_rounds(PAST_LIMIT, area_ids)
        + _closed_consultations(PAST_LIMIT, area_ids)
    )
    _mark(viewer, open_items + closed)
    panels = []
    for area in sorted(areas.values(), key=lambda a: a.name.casefold()):
        panels.append(
            AreaPanel(
                area=area,
                eligible=area.id in viewer.eligible_area_ids,
                open_items=sorted(
                    (i for i in open_items if i.area.id == area.id),
                    key=lambda i: (i.when, i.kind, i.title),
                ),
                took_part=sorted(
                    (i for i in closed if i.area.id == area.id and i.participation),
                    key=lambda i: i.when,
                    reverse=True,
                ),
                groups=[m for m in viewer.memberships if m.group.area_id == area.id],
            )
        )
    return panels
