"""A Pabulib import writes its ballots with COPY (PostgreSQL) or executemany (SQLite) and
computes the results from the parsed file: the same ballots and results as the INSERTs and
read-back it replaced, on both databases (issue 16, "imports use PostgreSQL COPY")."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import insert, select

from civic import bulk
from civic.budgets import pabulib_io, services
from civic.budgets.models import Ballot, BallotEntry, RoundResult
from civic.budgets.pabulib import parse_file
from civic.budgets.services import input_digest, rule_input
from civic.extensions import db
from tests.factories import AreaFactory

from .conftest import DATA

FILES = ["Poland_Gdynia_2023_Pustki_Cisowskie-Demptowo__large.pb", "Netherlands_Assen_2024.pb"]


def _insert_as_before(table, columns, rows) -> None:
    model = Ballot if table is Ballot.__table__ else BallotEntry
    db.session.execute(insert(model), [dict(zip(columns, row, strict=True)) for row in rows])


def _stored(round_) -> tuple[Counter, dict, list]:
    """What an import leaves, apart from the random receipt codes and the voter keys (made
    from the round's slug): the ballots with their imported columns, the results' figures."""
    db.session.expire_all()
    rows = db.session.execute(
        select(Ballot.voter_key, Ballot.paper, Ballot.extra, Ballot.id).where(
            Ballot.round_id == round_.id
        )
    ).all()
    entries: dict[int, list] = {r.id: [] for r in rows}
    for ballot_id, project_id, rank, points in db.session.execute(
        select(BallotEntry.ballot_id, BallotEntry.project_id, BallotEntry.rank, BallotEntry.points)
        .join(Ballot, Ballot.id == BallotEntry.ballot_id)
        .where(Ballot.round_id == round_.id)
    ):
        entries[ballot_id].append((rank, project_id, points))
    external = {p.id: p.external_id for p in round_.projects}
    ballots = Counter(
        (
            r.paper,
            repr(sorted(r.extra.items())),
            tuple((rank, external[p], n) for rank, p, n in sorted(entries[r.id])),
        )
        for r in rows
    )
    result = db.session.get(RoundResult, round_.id)
    figures = {
        "selected": result.selected,
        "projects": result.projects,
        "ballots": result.ballots,
        "detail": result.detail,
        "cost": result.cost,
    }
    return ballots, figures, [p.status for p in round_.projects]


def test_copy_import_equals_the_insert_and_read_back_it_replaced(app, monkeypatch):
    for name in FILES:
        pb = parse_file(DATA / name)
        area = AreaFactory()
        new = pabulib_io.import_round(pb, area, slug=f"new-{name[:20].lower().replace('_', '-')}")
        with monkeypatch.context() as old_path:
            old_path.setattr(bulk, "insert_rows", _insert_as_before)
            old_path.setattr(pabulib_io, "_published", lambda round_, ballots: None)
            old = pabulib_io.import_round(
                pb, area, slug=f"old-{name[:20].lower().replace('_', '-')}"
            )
        db.session.commit()
        new_ballots, new_figures, new_status = _stored(new)
        old_ballots, old_figures, old_status = _stored(old)
        assert sum(new_ballots.values()) == len(pb.votes), name
        assert new_ballots == old_ballots, name
        assert new_figures == old_figures, name
        assert new_status == old_status, name
        # the parsed ballots the results came from are exactly what the database now gives
        result = db.session.get(RoundResult, new.id)
        instance, profile, _ = rule_input(new)
        assert result.input_digest == input_digest(instance, profile), name
        assert new.imported_ballots is None  # not left on the round


def test_bulk_insert_rows_writes_json_and_nulls_as_the_orm_would(app):
    area = AreaFactory()
    pb = parse_file(DATA / FILES[1])
    round_ = pabulib_io.import_round(pb, area, slug="json-check")
    db.session.commit()
    first = db.session.scalar(
        select(Ballot).where(Ballot.round_id == round_.id).order_by(Ballot.id).limit(1)
    )
    assert isinstance(first.extra, dict) and "voter_id" in first.extra
    assert first.entered_by_id is None and first.paper is False
    assert services.anonymised_ballots(round_)[0]["paper"] in (False, None)
