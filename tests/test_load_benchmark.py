"""The load benchmark's parts at a tiny scale (no timings): the data builder makes what
`benchmarks/load.py` measures, the signed-in cookie it hands locust casts a ballot that is
counted, and the baseline app answers from the database."""

from __future__ import annotations

import importlib
import sqlite3
from pathlib import Path

from sqlalchemy import func, select

from benchmarks.load_data import CHOICES, Scale, World, ballots_in, build, casters, signed_in
from civic.accounts.models import Eligibility, User
from civic.budgets.models import Ballot, BudgetRound
from civic.budgets.pabulib import parse_file
from civic.consultations.models import Consultation, Response
from civic.discussions.models import Thread
from civic.extensions import db

PB = Path(__file__).parent / "data" / "pabulib" / "Poland_Gdynia_2020_Kamienna_Gora__small.pb"


def _world() -> World:
    return build(Scale(residents=30, audited=3, comments=40, responses=20, casters=5), PB)


def _use(client, cookie: str) -> None:
    """Put the Cookie header locust sends into the test client's jar."""
    name, _, value = cookie.partition("=")
    client.set_cookie(name, value)


def test_builder_makes_the_data_set_the_pages_show(client):
    world = _world()
    assert db.session.scalar(select(func.count()).select_from(Eligibility)) == 30
    city = db.session.scalar(select(BudgetRound).where(BudgetRound.slug == world.big_round))
    ballots = db.session.scalar(
        select(func.count()).select_from(Ballot).where(Ballot.round_id == city.id)
    )
    assert ballots == len(parse_file(str(PB)).votes) > 0
    thread = db.session.scalar(select(Thread).where(Thread.subject_id == world.big_round))
    assert thread.comment_count == 40
    consultation = db.session.get(Consultation, world.consultation_id)
    assert consultation.state.value == "closed"
    responses = db.session.scalar(
        select(func.count())
        .select_from(Response)
        .where(Response.consultation_id == consultation.id)
    )
    assert responses == 20
    assert world.audit_seqs and all(seq >= 1 for seq in world.audit_seqs)
    for path in (
        f"/budgets/{world.big_round}",
        f"/consultations/{world.consultation_id}/analysis",
        f"/discussions/budget_round/{world.big_round}",
        f"/audit/entries/{world.audit_seqs[-1]}",
    ):
        assert client.get(path).status_code == 200, path


def test_signed_in_cookie_casts_a_counted_ballot(client, app):
    world = _world()
    (voter_id,) = casters(world, 1)
    cookie, token = signed_in(app, db.session.get(User, voter_id))
    path = f"/budgets/{world.voting_round}/ballot"
    _use(client, cookie)
    page = client.get(path)
    assert page.status_code == 200  # signed in, not sent to the sign-in page
    chosen = [str(world.voting_project_ids[i]) for i in CHOICES[0]]
    cast = client.post(path, data={"csrf_token": token, "project": chosen})
    assert cast.status_code == 302 and cast.headers["Location"].endswith(path)
    assert ballots_in(world.voting_round) == (1, 1)


def test_signed_in_cookie_with_a_wrong_token_casts_nothing(client, app):
    world = _world()
    (voter_id,) = casters(world, 1)
    cookie, _ = signed_in(app, db.session.get(User, voter_id))
    _, other_token = signed_in(app, db.session.get(User, voter_id))
    path = f"/budgets/{world.voting_round}/ballot"
    _use(client, cookie)
    cast = client.post(
        path, data={"csrf_token": other_token, "project": [str(world.voting_project_ids[0])]}
    )
    assert cast.status_code == 400
    assert ballots_in(world.voting_round) == (0, 0)


def test_baseline_answers_one_row(tmp_path, monkeypatch):
    path = tmp_path / "baseline.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE user_account (id INTEGER PRIMARY KEY, display_name TEXT)")
        conn.execute("INSERT INTO user_account VALUES (1, 'Ada <Lovelace>')")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("BASELINE_MAX_ID", "1")
    import benchmarks.load_baseline as baseline

    baseline = importlib.reload(baseline)
    answer = baseline.app.test_client().get("/")
    assert answer.status_code == 200
    assert b"Hello Ada &lt;Lovelace&gt;" in answer.data
    baseline.engine.dispose()
