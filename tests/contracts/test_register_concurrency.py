"""Moderators changing one published contract at the same moment (PostgreSQL, real
threads): the contract row is the serialisation point, so versions stay gap-free and a
form opened before someone else's change is refused, never silently applied over it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from civic.accounts.models import User
from civic.contracts import services, versions
from civic.contracts.models import Contract
from civic.errors import Conflict
from civic.extensions import db
from tests.contracts.register_helpers import published
from tests.factories import ModeratorFactory
from tests.races import all_at_once, log_of, skip_without_postgres

WORKERS = 12


def _setup():
    moderator = ModeratorFactory()
    contract = published(moderator)
    db.session.commit()
    return moderator.id, contract.id


def _change(moderator_id: int, contract_id: int, n: int, expected: int | None) -> None:
    moderator = db.session.get(User, moderator_id)
    contract = db.session.get(Contract, contract_id)
    given = services.as_input(contract)
    given.title = f"Leisure centre management (variation {n})"
    services.update_contract(
        moderator, contract, given, f"Variation number {n} agreed", expected_version=expected
    )


@pytest.mark.commits
def test_simultaneous_changes_make_gap_free_versions(app):
    skip_without_postgres()
    moderator_id, contract_id = _setup()
    errors = all_at_once(app, WORKERS, lambda n: _change(moderator_id, contract_id, n, None))
    assert errors == []
    db.session.expire_all()
    kept = versions.history(contract_id)
    assert [v.version for v in kept] == list(range(1, WORKERS + 2))
    assert db.session.get(Contract, contract_id).version == WORKERS + 1
    updates = [
        d for _, action, d in log_of("contract", str(contract_id)) if action == "contract:update"
    ]
    assert sorted(d["version"] for d in updates) == list(range(2, WORKERS + 2))
    by_version = {v.version: v.body_sha256 for v in kept}
    assert all(by_version[d["version"]] == d["body_sha256"] for d in updates)


@pytest.mark.commits
def test_forms_opened_at_version_one_only_one_change_wins(app):
    skip_without_postgres()
    moderator_id, contract_id = _setup()
    errors = all_at_once(app, WORKERS, lambda n: _change(moderator_id, contract_id, n, 1))
    assert len(errors) == WORKERS - 1 and all(isinstance(e, Conflict) for e in errors)
    db.session.expire_all()
    assert [v.version for v in versions.history(contract_id)] == [1, 2]
    assert db.session.scalar(select(Contract.version).where(Contract.id == contract_id)) == 2
