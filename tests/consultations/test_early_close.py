"""Closing a consultation before its published closing date needs a published reason;
closing by date (`civic tick`) needs none; a response after the close gets a 409."""

from __future__ import annotations

from datetime import timedelta

import pytest

from civic.accounts.models import utcnow
from civic.consultations import services
from civic.consultations.models import ConsultationState
from civic.errors import Conflict, PermissionDenied, ValidationFailed
from tests.budgets.rounds_helpers import resident_of
from tests.conftest import csrf_token, login
from tests.consultations.helpers import make_consultation
from tests.factories import AdminFactory
from tests.races import log_of

REASON = "The service review was brought forward by the council"


def _close_entry(consultation) -> dict:
    entries = log_of("consultation", str(consultation.id))
    [data] = [d for _, action, d in entries if action == "consultation:close"]
    return data


def test_closing_early_needs_a_reason_from_a_moderator_or_admin():
    consultation, moderator, _ = make_consultation()
    with pytest.raises(ValidationFailed) as refused:
        services.close_consultation(moderator, consultation, reason="short")
    assert set(refused.value.errors) == {"reason"}
    assert consultation.state is ConsultationState.OPEN
    with pytest.raises(PermissionDenied):
        services.close_consultation(resident_of(consultation.area), consultation, reason=REASON)
    services.close_consultation(AdminFactory(), consultation, reason=REASON)
    assert consultation.state is ConsultationState.CLOSED
    assert consultation.close_reason == REASON and consultation.closed_at is not None
    assert _close_entry(consultation)["early_reason"] == REASON


def test_closing_by_date_needs_no_reason():
    consultation, _, _ = make_consultation()
    consultation.closes_at = utcnow() - timedelta(minutes=1)
    assert services.close_due() == [f"consultation {consultation.id}"]
    assert consultation.state is ConsultationState.CLOSED and consultation.close_reason == ""
    data = _close_entry(consultation)
    assert data["by"] == "date" and "early_reason" not in data


def test_a_response_after_the_close_is_refused_saying_when():
    consultation, moderator, q = make_consultation()
    services.close_consultation(moderator, consultation, reason=REASON)
    with pytest.raises(Conflict) as refused:
        services.save_response(
            resident_of(consultation.area), consultation, {q["single"].id: "0"}, submit=True
        )
    when = consultation.closed_at.strftime("%H:%M on %d %B %Y")
    assert refused.value.message == (
        f"This consultation closed at {when} (UTC) before your answers arrived; "
        "they were not saved."
    )
    assert services.response_count(consultation) == 0


def test_the_old_close_button_leads_to_the_confirmation_and_closes_nothing(client):
    """A builder page loaded before the change posts action=close to /state: it is sent to
    the confirmation page, never closed without the confirmation and the reason."""
    consultation, moderator, _ = make_consultation()
    login(client, moderator)
    build = f"/consultations/{consultation.id}/build"
    response = client.post(
        f"/consultations/{consultation.id}/state",
        data={"csrf_token": csrf_token(client, build), "action": "close", "reason": REASON},
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/consultations/{consultation.id}/close")
    assert consultation.state is ConsultationState.OPEN


def test_a_resident_posting_the_close_is_refused(client):
    consultation, _, _ = make_consultation()
    login(client, resident_of(consultation.area))
    page = f"/consultations/{consultation.id}"
    response = client.post(
        f"{page}/state",
        data={"csrf_token": csrf_token(client, page), "action": "close", "reason": REASON},
    )
    assert response.status_code == 403
    assert consultation.state is ConsultationState.OPEN
