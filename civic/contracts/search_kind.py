"""The contract register in site search: /search finds a contract by its title, service,
reference, provider and summary. Drafts are found only by moderators, like their pages."""

from __future__ import annotations

from civic.contracts.models import Contract, ContractState
from civic.search.registry import MODERATORS, PUBLIC, Document, Kind, Link, register

STATES = {
    ContractState.DRAFT.value: "Draft contract",
    ContractState.PUBLISHED.value: "Published contract",
    ContractState.TERMINATED.value: "Terminated contract",
}


def document(contract: Contract) -> Document:
    return Document(
        ref=str(contract.id),
        title=contract.title,
        body="\n\n".join(
            part
            for part in (
                contract.service,
                contract.reference,
                contract.provider.name if contract.provider else "",
                contract.summary,
            )
            if part
        ),
        audience=PUBLIC if contract.is_public else MODERATORS,
        state=contract.state.value,
        area_id=contract.area_id,
        link=Link("contracts.contract_detail", {"contract_id": str(contract.id)}),
    )


def register_kind() -> None:
    register(
        Kind("contract", "Contract", "Contracts", Contract, lambda c: str(c.id), document, STATES)
    )
