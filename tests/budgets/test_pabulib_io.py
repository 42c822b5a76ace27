"""Pabulib files in and out of the database: every real file imports with its ballots and
results, survives import -> export -> import unchanged, and the ``flask civic pabulib`` and
``flask civic tally`` commands succeed or fail in one readable line.

Several tests here pin down bugs these files exposed: a ballot naming a project twice
(Seattle 2019), names and categories longer than their columns, META rules dropped on import,
slugs the audit log could not hold, blank ballots missing from the rule's input.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import selectinload

from civic.accounts.models import Area
from civic.audit.models import AuditEntry
from civic.budgets.models import Ballot, BallotEntry, BudgetRound, Project, RoundResult
from civic.budgets.pabulib import PbFile, PbVote, dump, parse, parse_file
from civic.budgets.pabulib_io import export_round, import_round
from civic.budgets.tally import compute_for_file
from civic.extensions import db
from civic.slugs import is_slug
from tests.factories import AreaFactory

from .conftest import DATA, pb_files

ASSEN = DATA / "Netherlands_Assen_2024.pb"
# The PROJECTS `selected` column of Assen 2024 (Method of Equal Shares with Add1).
ASSEN_WINNERS = {"2", "3", "5", "6", "9", "11", "12", "13", "14"}
GDYNIA_2023 = DATA / "Poland_Gdynia_2023_Pustki_Cisowskie-Demptowo__large.pb"
SEATTLE = (
    "US_Stanford_Dataset_Your_Voice_Your_Choice_Parks_and_Streets-_Seattle_2019_District_3_"
    "vote_knapsacks.pb"
)

# Files with 5,000 ballots or more: a few seconds each on SQLite, more on PostgreSQL.
SLOW_FILES = {
    "Poland_Poznan_2023_13_-_Jezyce_sw.Lazarz.pb",
    "Poland_Poznan_2023_3_-_Piatkowo_Polnoc_Piatkowo.pb",
    "Poland_Poznan_2023_6_-_Ogrody_Solacz_Winiary_Wola.pb",
    "Poland_Poznan_2026_13_-_Jezyce_Sw.Lazarz__large.pb",
    "Poland_Warszawa_2024_Ursynow.pb",
    "Poland_Wroclaw_2017_Rejon_nr_10_750.pb",
    "US_Stanford_Dataset_PB_Cambridge_2019_vote_approvals.pb",
}

# Files whose text tests a particular fix: SEATTLE's voter 119-429 names each of three projects
# twice ("1229,1229,1230,1230,1227,1227"); Katowice 2020 Podlesie has a 242-character name and
# Warszawa 2024 Praga-Polnoc an 87-character category (Project.title holds 200, category 80);
# POZNAN_2026_5's names make a default slug longer than an audit subject id (64).
POZNAN_2026_5 = "Poland_Poznan_2026_5_-_Grunwald_Polnoc_Grunwald_Poludnie_Stary_Grunwald__small.pb"


def _cases() -> list:
    cases = []
    for path in pb_files():
        marks = [pytest.mark.slow] if path.name in SLOW_FILES else []
        cases.append(pytest.param(path, id=path.stem[:50], marks=marks))
    return cases


# --- helpers -------------------------------------------------------------------------------


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _counts() -> dict[str, int]:
    models = (Area, BudgetRound, Project, Ballot, BallotEntry, RoundResult, AuditEntry)
    return {model.__name__: _count(model) for model in models}


def _stored_ballots(round_: BudgetRound) -> dict[str, tuple[dict, list[tuple[int, str, int]]]]:
    """voter_id -> (the ballot's other columns, [(rank, project_id, points)] by rank)."""
    ballots = {
        ballot_id: extra
        for ballot_id, extra in db.session.execute(
            select(Ballot.id, Ballot.extra).where(Ballot.round_id == round_.id)
        )
    }
    entries: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
    rows = db.session.execute(
        select(BallotEntry.ballot_id, BallotEntry.rank, Project.external_id, BallotEntry.points)
        .join(Project, Project.id == BallotEntry.project_id)
        .join(Ballot, Ballot.id == BallotEntry.ballot_id)
        .where(Ballot.round_id == round_.id, Project.round_id == round_.id)
    )
    for ballot_id, rank, project_id, points in rows:
        entries[ballot_id].append((rank, project_id, points))
    stored = {}
    for ballot_id, extra in ballots.items():
        fields = dict(extra)
        stored[fields.pop("voter_id")] = (fields, sorted(entries.pop(ballot_id, [])))
    assert not entries, "entries of ballots outside the round"
    return stored


def _entries(vote: PbVote) -> list[tuple[int, str, int]]:
    """[(rank, project_id, points)] a ballot should be stored as. A project the file names
    twice (one Seattle ballot) is stored once, at its first place, as the rules read it."""
    points = vote.points if vote.points is not None else (1,) * len(vote.vote)
    merged: dict[str, int] = {}
    for project_id, value in zip(vote.vote, points, strict=True):
        if project_id not in merged:
            merged[project_id] = value
        elif vote.points is not None:
            merged[project_id] += value
    return [(n, p, v) for n, (p, v) in enumerate(merged.items(), start=1)]


def _round_contents(round_: BudgetRound) -> tuple:
    """What a round holds from its file, without ids, slug and area."""
    columns = [
        "title",
        "description",
        "amount",
        "currency",
        "phase",
        "ballot_kind",
        "rule",
        "min_projects",
        "max_projects",
        "points",
        "max_points_per_project",
        "threshold",
        "extra",
    ]
    projects = db.session.execute(
        select(
            Project.position,
            Project.external_id,
            Project.title,
            Project.description,
            Project.cost,
            Project.category,
            Project.status,
            Project.extra,
        )
        .where(Project.round_id == round_.id)
        .order_by(Project.position)
    ).all()
    return [getattr(round_, c) for c in columns], [tuple(p) for p in projects]


def _load_ballots_with_entries(round_: BudgetRound) -> list[Ballot]:
    """The round's ballots with their entries, in two queries. While the caller holds them,
    export_round finds them in the session instead of loading each ballot's entries with a
    query of its own (see test_export_query_count_does_not_grow_with_the_ballots)."""
    return db.session.scalars(
        select(Ballot).where(Ballot.round_id == round_.id).options(selectinload(Ballot.entries))
    ).all()


def _assert_same_file(actual: PbFile, expected: PbFile) -> None:
    """Piece by piece, so a failure names the first difference instead of diffing 10k votes."""
    assert list(actual.meta.items()) == list(expected.meta.items())
    assert actual.project_columns == expected.project_columns
    assert actual.vote_columns == expected.vote_columns
    assert [p.project_id for p in actual.projects] == [p.project_id for p in expected.projects]
    for got, want in zip(actual.projects, expected.projects, strict=True):
        assert got == want
    assert len(actual.votes) == len(expected.votes)
    for got, want in zip(actual.votes, expected.votes, strict=True):
        assert got == want
    assert actual == expected


def _invoke(app, *args):
    return app.test_cli_runner().invoke(args=[str(a) for a in args])


def _one_line(output: str) -> str:
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    return lines[0]


# --- 1. every real file imports ------------------------------------------------------------


@pytest.mark.parametrize("path", _cases())
def test_every_file_imports_with_its_projects_ballots_and_results(path: Path):
    pb = parse_file(path)
    before = _counts()
    round_ = import_round(pb, AreaFactory())

    projects = db.session.execute(
        select(Project.position, Project.external_id, Project.cost)
        .where(Project.round_id == round_.id)
        .order_by(Project.position)
    ).all()
    assert [tuple(row) for row in projects] == [
        (n, p.project_id, p.cost * 100) for n, p in enumerate(pb.projects, start=1)
    ]
    assert round_.amount == pb.budget * 100

    stored = _stored_ballots(round_)
    assert len(stored) == len(pb.votes)
    for vote in pb.votes:
        fields, entries = stored[vote.voter_id]
        file_fields = {k: v for k, v in fields.items() if k in pb.vote_columns}
        assert (file_fields, entries) == (vote.fields, _entries(vote)), vote.voter_id

    result = db.session.get(RoundResult, round_.id)
    assert result is not None
    assert result.rule == round_.rule
    assert result.ballots == len(pb.votes)
    assert result.selected == list(compute_for_file(pb, round_.rule).selected)
    after = _counts()
    assert after["BudgetRound"] - before["BudgetRound"] == 1
    assert after["Project"] - before["Project"] == len(pb.projects)
    assert after["Ballot"] - before["Ballot"] == len(pb.votes)
    assert after["BallotEntry"] - before["BallotEntry"] == sum(len(_entries(v)) for v in pb.votes)
    actions = db.session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.subject_id == round_.slug)
        .order_by(AuditEntry.seq)
    ).all()
    assert actions == ["budget_round:import", "budget_round:results"]


