"""Moving a round on before the next phase's published date needs a published reason;
moving on that date or after (by hand or by `civic tick`) needs none."""

from __future__ import annotations

from datetime import timedelta

import pytest

from civic.accounts.models import GroupRole, utcnow
from civic.budgets import services
from civic.budgets.models import BallotKind, Phase, RoundResult
from civic.errors import PermissionDenied, ValidationFailed
from civic.extensions import db
from tests.budgets.rounds_helpers import make_round, resident_of
from tests.conftest import csrf_token, login
from tests.factories import GroupFactory, MembershipFactory, UserFactory
from tests.races import log_of

REASON = "Every household has been canvassed already"


def _phase_entries(round_) -> list[dict]:
    return [d for _, a, d in log_of("budget_round", round_.slug) if a == "budget_round:phase"]


def _group_round():
    """A neighbourhood group's round in ideas, its review phase ten days away."""
    group = GroupFactory()
    organiser, member = UserFactory(), UserFactory()
    MembershipFactory(group=group, user=organiser, role=GroupRole.ORGANISER)
    MembershipFactory(group=group, user=member, role=GroupRole.MEMBER)
    db.session.expire(group, ["memberships"])
    now = utcnow()
    round_ = services.create_round(
        organiser,
        group.area,
        services.RoundSettings(
            title="Street party fund",
            slug=f"fund-{group.slug}",
            description="",
            amount=500_00,
            currency="GBP",
            dates=[now - timedelta(days=1)] + [now + timedelta(days=d) for d in (10, 20, 30, 40)],
            ballot_kind=BallotKind.APPROVAL,
            rule="greedy",
        ),
        group=group,
    )
    return round_, organiser, member


def test_moving_to_results_early_without_a_reason_is_refused_and_computes_nothing():
    round_, moderator, _ = make_round()
    for reason in ("", "soon"):
        with pytest.raises(ValidationFailed) as refused:
            services.advance_phase(moderator, round_, Phase.RESULTS, reason=reason)
        assert set(refused.value.errors) == {"reason"}
    assert round_.phase is Phase.VOTING
    assert db.session.get(RoundResult, round_.id) is None
    assert round_.early_moves == {}


def test_a_moderator_moves_to_results_early_with_a_reason_stored_and_logged():
    round_, moderator, _ = make_round()
    services.advance_phase(moderator, round_, Phase.RESULTS, reason=REASON)
    assert round_.phase is Phase.RESULTS and db.session.get(RoundResult, round_.id) is not None
    move = round_.early_moves["results"]
    assert move["reason"] == REASON
    assert move["scheduled"].startswith(round_.results_from.date().isoformat())
    last = _phase_entries(round_)[-1]
    assert (last["to"], last["early_reason"]) == ("results", REASON)


def test_a_group_organiser_needs_a_reason_too_and_members_cannot_move_the_round():
    round_, organiser, member = _group_round()
    with pytest.raises(PermissionDenied):
        services.advance_phase(member, round_, Phase.REVIEW, reason=REASON)
    with pytest.raises(PermissionDenied):
        services.advance_phase(resident_of(round_.area), round_, Phase.REVIEW, reason=REASON)
    with pytest.raises(ValidationFailed):
        services.advance_phase(organiser, round_, Phase.REVIEW)
    assert round_.phase is Phase.IDEAS
    services.advance_phase(organiser, round_, Phase.REVIEW, reason="The ideas stall closed early")
    assert round_.phase is Phase.REVIEW
    assert round_.early_moves["review"]["reason"] == "The ideas stall closed early"


def test_on_or_after_the_date_no_reason_is_needed_by_hand_or_by_tick():
    round_, moderator, _ = make_round(phase=Phase.IDEAS)  # review and voting dates have passed
    services.advance_phase(moderator, round_, Phase.REVIEW)
    assert round_.phase is Phase.REVIEW and round_.early_moves == {}
    round_.results_from = utcnow() - timedelta(minutes=1)
    moved = services.advance_due_rounds()
    assert moved == [f"{round_.slug}: voting", f"{round_.slug}: results"]
    assert round_.phase is Phase.RESULTS and round_.early_moves == {}
    assert all("early_reason" not in d for d in _phase_entries(round_))
    assert [d["by"] for d in _phase_entries(round_)][-2:] == ["date", "date"]


def test_the_round_page_asks_for_the_reason_keeps_it_and_shows_it_after(client):
    round_, moderator, _ = make_round()
    login(client, moderator)
    url = f"/budgets/{round_.slug}"
    page = client.get(url).get_data(as_text=True)
    assert 'name="reason"' in page
    refused = client.post(
        f"{url}/phase",
        data={
            "csrf_token": csrf_token(client, url),
            "to": "results",
            "confirm": "yes",
            "reason": "soon",
        },
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'href="#reason"' in page and 'id="reason-error"' in page
    assert ">soon</textarea>" in page
    assert round_.phase is Phase.VOTING
    moved = client.post(
        f"{url}/phase",
        data={
            "csrf_token": csrf_token(client, url),
            "to": "results",
            "confirm": "yes",
            "reason": REASON,
        },
    )
    assert moved.status_code == 302 and round_.phase is Phase.RESULTS
    public = client.get(url).get_data(as_text=True)
    assert 'id="early-moves"' in public and REASON in public


def test_no_reason_field_when_the_next_phase_is_due(client):
    round_, moderator, _ = make_round(phase=Phase.IDEAS)
    login(client, moderator)
    page = client.get(f"/budgets/{round_.slug}").get_data(as_text=True)
    assert 'name="reason"' not in page and 'id="early-moves"' not in page


def test_a_resident_posting_the_move_is_refused(client):
    round_, _, _ = make_round()
    login(client, resident_of(round_.area))
    url = f"/budgets/{round_.slug}"
    response = client.post(
        f"{url}/phase",
        data={"csrf_token": csrf_token(client, url), "to": "results", "confirm": "yes"}
        | {"reason": REASON},
    )
    assert response.status_code == 403
    assert round_.phase is Phase.VOTING
