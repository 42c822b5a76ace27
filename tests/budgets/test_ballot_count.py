"""The round's kept ballot counts (`BudgetRound.ballots_cast`, issue 16) equal the ballots
themselves after every way a ballot comes or goes: a cast, a change, a withdrawal, a paper
ballot, a voided paper ballot, an import, and many casts at once on PostgreSQL."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from sqlalchemy import text, update

from civic.accounts.models import User
from civic.budgets import contests, services
from civic.budgets.models import BudgetRound
from civic.budgets.pabulib import parse_file
from civic.budgets.pabulib_io import import_round
from civic.contests import flow
from civic.extensions import db
from tests.budgets.conftest import DATA
from tests.budgets.rounds_helpers import enter_paper, make_round, resident_of
from tests.conftest import login
from tests.factories import AreaFactory, ModeratorFactory
from tests.queries import statements
from tests.races import all_at_once, many_residents, skip_without_postgres

ROOT = Path(__file__).resolve().parents[2]


def _kept_and_real(round_: BudgetRound) -> tuple[tuple[int, int], tuple[int, int]]:
    db.session.expire(round_)
    return services.ballot_count(round_), services.counted_ballots(round_)


def test_the_kept_count_follows_casts_changes_withdrawals_and_paper_ballots():
    round_, officer, (a, b, *_rest) = make_round()
    ann, bob, rita = (resident_of(round_.area) for _ in range(3))
    steps = [
        (lambda: services.cast_ballot(ann, round_, [(a.id, 1)]), (1, 0)),
        (lambda: services.cast_ballot(ann, round_, [(b.id, 1)]), (1, 0)),  # a change
        (lambda: services.cast_ballot(bob, round_, [(a.id, 1)]), (2, 0)),
        (lambda: enter_paper(officer, round_, [(a.id, 1)], rita), (3, 1)),
        (lambda: services.withdraw_ballot(ann, round_), (2, 1)),
        (lambda: services.cast_ballot(ann, round_, [(a.id, 1)]), (3, 1)),  # again
    ]
    for act, expected in steps:
        act()
        kept, real = _kept_and_real(round_)
        assert kept == real == expected


def test_a_voided_paper_ballot_leaves_the_kept_count():
    round_, officer, (a, *_rest) = make_round()
    rita = resident_of(round_.area)
    enter_paper(officer, round_, [(a.id, 1)], rita)
    services.cast_ballot(resident_of(round_.area), round_, [(a.id, 1)])
    contest = contests.contest_paper_ballot(rita, round_, "Not what I chose")
    flow.resolve(ModeratorFactory(), contest, "remove", "The form was not hers.")
    kept, real = _kept_and_real(round_)
    assert kept == real == (1, 0)


def test_an_imported_round_keeps_the_count_of_its_ballots():
    path = min(DATA.glob("*.pb"), key=lambda p: p.stat().st_size)
    pb = parse_file(path)
    round_ = import_round(pb, AreaFactory())
    kept, real = _kept_and_real(round_)
    assert kept == real == (len(pb.votes), 0)


@pytest.mark.commits
def test_simultaneous_casts_and_withdrawals_keep_the_count_exact(app):
    skip_without_postgres()
    round_, _officer, (a, b, *_rest) = make_round()
    people = many_residents(round_.area, 30)
    leaving = people[:10]
    for person in leaving:
        services.cast_ballot(person, round_, [(a.id, 1)])
    db.session.commit()
    round_id = round_.id
    user_ids = [p.id for p in people]

    def act(n: int) -> None:
        user = db.session.get(User, user_ids[n])
        round_ = db.session.get(BudgetRound, round_id)
        if n < 10:
            services.withdraw_ballot(user, round_)
        else:  # 20 new ballots
            services.cast_ballot(user, round_, [(b.id, 1)])

    errors = all_at_once(app, len(people), act)
    assert errors == []
    round_ = db.session.get(BudgetRound, round_id)
    kept, real = _kept_and_real(round_)
    assert kept == real == (20, 0)


def test_the_round_page_does_not_count_the_ballots(client):
    round_, officer, (a, *_rest) = make_round()
    services.cast_ballot(resident_of(round_.area), round_, [(a.id, 1)])
    login(client, officer)  # managers see the exact counts too
    with statements() as seen:
        page = client.get(f"/budgets/{round_.slug}")
    assert page.status_code == 200
    ballots = re.compile(r"count\(.*from budget_ballot\b", re.IGNORECASE | re.DOTALL)
    counting = [s for s in seen if ballots.search(s)]
    assert counting == []


def _migration():
    (path,) = (ROOT / "migrations" / "versions").glob("*_indexes.py")
    spec = importlib.util.spec_from_file_location("indexes_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migration_counts_the_ballots_of_existing_rounds():
    round_, officer, (a, *_rest) = make_round()
    for _ in range(3):
        services.cast_ballot(resident_of(round_.area), round_, [(a.id, 1)])
    enter_paper(officer, round_, [(a.id, 1)], resident_of(round_.area))
    db.session.execute(update(BudgetRound).values(ballots_cast=0, paper_ballots_cast=0))
    db.session.execute(text(_migration().BACKFILL))
    kept, real = _kept_and_real(round_)
    assert kept == real == (4, 1)