# The round runs the rule its META names (the files' published winners are checked against our
# rules in test_pabulib_references); rules we do not run fall back to greedy.
OWN_RULE = [
    ("greedy", "greedy"),
    ("equalshares", "mes"),
    ("equalshares/add1", "mes-add1"),
    ("greedy-no-skip", "greedy-no-skip"),
    ("greedy-threshold", "greedy-threshold"),
    ("greedy-custom", "greedy"),
    ("unknown", "greedy"),
]


@pytest.mark.parametrize(("meta_rule", "rule"), OWN_RULE)
def test_imported_round_runs_the_rule_its_file_names(meta_rule: str, rule: str):
    # Gdynia 2023 (greedy-no-skip, threshold 50): greedy and greedy-no-skip fund different sets.
    pb = parse_file(GDYNIA_2023)
    pb = replace(pb, meta={**pb.meta, "rule": meta_rule})
    round_ = import_round(pb, AreaFactory())
    assert (round_.rule, round_.threshold) == (rule, 50)
    result = db.session.get(RoundResult, round_.id)
    assert result.selected == list(compute_for_file(pb, rule).selected)


def test_gdynia_2023_imports_with_its_published_winners():
    # greedy-no-skip stops at the first project that does not fit; plain greedy goes on to
    # fund a cheaper one that the city did not.
    pb = parse_file(GDYNIA_2023)
    official = {p.project_id for p in pb.projects if p.fields["selected"] == "1"}
    round_ = import_round(pb, AreaFactory())
    assert set(db.session.get(RoundResult, round_.id).selected) == official


