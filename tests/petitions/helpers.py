"""A petition in each state, built through the services."""

from __future__ import annotations

from civic.petitions import services
from civic.petitions.models import Petition
from tests.budgets.rounds_helpers import resident_of
from tests.factories import AreaFactory, ModeratorFactory


def pending(residents: int = 0, area=None) -> tuple[Petition, list]:
    """A petition waiting for moderation, started by the first of `residents` + 1 people."""
    area = area or AreaFactory()
    people = [resident_of(area) for _ in range(residents + 1)]
    petition = services.start(
        people[0],
        area,
        "Keep the Riverside pool in-house",
        "Keep the leisure centre pool run by the council.",
        "Outsourcing would cut the swimming lessons schools rely on.",
    )
    return petition, people


def open_petition(residents: int = 0, area=None) -> tuple[Petition, list]:
    petition, people = pending(residents, area)
    services.accept(ModeratorFactory(), petition)
    return petition, people
