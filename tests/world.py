"""One small world with something behind every URL parameter, for the authorisation matrix
and the fuzz tests: an area with enough eligible residents to run a secret vote, a group
with an organiser, budget rounds in the ideas, voting and results phases, a proposal being
voted on, an open consultation with a response, and a thread with a comment.

Built through the service functions (as the demo is), so its audit log is real.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from civic.accounts import invitations
from civic.accounts.models import (
    Eligibility,
    EligibilityMethod,
    GroupMembership,
    GroupRole,
    User,
    utcnow,
)
from civic.accounts.passwords import hash_password
from civic.budgets import services as budgets
from civic.budgets.models import BallotKind, Phase
from civic.consultations import services as consultations
from civic.consultations.models import Answer, Audience, QuestionKind
from civic.contracts import documents as contract_documents
from civic.contracts.inforequests import services as inforequests
from civic.discussions import services as discussions
from civic.extensions import db
from civic.notifications import feed, mailing, outbox
from civic.notifications.kinds import Kind
from civic.notifications.models import MailState, Notification
from civic.votes import services as votes
from civic.votes.models import ProposalKind
from tests.factories import (
    PASSWORD,
    AdminFactory,
    AreaFactory,
    ContractFactory,
    GroupFactory,
    MembershipFactory,
    ModeratorFactory,
    UserFactory,
)
from tests.votes.helpers import complete_case

ANONYMOUS = "anonymous"
INELIGIBLE = "ineligible resident"
ELIGIBLE = "eligible resident"
ORGANISER = "group organiser"
MODERATOR = "moderator"
ADMIN = "admin"
ROLES = (ANONYMOUS, INELIGIBLE, ELIGIBLE, ORGANISER, MODERATOR, ADMIN)

_HASH: list[str] = []


def _user(factory: Any = UserFactory, **kwargs: Any) -> User:
    if not _HASH:  # Argon2 is slow on purpose: hash the shared test password once
        _HASH.append(hash_password(PASSWORD))
    return factory(password_hash=_HASH[0], **kwargs)


def _eligible(user: User, area: Any) -> User:
    db.session.add(
        Eligibility(user_id=user.id, area_id=area.id, method=EligibilityMethod.MODERATOR)
    )
    db.session.flush()
    db.session.expire(user, ["eligibilities"])
    return user


@dataclass
class World:
    users: dict[str, User | None]
    values: dict[str, Any] = field(default_factory=dict)  # URL parameter values by name


def _round(moderator: User, area: Any, slug: str, phase: Phase, group: Any = None) -> Any:
    now = utcnow()
    dates = [now + timedelta(days=d) for d in (-30, -20, -1, 10, 40)]
    if phase is Phase.IDEAS:
        dates = [now + timedelta(days=d) for d in (-1, 20, 30, 40, 50)]
    elif phase is Phase.RESULTS:  # every phase reached on its date: nothing closes early
        dates = [now + timedelta(days=d) for d in (-40, -30, -20, -1, 40)]
    round_ = budgets.create_round(
        moderator,
        area,
        budgets.RoundSettings(
            title=f"Round {slug}",
            slug=slug,
            description="",
            amount=100_000,
            currency="GBP",
            dates=dates,
            ballot_kind=BallotKind.APPROVAL,
            rule="greedy",
        ),
        group,
    )
    if phase is Phase.IDEAS:
        return round_, []
    proposer = _eligible(_user(), area)
    projects = [
        budgets.propose_project(
            proposer, round_, title=f"Idea {n}", description="A good idea", cost_units=300
        )
        for n in (1, 2)
    ]
    for project in projects:
        budgets.review_project(moderator, project, feasible=True)
    for step in (Phase.REVIEW, Phase.VOTING, Phase.RESULTS):
        if list(Phase).index(step) > list(Phase).index(phase):
            break
        budgets.advance_phase(moderator, round_, step)
    return round_, projects


def build_world() -> World:
    moderator = _user(ModeratorFactory)
    area = AreaFactory(slug="matrix-ward", name="Matrix ward")
    AreaFactory(slug="other-ward", name="Other ward")
    group = GroupFactory(slug="matrix-group", name="Matrix group", area=area)
    eligible = _eligible(_user(), area)
    organiser = _eligible(_user(), area)
    MembershipFactory(group=group, user=organiser, role=GroupRole.ORGANISER)
    member = _eligible(_user(), area)
    membership = MembershipFactory(group=group, user=member, role=GroupRole.MEMBER)
    # enough eligible residents that a secret vote, round or consultation may open
    voters = [_eligible(_user(), area) for _ in range(12)]
    target = _user()  # the person administrators act on in /accounts/people/<id>

    voting, projects = _round(moderator, area, "matrix-voting", Phase.VOTING, group)
    results, _ = _round(moderator, area, "matrix-results", Phase.RESULTS)
    _round(moderator, area, "matrix-ideas", Phase.IDEAS)
    budgets.cast_ballot(voters[0], voting, [(projects[0].id, 1)])

    proposal = votes.create_proposal(
        moderator, area, ProposalKind.OUTSOURCING, "Outsource the pool", "Riverside pool"
    )
    complete_case(moderator, proposal)
    votes.set_vote_rules(moderator, proposal, quorum_percent=20, majority="simple", hide_tally=True)
    votes.open_consultation(moderator, proposal, 28)
    proposal.consultation_from = utcnow() - timedelta(days=29)
    votes.open_voting(moderator, proposal, utcnow() + timedelta(days=7))

    draft = votes.create_proposal(
        moderator, area, ProposalKind.DISPOSAL, "Sell the old library", "Library building"
    )

    now = utcnow()
    draft_consultation = consultations.create_consultation(
        moderator,
        area,
        title="Parks",
        service="Parks",
        summary="",
        documents="",
        audience=Audience.RESIDENTS,
        opens_at=now + timedelta(days=1),
        closes_at=now + timedelta(days=40),
    )
    consultations.add_question(
        moderator, draft_consultation, kind=QuestionKind.SCALE, text="How green?"
    )
    consultation = consultations.create_consultation(
        moderator,
        area,
        title="Bin collections",
        service="Waste",
        summary="How should bins be collected?",
        documents="",
        audience=Audience.RESIDENTS,
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=20),
    )
    single = consultations.add_question(
        moderator,
        consultation,
        kind=QuestionKind.SINGLE,
        text="How often?",
        options=["Weekly", "Fortnightly"],
    )
    free = consultations.add_question(
        moderator, consultation, kind=QuestionKind.FREE_TEXT, text="Anything else?"
    )
    consultations.open_consultation(moderator, consultation)
    consultations.save_response(
        voters[1], consultation, {single.id: "0", free.id: "Fewer bins"}, submit=True
    )
    answer_id = db.session.scalar(select(Answer.id).where(Answer.question_id == free.id))

    ineligible = _user()
    # an invitation to the group, waiting for the ineligible resident's answer
    invitation, invitation_token = invitations.invite_member(organiser, group, ineligible.email)

    comment = discussions.post_comment(eligible, "area", area.slug, "Hello neighbours")
    # the contract register (issue 13): a published contract in the world's area
    contract = ContractFactory(area=area, title="Matrix street cleaning")
    # contract documents (issue 13, documents slice): one published document on it
    document = contract_documents.add_document(
        moderator,
        contract,
        "Matrix contract text",
        contract_documents.Upload("matrix.pdf", b"%PDF-1.4\n%%EOF\n"),
    )
    # performance (slice performance): a KPI on that contract, for its value form
    from civic.contracts.performance import services as performance
    from civic.contracts.performance.periods import Direction, Period

    kpi = performance.add_kpi(
        moderator,
        contract,
        name="Streets clean on inspection",
        description="",
        unit="percent",
        decimals=1,
        target="95",
        period=Period.QUARTERLY,
        direction=Direction.HIGHER,
    )
    db.session.flush()
    # information requests (issue 13, slice requests): one received about the contract
    info_request = inforequests.ask(
        eligible, f"contract-{contract.id}", "How many streets are swept each week?", False
    )
    assert db.session.get(GroupMembership, membership.id) is not None
    # mail slice (issue 14): a message the outbox gave up on, for the admins' retry
    stuck_mail = outbox.queue(
        to="matrix@example.org", subject="Matrix", text="Text", html="<p>HTML</p>", key="matrix"
    )
    stuck_mail.state = MailState.FAILED
    db.session.flush()
    # inbox slice (issue 14): a notification for the eligible resident (others get a 404)
    feed.announce(Kind.REPLY, event="matrix:1", title="Matrix", url="/", to=[eligible.id])
    notification = db.session.scalar(select(Notification).where(Notification.event == "matrix:1"))
    # groups slice (issue 15): a motion of the world's group, voting (no discussion days)
    from civic.groups import motions as group_motions
    from civic.groups import rules as group_rules

    group_rules.set_rules(
        organiser, group, **{**group_rules.DEFAULTS, "join_policy": "closed", "discussion_days": 0}
    )
    motion = group_motions.propose(organiser, group, "Matrix motion", "The group resolves.")

    # petitions slice (issue 15): an open petition in the world's area, started by the
    # eligible resident and accepted by the moderator
    from civic.petitions import services as petitions

    petition = petitions.start(eligible, area, "Matrix petition", "Fix the lights", "Dark")
    petitions.accept(moderator, petition)

    # elections slice (issue 15): an election of the group's organisers, nominations open
    from civic.groups import elections as group_elections

    election = group_elections.call_election(
        organiser,
        group,
        seats=1,
        term_months=12,
        opens_at=utcnow() + timedelta(days=7),
        closes_at=utcnow() + timedelta(days=14),
    )

    return World(
        users={
            ANONYMOUS: None,
            INELIGIBLE: ineligible,
            ELIGIBLE: eligible,
            ORGANISER: organiser,
            MODERATOR: moderator,
            ADMIN: _user(AdminFactory),
        },
        values={
            "area": area.slug,
            "group": group.slug,
            "membership_id": membership.id,
            "user_id": target.id,
            "seq": 0,
            "voting_round": voting.slug,
            "results_round": results.slug,
            "ideas_round": "matrix-ideas",
            "project_id": projects[0].id,
            "proposal_id": proposal.id,
            "draft_proposal_id": draft.id,
            "draft_consultation_id": draft_consultation.id,
            "consultation_id": consultation.id,
            "question_id": single.id,
            "answer_id": answer_id,
            "contest_id": 999_999,  # none exists: staff get 404, everyone else 403 first
            "comment_id": comment.id,
            "contract_id": contract.id,
            # contract register slice: the world's contract's provider
            "provider_id": contract.provider_id,
            # contract documents (documents slice)
            "document_id": document.id,
            "filename": document.filename,
            # information requests (slice requests)
            "info_request_reference": info_request.reference,
            "kpi_id": kpi.id,  # performance
            "invitation_id": invitation.id,
            "invitation_token": invitation_token,
            "subject_type": "area",
            "subject_id": area.slug,
            "message_id": stuck_mail.id,  # mail slice: the outbox's failed message
            # inbox slice: the eligible resident's notification and unsubscribe link
            "notification_id": notification.id,
            "unsubscribe_token": mailing.unsubscribe_token(eligible.id, Kind.REPLY),
            "motion_id": motion.id,  # groups slice: the world's group's motion, voting
            "request_id": 999_999,  # groups slice: no such request (managers get a 404)
            "petition_id": petition.id,  # petitions slice
            "election_id": election.id,  # elections slice
        },
    )


TOKEN_RE = re.compile(r'"X-CSRFToken": "([^"]+)"')
FORM_TOKEN_RE = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')


def page_token(client: FlaskClient) -> str:
    """The CSRF token a browser holds: a signed-in person's pages carry it (hx-headers on
    <body>); an anonymous visitor's pages do not (so they set no cookie), and the token
    comes from a form that posts, as the sign-in page's."""
    match = TOKEN_RE.search(client.get("/").get_data(as_text=True))
    if match is None:
        match = FORM_TOKEN_RE.search(client.get("/accounts/sign-in").get_data(as_text=True))
    assert match, "no CSRF token on the home page or the sign-in form"
    return match.group(1)