def test_greedy_threshold_without_a_threshold_falls_back_to_greedy():
    pb = parse_file(ASSEN)
    assert "min_project_score_threshold" not in pb.meta
    round_ = import_round(replace(pb, meta={**pb.meta, "rule": "greedy-threshold"}), AreaFactory())
    assert (round_.rule, round_.threshold) == ("greedy", None)
    assert db.session.get(RoundResult, round_.id).selected == list(
        compute_for_file(pb, "greedy").selected
    )


def _with_blank_ballots(pb: PbFile, rule: str) -> PbFile:
    blanks = [PbVote(f"blank-{n}", ()) for n in range(40)]
    votes = [*pb.votes, *blanks]
    return replace(pb, meta={**pb.meta, "rule": rule, "num_votes": str(len(votes))}, votes=votes)


def test_blank_ballots_are_kept_and_exported():
    pb = _with_blank_ballots(parse_file(ASSEN), "equalshares/add1")
    round_ = import_round(pb, AreaFactory())
    assert db.session.get(RoundResult, round_.id).ballots == 84 + 40
    db.session.expire_all()
    _assert_same_file(parse(dump(export_round(round_))), pb)


def test_blank_ballots_count_as_voters_as_they_do_in_the_file():
    # With 40 blank ballots among 124 voters MES gives each voter less money: 5 winners
    # instead of 7 (pabutools counts blank ballots as voters too).
    pb = _with_blank_ballots(parse_file(ASSEN), "equalshares")
    round_ = import_round(pb, AreaFactory())
    assert db.session.get(RoundResult, round_.id).selected == list(
        compute_for_file(pb, "mes").selected
    )


def test_every_files_default_slug_is_a_valid_round_slug():
    naming = ("country", "unit", "subunit", "instance")
    assen = parse_file(ASSEN)
    body = {k: v for k, v in assen.meta.items() if k not in naming} | {"rule": "greedy"}
    bad = {}
    for path in pb_files():
        names = {k: v for k, v in parse_file(path).meta.items() if k in naming}
        pb = replace(assen, meta={**body, **names}, votes=assen.votes[:5])
        slug = import_round(pb, AreaFactory()).slug
        if not is_slug(slug):
            bad[path.name] = slug
    assert bad == {}


def test_cli_import_refuses_a_slug_that_is_not_one(app):
    before = _counts()
    result = _invoke(app, "civic", "pabulib", "import", ASSEN, "--slug", "Not a slug!")
    assert result.exit_code == 1
    assert _one_line(result.output).startswith("Error: ")
    assert _counts() == before


