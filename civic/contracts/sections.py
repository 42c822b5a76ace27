"""Parts of the contract page contributed by the other parts of the domain (performance,
information requests, recall, review), so the page stays one template that each part
extends without editing it.

A part registers a template and a loader; the contract page calls every loader with the
contract and the viewer and includes each template with what its loader returned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from civic.accounts.models import User
    from civic.contracts.models import Contract

Loader = Callable[["Contract", "User | None"], dict[str, Any]]


@dataclass(frozen=True)
class Section:
    order: int  # position on the page, lowest first
    template: str
    load: Loader


_SECTIONS: dict[str, Section] = {}


def section(name: str, template: str, order: int) -> Callable[[Loader], Loader]:
    def register(load: Loader) -> Loader:
        _SECTIONS[name] = Section(order, template, load)
        return load

    return register


def render_context(contract: Contract, viewer: User | None) -> list[tuple[str, dict[str, Any]]]:
    """(template, context) for every registered section, in page order."""
    return [
        (s.template, s.load(contract, viewer))
        for s in sorted(_SECTIONS.values(), key=lambda s: s.order)
    ]


JsonPart = Callable[["Contract"], dict[str, Any]]
_JSON_PARTS: dict[str, JsonPart] = {}


def json_part(name: str) -> Callable[[JsonPart], JsonPart]:
    """Register what a part adds to `/api/v1/contracts/<id>` under the key `name`
    (KPIs, standards reports, information requests, recall ...)."""

    def register(build: JsonPart) -> JsonPart:
        _JSON_PARTS[name] = build
        return build

    return register


def json_parts(contract: Contract) -> dict[str, Any]:
    return {name: build(contract) for name, build in sorted(_JSON_PARTS.items())}
