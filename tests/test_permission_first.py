"""Permission is checked before a form is validated, on every route that changes something.

Issue 10: a non-moderator posting to /discussions/comments/<id>/moderate got the 422 page
with the hidden comment's text. Each row here is a person who may not do the thing, posting
invalid data: the answer must be the refusal (403, or 404 for "there is nothing of yours
here"), never a re-rendered form, and must not contain the protected text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from civic.accounts import invitations
from civic.accounts.models import GroupRole
from civic.budgets import services as budgets
from civic.budgets.models import Phase
from civic.consultations.models import QuestionKind
from civic.discussions import services as discussions
from civic.discussions.models import CommentState
from civic.votes.models import ProposalState
from tests.budgets.rounds_helpers import make_round, resident_of
from tests.conftest import csrf_token, login
from tests.consultations.helpers import make_consultation
from tests.factories import AreaFactory, GroupFactory, MembershipFactory, UserFactory
from tests.votes.helpers import make_proposal

SECRET = "Zebra-7731 secret text"


@dataclass
class Case:
    actor: object
    url: str
    data: dict = field(default_factory=dict)
    status: int = 403
    secrets: tuple[str, ...] = (SECRET,)


def _hidden_comment() -> Case:
    area = AreaFactory(slug="riverside")
    author = resident_of(area)
    comment = discussions.post_comment(author, "area", "riverside", SECRET)
    comment.state = CommentState.HIDDEN
    return Case(
        resident_of(area),
        f"/discussions/comments/{comment.id}/moderate",
        {"reason": "x" * 600, "hide": "y"},
    )


def _visible_comment_moderate() -> Case:
    area = AreaFactory(slug="riverside")
    comment = discussions.post_comment(resident_of(area), "area", "riverside", SECRET)
    return Case(
        UserFactory(), f"/discussions/comments/{comment.id}/moderate", {"reason": "", "hide": "y"}
    )


def _post_comment_outsider() -> Case:
    AreaFactory(slug="riverside")
    return Case(UserFactory(), "/discussions/area/riverside", {"body": ""}, secrets=())


def _flag_own_comment() -> Case:
    area = AreaFactory(slug="riverside")
    author = resident_of(area)
    comment = discussions.post_comment(author, "area", "riverside", SECRET)
    return Case(
        author, f"/discussions/comments/{comment.id}/flag", {"reason": "bogus"}, 409, secrets=()
    )


def _draft_consultation(action: str) -> Callable[[], Case]:
    def build() -> Case:
        consultation, _moderator, questions = make_consultation(open_=False)
        questions["single"].text = SECRET
        question = questions["single"].id
        urls = {
            "state": (f"/consultations/{consultation.id}/state", {"action": "bogus"}),
            "move": (
                f"/consultations/{consultation.id}/questions/{question}/move",
                {"direction": "sideways"},
            ),
            "remove": (f"/consultations/{consultation.id}/questions/{question}/remove", {}),
            "tag": (f"/consultations/{consultation.id}/answers/999999/themes", {"themes": ""}),
            "build": (f"/consultations/{consultation.id}/build", {"kind": "bogus", "text": ""}),
            "edit": (
                f"/consultations/{consultation.id}/questions/{question}/edit",
                {"kind": QuestionKind.SINGLE.value, "text": ""},
            ),
            "reply": (f"/consultations/{consultation.id}/reply", {"reply-reply": ""}),
            "close": (f"/consultations/{consultation.id}/close", {"close-reason": "x"}),
        }
        url, data = urls[action]
        return Case(resident_of(consultation.area), url, data)

    return build


def _group_add_member() -> Case:
    group = GroupFactory()
    member = MembershipFactory(group=group).user
    return Case(
        member,
        f"/accounts/groups/{group.slug}",
        {"email": "not an address", "role": "member"},
        secrets=("Enter a valid email address", "If that address belongs"),
    )


def _show_name_by_outsider() -> Case:
    group = GroupFactory()
    MembershipFactory(group=group)
    return Case(UserFactory(), f"/accounts/groups/{group.slug}/show-name", {"show_name": "x"})


def _cancel_invitation_by_member() -> Case:
    group = GroupFactory()
    organiser = MembershipFactory(group=group, role=GroupRole.ORGANISER).user
    invitation, _ = invitations.invite_member(organiser, group, "invitee-secret@example.org")
    member = MembershipFactory(group=group).user
    return Case(
        member,
        f"/accounts/groups/{group.slug}/invitations/{invitation.id}/cancel",
        secrets=("invitee-secret@example.org",),
    )


def _accept_someone_elses_invitation() -> Case:
    group = GroupFactory()
    organiser = MembershipFactory(group=group, role=GroupRole.ORGANISER).user
    invitation, _ = invitations.invite_member(organiser, group, "invitee-secret@example.org")
    return Case(
        UserFactory(),
        f"/accounts/invitations/{invitation.id}/accept",
        status=404,
        secrets=("invitee-secret@example.org", group.name),
    )


def _member_role_by_organiser() -> Case:
    group = GroupFactory()
    organiser = MembershipFactory(group=group, role=GroupRole.ORGANISER).user
    membership = MembershipFactory(group=group)
    return Case(
        organiser,
        f"/accounts/groups/{group.slug}/members/{membership.id}/role",
        {"role": "bogus"},
        secrets=("Choose member or organiser",),
    )


def _budget(kind: str) -> Callable[[], Case]:
    def build() -> Case:
        phase = Phase.IDEAS if kind in ("propose", "review", "review_own") else Phase.VOTING
        round_, moderator, projects = make_round(phase=phase)
        outsider = UserFactory()
        resident = resident_of(round_.area)
        slug = round_.slug
        project = projects[0].id
        cases = {
            "new": Case(resident, "/budgets/new", {"title": "", "slug": "!!"}, secrets=()),
            "advance": Case(resident, f"/budgets/{slug}/phase", {"to": "bogus"}, secrets=()),
            "propose": Case(outsider, f"/budgets/{slug}/propose", {"title": ""}, secrets=()),
            "review": Case(
                resident,
                f"/budgets/{slug}/projects/{project}",
                {"review-submit": "y", "review-decision": "bogus"},
                secrets=(),
            ),
            "delivery": Case(
                resident,
                f"/budgets/{slug}/projects/{project}",
                {"delivery-submit": "y", "delivery-status": "bogus"},
                secrets=(),
            ),
            "ballot": Case(outsider, f"/budgets/{slug}/ballot", {"project": "x"}, secrets=()),
            "paper": Case(
                resident, f"/budgets/{slug}/paper", {"email": "", "project": "x"}, secrets=()
            ),
            "print_papers": Case(
                resident, f"/budgets/{slug}/paper/print", {"count": "lots"}, secrets=()
            ),
        }
        if kind == "review_own":
            # a manager never reviews their own idea, whatever the form says
            own = budgets.propose_project(
                moderator, round_, title="Mine", description="d", cost_units=10
            )
            return Case(
                moderator,
                f"/budgets/{slug}/projects/{own.id}",
                {"review-submit": "y", "review-decision": "bogus"},
                secrets=(),
            )
        return cases[kind]

    return build


def _vote(kind: str) -> Callable[[], Case]:
    def build() -> Case:
        proposal, _moderator, _area = make_proposal(ProposalState.VOTING)
        outsider = resident_of(AreaFactory())
        if kind == "vote":
            return Case(outsider, f"/votes/{proposal.id}/vote", {"choice": "bogus"}, secrets=())
        if kind == "act":
            return Case(outsider, f"/votes/{proposal.id}/manage/close", {"confirm": ""}, secrets=())
        return Case(outsider, "/votes/new", {"title": ""}, secrets=())

    return build


def _accounts(kind: str) -> Callable[[], Case]:
    def build() -> Case:
        area = AreaFactory()
        resident = resident_of(area)
        return {
            "new_area": Case(resident, "/accounts/areas/new", {"name": "", "slug": "!!"}),
            "edit_area": Case(resident, f"/accounts/areas/{area.slug}/edit", {"name": ""}),
            "codes": Case(resident, f"/accounts/areas/{area.slug}/codes", {"count": "-1"}),
            "confirm": Case(resident, "/accounts/eligibility/confirm", {"email": "bad"}),
            "new_group": Case(resident, "/accounts/groups/new", {"name": ""}),
            "role": Case(resident, f"/accounts/people/{resident.id}/role", {"role": "bogus"}),
            "active": Case(resident, f"/accounts/people/{resident.id}/active", {"active": "x"}),
        }[kind]

    return build


CASES: dict[str, Callable[[], Case]] = {
    "discussions.moderate (hidden comment)": _hidden_comment,
    "discussions.moderate (visible comment)": _visible_comment_moderate,
    "discussions.post (not a resident)": _post_comment_outsider,
    "discussions.flag (own comment)": _flag_own_comment,
    "accounts.group (add member, not a manager)": _group_add_member,
    "accounts.member_role (organiser, not moderator)": _member_role_by_organiser,
    "accounts.show_name (not a member)": _show_name_by_outsider,
    "accounts.cancel_invitation (a member, not a manager)": _cancel_invitation_by_member,
    "accounts.accept_invitation (sent to someone else)": _accept_someone_elses_invitation,
    **{
        f"consultations.{a}": _draft_consultation(a)
        for a in ("state", "move", "remove", "tag", "build", "edit", "reply", "close")
    },
    **{
        f"budgets.{k}": _budget(k)
        for k in (
            "new",
            "advance",
            "propose",
            "review",
            "delivery",
            "ballot",
            "paper",
            "print_papers",
            "review_own",
        )
    },
    **{f"votes.{k}": _vote(k) for k in ("vote", "act", "new")},
    **{
        f"accounts.{k}": _accounts(k)
        for k in ("new_area", "edit_area", "codes", "confirm", "new_group", "role", "active")
    },
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_refused_before_the_form_is_read(client, name):
    case = CASES[name]()
    login(client, case.actor)
    token = csrf_token(client, "/accounts/eligibility")
    response = client.post(case.url, data={"csrf_token": token, **case.data})
    body = response.get_data(as_text=True)
    assert response.status_code == case.status, body[:800]
    for secret in case.secrets:
        assert secret not in body
    assert "There is a problem with what you entered" not in body