def test_a_ballot_naming_a_project_twice_counts_it_once_and_exports_as_written():
    pb = parse_file(DATA / SEATTLE)
    vote = next(v for v in pb.votes if v.voter_id == "119-429")
    assert vote.vote == ("1229", "1229", "1230", "1230", "1227", "1227")
    round_ = import_round(pb, AreaFactory())
    _, entries = _stored_ballots(round_)["119-429"]
    assert entries == [(1, "1229", 1), (2, "1230", 1), (3, "1227", 1)]
    db.session.expire_all()
    exported = parse(dump(export_round(round_)))
    assert next(v for v in exported.votes if v.voter_id == "119-429") == vote


def test_long_names_fit_their_columns_and_export_in_full():
    pb = parse_file(DATA / "Poland_Katowice_2020_Podlesie.pb")
    longest = max(pb.projects, key=lambda p: len(p.fields["name"]))
    assert len(longest.fields["name"]) == 242
    round_ = import_round(pb, AreaFactory())
    stored = db.session.scalars(
        select(Project).where(
            Project.round_id == round_.id, Project.external_id == longest.project_id
        )
    ).one()
    assert stored.title == longest.fields["name"][:200]
    db.session.expire_all()
    exported = parse(dump(export_round(round_)))
    again = next(p for p in exported.projects if p.project_id == longest.project_id)
    assert again.fields["name"] == longest.fields["name"]


def test_a_long_place_name_makes_a_slug_the_audit_log_can_hold():
    round_ = import_round(parse_file(DATA / POZNAN_2026_5), AreaFactory())
    assert is_slug(round_.slug)
    assert round_.slug.startswith("poland-poznan-2026-5-grunwald-polnoc")
    trail = db.session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.subject_id == round_.slug)
        .order_by(AuditEntry.seq)
    ).all()
    assert trail == ["budget_round:import", "budget_round:results"]


# --- 2. import -> export -> import ---------------------------------------------------------


@pytest.mark.parametrize("path", _cases())
def test_export_gives_back_the_imported_file(path: Path):
    original = parse_file(path)
    round_ = import_round(original, AreaFactory())
    db.session.expire_all()  # export what the database holds, not what is in memory
    loaded = _load_ballots_with_entries(round_)
    exported = parse(dump(export_round(round_)))
    del loaded
    _assert_same_file(exported, original)


# Since the export parses equal to the file (above, for every file), importing it again is
# importing the file again, which test_every_file_imports_... checks; here the second import
# is compared with the first for one file of each vote type.
@pytest.mark.parametrize(
    "name",
    [
        "Netherlands_Assen_2024.pb",  # approval
        "Poland_Gdansk_2020_Aniolki.pb",  # cumulative, extra voter columns
        "Worldwide_Mechanical_Turk_Ranking_value_7.pb",  # ordinal
        "Poland_Wroclaw_2018_Rejon_nr_8_250.pb",  # choose-1
    ],
)
def test_import_export_import_gives_the_same_round(name: str):
    first = import_round(parse_file(DATA / name), AreaFactory())
    db.session.expire_all()
    second = import_round(parse(dump(export_round(first))), AreaFactory(), slug="round-trip")
    assert _round_contents(second) == _round_contents(first)
    assert _stored_ballots(second) == _stored_ballots(first)
    first_result = db.session.get(RoundResult, first.id)
    second_result = db.session.get(RoundResult, second.id)
    assert (second_result.selected, second_result.input_digest, second_result.projects) == (
        first_result.selected,
        first_result.input_digest,
        first_result.projects,
    )


def test_export_query_count_does_not_grow_with_the_ballots():
    round_ = import_round(parse_file(ASSEN), AreaFactory())  # 84 ballots
    db.session.expire_all()
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    connection = db.session.connection()
    event.listen(connection, "before_cursor_execute", count)
    try:
        pb = export_round(round_)
    finally:
        event.remove(connection, "before_cursor_execute", count)
    assert len(pb.votes) == 84
    assert len(statements) <= 10, f"{len(statements)} statements"


# --- 3. the commands -----------------------------------------------------------------------


def test_cli_import_prints_a_summary_and_creates_the_round(app):
    area = AreaFactory()
    result = _invoke(app, "civic", "pabulib", "import", ASSEN, "--area", area.slug)
    assert result.exit_code == 0, result.output
    assert result.output == "Imported netherlands-assen-2024: 14 projects, 84 ballots.\n"
    round_ = db.session.scalars(select(BudgetRound)).one()
    assert (round_.slug, round_.area_id, round_.rule) == (
        "netherlands-assen-2024",
        area.id,
        "mes-add1",
    )
    assert [p.external_id for p in round_.projects][:3] == ["3", "9", "8"]
    assert len(round_.projects) == 14
    assert _count(Ballot) == 84
    assert set(db.session.get(RoundResult, round_.id).selected) == ASSEN_WINNERS


