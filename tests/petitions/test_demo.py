"""The demo's petitions: one open a signature short of its threshold, which the demo
resident can sign to make the council owe a response, and one the council answered."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from civic.extensions import db
from civic.petitions import services
from civic.petitions.models import Petition, PetitionState
from seeds import demo


@pytest.fixture
def seeded(app: Flask, monkeypatch, tmp_path) -> str:
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    monkeypatch.setitem(app.config, "MIN_ELECTORATE", 10)
    result = app.test_cli_runner().invoke(args=["civic", "seed"])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_demo_has_a_petition_near_its_threshold_and_one_answered(app, seeded) -> None:
    pool = db.session.scalar(select(Petition).where(Petition.title == demo.POOL_PETITION))
    toilets = db.session.scalar(select(Petition).where(Petition.title == demo.TOILETS_PETITION))
    assert toilets.state is PetitionState.OPEN and toilets.responded_at is not None
    assert toilets.first_reached_at < toilets.responded_at < toilets.response_due_at
    assert "reopen the Riverside Park toilets" in toilets.response
    assert pool.state is PetitionState.OPEN and pool.first_reached_at is None
    assert pool.signature_count == pool.first_threshold - 1
    sam = demo._user(demo.RESIDENT[0])
    assert services.can_sign_reason(pool, sam) is None
    assert services.sign(sam, pool).first
    # idempotent: a second run adds nothing
    assert demo._petitions() is False
