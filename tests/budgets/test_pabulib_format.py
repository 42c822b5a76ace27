"""The Pabulib reader and writer: real files, round trips, quoting, line ends, bad input."""

from __future__ import annotations

from collections import Counter

import pytest

from civic.budgets.pabulib import PabulibError, PbFile, PbProject, PbVote, dump, parse, parse_file

from .conftest import pb_files

GOOD = """META
key;value
description;"Budget; with a ""quoted"" word"
budget;1000.0
vote_type;cumulative
PROJECTS
project_id;cost;name
p1;600;"Park; benches"
p2;400.0;Lights
VOTES
voter_id;vote;points;age
v1;p2,p1;2,1;30
v2;;;41
"""


@pytest.mark.parametrize("path", pb_files(), ids=lambda p: p.stem[:50])
def test_every_file_parses_round_trips_and_agrees_with_its_own_tallies(path):
    pb = parse_file(path)
    assert pb.projects and pb.votes and pb.budget > 0
    assert int(pb.meta["num_projects"]) == len(pb.projects)
    assert int(pb.meta["num_votes"]) == len(pb.votes)
    assert parse(dump(pb)) == pb
    # The file's own "votes"/"score" columns are an independent check of what we read.
    votes: Counter[str] = Counter()
    points: Counter[str] = Counter()
    for vote in pb.votes:
        for position, project_id in enumerate(vote.vote):
            votes[project_id] += 1
            if vote.points is not None:
                points[project_id] += vote.points[position]
    for project in pb.projects:
        assert int(project.fields["votes"]) == votes[project.project_id]
        if "points" in pb.vote_columns and "score" in project.fields:
            assert int(project.fields["score"]) == points[project.project_id]


def test_keeps_quoting_orders_extra_columns_and_empty_votes():
    pb = parse(GOOD)
    assert pb.meta["description"] == 'Budget; with a "quoted" word'
    assert pb.budget == 1000
    assert [p.project_id for p in pb.projects] == ["p1", "p2"]
    assert pb.projects[0] == PbProject("p1", 600, {"name": "Park; benches"})
    assert pb.projects[1].cost == 400
    assert pb.votes[0] == PbVote("v1", ("p2", "p1"), (2, 1), {"age": "30"})
    assert pb.votes[1] == PbVote("v2", (), (), {"age": "41"})
    assert pb.vote_columns == ("voter_id", "vote", "points", "age")
    text = dump(pb)
    assert '"Park; benches"' in text and '""quoted""' in text
    assert parse(text) == pb


def test_crlf_and_bom_read_the_same():
    crlf = "\ufeff" + GOOD.replace("\n", "\r\n")
    assert parse(crlf) == parse(GOOD)


def test_fractional_budget_rounds_down_and_is_kept_verbatim():
    pb = parse(GOOD.replace("budget;1000.0", "budget;2228141.75"))
    assert pb.budget == 2228141
    assert "budget;2228141.75" in dump(pb)


def test_dump_of_a_built_file_parses_back():
    pb = PbFile(
        {"budget": "10", "vote_type": "ordinal"},
        [PbProject("a", 5), PbProject("b", 7, {"name": 'say "hi"'})],
        [PbVote("1", ("b", "a")), PbVote("2", ("a",))],
        ("project_id", "cost", "name"),
        ("voter_id", "vote"),
    )
    again = parse(dump(pb))
    assert again.votes[0].vote == ("b", "a")
    assert again.projects[1].fields == {"name": 'say "hi"'}


def _replace(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (GOOD.replace("VOTES\n", "VOTERS\n"), 10, "PROJECTS row has 1 fields"),
        (GOOD[: GOOD.index("VOTES")], 10, "missing section VOTES"),
        (GOOD[GOOD.index("PROJECTS") :], 1, "missing section META"),
        (_replace("v1;p2,p1", "v1;p2,p9"), 12, "unknown project id 'p9'"),
        (_replace("p2;400.0", "p2;lots"), 9, "not a number"),
        (_replace("p2;400.0", "p2;400.5"), 9, "not a whole number"),
        (_replace("p2;400.0", "p1;400.0"), 9, "duplicate project id 'p1'"),
        (_replace("v2;;;41", "v1;;;41"), 13, "duplicate voter id 'v1'"),
        (_replace("v1;p2,p1;2,1", "v1;p2,p1;2"), 12, "points list has 1 entries, vote has 2"),
        (_replace("project_id;cost;name", "project_id;price;name"), 7, "required column cost"),
        (_replace("voter_id;vote;points", "voter;vote;points"), 11, "required column voter_id"),
        (_replace("voter_id;vote;points", "voter_id;ballot;points"), 11, "required column vote"),
        (_replace("project_id;cost;name", "id;cost;name"), 7, "required column project_id"),
        (_replace("budget;1000.0", "budget;a lot"), 4, "budget"),
        (_replace("p1;600;", "p1;600;x;"), 8, "4 fields, header has 3"),
        (GOOD + "PROJECTS\n", 14, "unexpected row after the VOTES section"),
    ],
)
def test_malformed_input_names_the_line(text, line, words):
    with pytest.raises(PabulibError) as caught:
        parse(text)
    assert caught.value.line_number == line
    message = str(caught.value)
    assert message.startswith(f"line {line}: ") and words in message
    assert "\n" not in message


def test_line_numbers_count_crlf_lines_once():
    with pytest.raises(PabulibError) as caught:
        parse(_replace("v1;p2,p1", "v1;p2,p9").replace("\n", "\r\n"))
    assert caught.value.line_number == 12


def test_non_utf8_file_is_refused_with_its_line(tmp_path):
    path = tmp_path / "bad.pb"
    path.write_bytes(GOOD.encode() + b"v3;p1;1;\xff\n")
    with pytest.raises(PabulibError) as caught:
        parse_file(path)
    assert caught.value.line_number == 14