def test_cli_import_makes_an_area_from_meta_when_none_is_given(app):
    result = _invoke(app, "civic", "pabulib", "import", ASSEN, "--slug", "assen")
    assert result.exit_code == 0, result.output
    assert result.output == "Imported assen: 14 projects, 84 ballots.\n"
    round_ = db.session.scalars(select(BudgetRound).where(BudgetRound.slug == "assen")).one()
    assert (round_.area.slug, round_.area.name) == ("assen", "Assen")


def test_cli_import_makes_an_area_for_a_non_ascii_unit(app):
    result = _invoke(app, "civic", "pabulib", "import", DATA / "Poland_Lodz_2024_Ruda.pb")
    assert result.exit_code == 0, result.output
    round_ = db.session.scalars(select(BudgetRound)).one()
    assert round_.area.name == "Łódź"
    assert is_slug(round_.area.slug)


@pytest.mark.parametrize("second_area", ["given", "from-meta"])
def test_cli_import_of_a_taken_slug_fails_in_one_line_and_writes_nothing(app, second_area):
    area = AreaFactory()
    first = _invoke(app, "civic", "pabulib", "import", ASSEN, "--area", area.slug, "--slug", "a")
    assert first.exit_code == 0, first.output
    before = _counts()
    # Without --area the command first creates an area for the file: that must go too.
    area_args = ["--area", area.slug] if second_area == "given" else []
    again = _invoke(app, "civic", "pabulib", "import", ASSEN, *area_args, "--slug", "a")
    assert again.exit_code == 1
    assert _one_line(again.output) == "Error: A round called 'a' already exists"
    assert _counts() == before


def test_cli_import_into_an_unknown_area_fails_in_one_line(app):
    before = _counts()
    result = _invoke(app, "civic", "pabulib", "import", ASSEN, "--area", "nowhere")
    assert result.exit_code == 1
    assert _one_line(result.output) == "Error: no area 'nowhere'"
    assert _counts() == before


@pytest.mark.parametrize(
    "name",
    [
        "Netherlands_Assen_2024.pb",  # approval, extra project columns
        "Poland_Gdansk_2020_Aniolki.pb",  # cumulative: points, extra voter columns
        "Worldwide_Mechanical_Turk_Ranking_value_7.pb",  # ordinal: the order of each ballot
    ],
)
def test_cli_export_writes_a_file_equal_to_the_one_imported(app, tmp_path, name):
    path = DATA / name
    area = AreaFactory()
    imported = _invoke(
        app, "civic", "pabulib", "import", path, "--area", area.slug, "--slug", "exported"
    )
    assert imported.exit_code == 0, imported.output
    out = tmp_path / "round.pb"
    result = _invoke(app, "civic", "pabulib", "export", "exported", "-o", out)
    assert result.exit_code == 0, result.output
    assert result.output == f"Wrote {out}\n"
    _assert_same_file(parse_file(out), parse_file(path))
    to_stdout = _invoke(app, "civic", "pabulib", "export", "exported")
    assert to_stdout.exit_code == 0
    assert to_stdout.output == out.read_text(encoding="utf-8")


def test_cli_export_of_an_unknown_round_fails_in_one_line(app, tmp_path):
    out = tmp_path / "round.pb"
    result = _invoke(app, "civic", "pabulib", "export", "no-such-round", "-o", out)
    assert result.exit_code == 1
    assert _one_line(result.output).startswith("Error: ")
    assert not out.exists()


