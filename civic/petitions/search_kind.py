"""Petitions in site search: found by title, what they ask and why, and the council's
response. A petition waiting for its check is found by moderators only, like its page."""

from __future__ import annotations

from civic.petitions.models import Petition, PetitionState
from civic.search.registry import MODERATORS, PUBLIC, Document, Kind, Link, register

STATES = {
    PetitionState.PENDING.value: "Petition waiting for a check",
    PetitionState.OPEN.value: "Open petition",
    PetitionState.CLOSED.value: "Closed petition",
    PetitionState.REFUSED.value: "Refused petition",
}


def document(petition: Petition) -> Document:
    return Document(
        ref=str(petition.id),
        title=petition.title,
        body="\n\n".join(
            part
            for part in (petition.asks, petition.why, petition.refusal_reason, petition.response)
            if part
        ),
        audience=MODERATORS if petition.state is PetitionState.PENDING else PUBLIC,
        state=petition.state.value,
        area_id=petition.area_id,
        link=Link("petitions.detail", {"petition_id": str(petition.id)}),
    )


def register_kind() -> None:
    register(
        Kind("petition", "Petition", "Petitions", Petition, lambda p: str(p.id), document, STATES)
    )
