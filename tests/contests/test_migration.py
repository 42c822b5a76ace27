"""Migration 0044 maps the stored outcomes of both contest tables to one vocabulary, and
back: a budget ballot's "upheld" (it stood) becomes "kept", while a paper vote's "upheld"
(the contest was upheld, the paper removed) becomes "removed"."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from civic import create_app
from civic.extensions import db
from tests.budgets.rounds_helpers import make_round

# the revision 0044 follows (0041's downgrade rebuilds user_account, which SQLite refuses
# while the round's rows point at it)
BEFORE = "0043_budget_paper"
OLD_BALLOTS = {"open": "open", "upheld": "kept", "voided": "removed"}
OLD_PAPERS = {"open": "open", "upheld": "removed", "rejected": "kept"}


def _states(table: str) -> dict[str, str]:
    """reason -> state: each row's reason names the state it was written with."""
    rows = db.session.execute(text(f"SELECT reason, state FROM {table}"))
    return dict(rows.all())


def _open_indexes(table: str) -> set[str]:
    rows = db.session.execute(text(f"PRAGMA index_list({table})"))
    return {row[1] for row in rows if row[1].endswith("_open")}


def test_0044_maps_old_states_and_back(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'civic.db'}"})
    with app.app_context():
        upgrade()
        round_, _officer, _projects = make_round()  # a round for the ballots' contests
        db.session.commit()
        downgrade(revision=BEFORE)
        for n, old in enumerate(OLD_BALLOTS):
            db.session.execute(
                text(
                    "INSERT INTO budget_ballot_contest (round_id, voter_key, reason, state, "
                    "created_at, response) VALUES (:round, :key, :reason, :state, "
                    "'2026-11-01 10:00:00', '')"
                ),
                {"round": round_.id, "key": f"k{n}", "reason": old, "state": old},
            )
        for n, old in enumerate(OLD_PAPERS):
            db.session.execute(
                text(
                    "INSERT INTO paper_contest (kind, subject_id, paper_number, voter_key, "
                    "reason, state, response, created_at) VALUES ('proposal', 1, :n, :key, "
                    ":reason, :state, '', '2026-11-01 10:00:00')"
                ),
                {"n": n + 1, "key": f"k{n}", "reason": old, "state": old},
            )
        db.session.commit()

        upgrade()
        assert _states("budget_ballot_contest") == OLD_BALLOTS
        assert _states("paper_contest") == OLD_PAPERS
        assert _open_indexes("budget_ballot_contest") == {"uq_budget_ballot_contest_open"}
        assert _open_indexes("paper_contest") == {"uq_paper_contest_open"}
        db.session.commit()

        downgrade(revision=BEFORE)
        assert _states("budget_ballot_contest") == {old: old for old in OLD_BALLOTS}
        assert _states("paper_contest") == {old: old for old in OLD_PAPERS}
        assert _open_indexes("budget_ballot_contest") == set()
        assert _open_indexes("paper_contest") == set()
        db.session.remove()