def test_cli_tally_json_gives_assens_published_winners(app):
    pb = parse_file(ASSEN)
    assert {p.project_id for p in pb.projects if p.fields["selected"] == "1"} == ASSEN_WINNERS
    before = _counts()
    result = _invoke(app, "civic", "tally", ASSEN, "--rule", "mes-add1", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(_one_line(result.output))
    assert set(report) == {"selected", "cost", "rule", "seconds"}
    assert set(report["selected"]) == ASSEN_WINNERS
    assert len(report["selected"]) == len(ASSEN_WINNERS)
    costs = {p.project_id: p.cost for p in pb.projects}
    assert report["cost"] == sum(costs[p] for p in ASSEN_WINNERS) == 76_700
    assert report["rule"] == "mes-add1"
    assert isinstance(report["seconds"], float) and 0 <= report["seconds"] < 60
    assert _counts() == before


def test_cli_tally_text_lists_the_winners(app):
    result = _invoke(app, "civic", "tally", ASSEN, "--rule", "mes-add1")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("mes-add1: 9 projects, cost 76,700 of 100,000 (")
    assert {line.strip() for line in lines[1:]} == ASSEN_WINNERS


def _malformed_variants() -> list:
    """(text, line the error must name, message): Assen 2024 broken in one place."""
    lines = ASSEN.read_text(encoding="utf-8").splitlines()
    votes_at = lines.index("VOTES")
    cost_at = next(n for n, line in enumerate(lines) if line.startswith("7;12000;"))
    vote_at = votes_at + 5

    def text(changed: list[str]) -> str:
        return "\r\n".join(changed) + "\r\n"

    no_votes = lines[:votes_at]
    bad_cost = [*lines]
    bad_cost[cost_at] = bad_cost[cost_at].replace(";12000;", ";twelve thousand;")
    unknown_project = [*lines]
    voter, _ = unknown_project[vote_at].split(";")
    unknown_project[vote_at] = f"{voter};3,99,13"
    return [
        # the section is missing at the end of the file, the line after the last
        pytest.param(text(no_votes), votes_at + 1, "missing section VOTES", id="no-votes"),
        pytest.param(
            text(unknown_project),
            vote_at + 1,
            "vote names unknown project id '99'",
            id="unknown-project",
        ),
        pytest.param(
            text(bad_cost),
            cost_at + 1,
            "cost of project '7' 'twelve thousand' is not a number",
            id="bad-cost",
        ),
    ]


@pytest.mark.parametrize(("text", "line", "message"), _malformed_variants())
def test_cli_tally_refuses_a_malformed_file_in_one_line(app, tmp_path, text, line, message):
    path = tmp_path / "broken.pb"
    path.write_bytes(text.encode())
    before = _counts()
    result = _invoke(app, "civic", "tally", path, "--rule", "greedy", "--json")
    assert result.exit_code == 2
    assert _one_line(result.output) == f"{path}: line {line}: {message}"
    assert _counts() == before


@pytest.mark.parametrize(("text", "line", "message"), _malformed_variants())
@pytest.mark.parametrize("area_args", [[], ["--area", "given"]], ids=["from-meta", "given"])
def test_cli_import_refuses_a_malformed_file_and_writes_nothing(
    app, tmp_path, text, line, message, area_args
):
    AreaFactory(slug="given")
    path = tmp_path / "broken.pb"
    path.write_bytes(text.encode())
    before = _counts()
    result = _invoke(app, "civic", "pabulib", "import", path, *area_args, "--slug", "broken")
    assert result.exit_code == 2
    assert _one_line(result.output) == f"{path}: line {line}: {message}"
    assert _counts() == before


def test_cli_tally_of_a_missing_file_exits_2_in_one_line(app, tmp_path):
    result = _invoke(app, "civic", "tally", tmp_path / "none.pb", "--rule", "greedy")
    assert result.exit_code == 2
    assert "cannot read the file" in _one_line(result.output)


def test_cli_tally_of_a_rule_the_file_cannot_run_exits_2_in_one_line(app):
    # greedy-threshold needs META min_project_score_threshold, which Assen does not have.
    result = _invoke(app, "civic", "tally", ASSEN, "--rule", "greedy-threshold")
    assert result.exit_code == 2
    assert _one_line(result.output) == f"{ASSEN}: greedy-threshold needs a threshold"


# --- 4. an unknown rule --------------------------------------------------------------------


def test_cli_tally_of_an_unknown_rule_is_a_usage_error(app):
    result = _invoke(app, "civic", "tally", ASSEN, "--rule", "borda")
    assert result.exit_code == 2
    assert result.output.startswith("Usage: ")
    assert "Invalid value for '--rule': 'borda' is not one of" in result.output
    assert "'mes-add1'" in result.output


def test_cli_import_uses_an_area_of_the_same_name_under_another_slug(app):
    area = AreaFactory(name="Assen", slug="gemeente-assen")
    result = _invoke(app, "civic", "pabulib", "import", ASSEN, "--slug", "assen-again")
    assert result.exit_code == 0, result.output
    round_ = db.session.scalars(select(BudgetRound).where(BudgetRound.slug == "assen-again")).one()
    assert round_.area_id == area.id
    assert _count(Area) == 1
