"""The command line's quick paths give exactly what the plain ones give.

- ``pabulib.count`` (the VOTES section cut with ``str.split`` and counted with ``Counter``)
  equals counting what ``parse`` reads, and raises the same error at the same line, on edited
  files of every kind and on every real file; the quick path is really taken on plain files.
- ``Profile.from_counts`` for approval ballots (a chain of C calls) equals normalising each
  ballot one by one.
- MES on approval ballots (each distinct ballot one group, no Python loop) gives the outcome
  the general grouping gives: the same ballots as ranked ballots, which MES approves alike.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civic.budgets import pabulib, rules
from civic.budgets.pabulib import PabulibError, PbCount, count, parse
from civic.budgets.rules import Instance, Profile, compute

from .conftest import pb_files
from .test_pabulib_fast_reader import BASES, TOKENS

PLAIN_BASES = [
    # quoting and a field over two lines in PROJECTS, plain CRLF votes with repeats
    "\ufeffMETA\r\nkey;value\r\nbudget;10\r\nPROJECTS\r\nproject_id;cost;name\r\n"
    'a;5;"two\r\nlines; one"\r\nb;7;x\r\nc;2;y\r\nVOTES\r\nvoter_id;vote;sex\r\n'
    "1;a,b;F\r\n2;a,b;M\r\n3;b;F\r\n4;b,a;F\r\n5;c;M\r\n6;;F\r\n",
    # points, the voter id not first, no final line end
    "META\nkey;value\nbudget;100\nvote_type;cumulative\nPROJECTS\nproject_id;cost\n"
    "x;30\ny;40\nVOTES\nvote;points;voter_id\nx,y;1,2;v1\ny;3;v2\nx,y;1,2;v3\nx, y;1,2;v4",
    # approval ballots whose items need stripping
    "META\nkey;value\nbudget;9\nPROJECTS\nproject_id;cost\np;3\nq;4\nVOTES\n"
    "voter_id;vote\n1; p ,q\n2;p,q\n3;q\n",
]


def _outcome(reader, text: str):
    try:
        return ("file", reader(text))
    except PabulibError as error:
        return ("error", error.message, error.line_number)
    except Exception as error:  # anything else must at least be the same thing
        return ("raised", type(error).__name__, str(error))


def _counted_by_parse(text: str) -> PbCount:
    return PbCount.of(parse(text))


@st.composite
def edited(draw) -> str:
    text = draw(st.sampled_from(BASES + PLAIN_BASES))
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.sampled_from(range(len(text) + 1)))
        if draw(st.booleans()):
            text = text[:at] + draw(st.sampled_from(TOKENS)) + text[at:]
        else:
            text = text[:at] + text[at + draw(st.integers(1, 12)) :]
    return text


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edited())
def test_count_equals_counting_what_parse_reads(text):
    assert _outcome(count, text) == _outcome(_counted_by_parse, text)


@pytest.mark.parametrize("text", PLAIN_BASES, ids=["crlf-quoted-head", "points", "spaces"])
def test_plain_files_take_the_quick_path_and_count_right(text):
    assert pabulib._count_plain(text.removeprefix("\ufeff")) is not None
    assert count(text) == _counted_by_parse(text)


def test_the_quick_path_counts_ballots_by_their_items():
    counted = count(PLAIN_BASES[0])
    assert counted.cast == {
        (("a", "b"), None): 2,
        (("b",), None): 1,
        (("b", "a"), None): 1,  # the file's order is kept; the rules make it a set
        (("c",), None): 1,
        ((), None): 1,
    }
    assert counted.head.votes == []
    assert counted.head.projects[0].fields["name"] == "two\r\nlines; one"
    assert count(PLAIN_BASES[2]).cast == {(("p", "q"), None): 2, (("q",), None): 1}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("2;a,b;M", "1;a,b;M"), ("duplicate voter id '1'", 13)),
        (("3;b;F", " ;b;F"), ("empty voter_id", 14)),
        (("5;c;M", "5;c,z;M"), ("vote names unknown project id 'z'", 16)),
        (("4;b,a;F", "4;b,a"), ("VOTES row has 2 fields, header has 3", 15)),
        (("3;b;F", "META;;"), ("unexpected row after the VOTES section", 14)),
        (("5;c;M", '5;"c";M'), None),  # quoted: parse reads it, the quick path leaves it
    ],
)
def test_faults_in_a_plain_votes_section_are_parses_errors(change, message):
    text = PLAIN_BASES[0].replace(*change)
    assert pabulib._count_plain(text) is None
    got = _outcome(count, text)
    assert got == _outcome(_counted_by_parse, text)
    if message is not None:
        assert got == ("error", *message)


@pytest.mark.parametrize("path", pb_files(), ids=lambda p: p.stem[:50])
def test_real_files_count_as_parse_reads_them(path):
    text = path.read_bytes().decode("utf-8-sig")
    assert count(text) == _counted_by_parse(text)


def test_the_largest_real_files_take_the_quick_path():
    plain = [p for p in pb_files() if pabulib._count_plain(p.read_text("utf-8-sig"))]
    assert len(plain) >= len(pb_files()) // 2, "the quick path is hardly ever taken"


# --- Profile.from_counts and MES groups ---------------------------------------------------

ITEMS = st.lists(st.sampled_from("abcde"), max_size=4).map(tuple)


def _normalised_one_by_one(vote_type: str, cast) -> dict:
    counts: Counter = Counter()
    for (projects, points), voters in cast.items():
        counts[rules._normalise(vote_type, projects, points)] += voters
    return dict(counts)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["approval", "choose-1"]),
    st.dictionaries(st.tuples(ITEMS, st.none()), st.integers(1, 5), max_size=8),
)
def test_approval_profiles_normalise_as_one_by_one(vote_type, cast):
    profile = Profile.from_counts(vote_type, cast)
    expected = _normalised_one_by_one(vote_type, cast)
    assert profile.ballots == expected
    assert list(profile.ballots) == list(expected)  # first appearance order, too


def test_approval_and_ranked_ballots_give_the_same_mes_outcome_ties_included():
    """Random small instances, many with ties (equal costs, equal support): MES approves
    every ranked project, so ranked ballots (grouped the general way, each ranking sorted
    into a set) must give the approval ballots' outcome (each ballot its own group)."""
    rng = random.Random(16)
    for _ in range(300):
        costs = {f"p{j}": rng.choice([1, 2, 2, 3, 4, 6]) for j in range(rng.randint(2, 6))}
        votes = []
        for _ in range(rng.randint(1, 12)):
            chosen = [p for p in costs if rng.random() < 0.5]
            rng.shuffle(chosen)
            votes.append((tuple(chosen), None))
        instance = Instance(costs, rng.choice([2, 3, 5, 8, 13]))
        approval = Profile.from_votes("approval", votes)
        ranked = Profile.from_votes("ordinal", votes)
        for rule in ("mes", "mes-add1"):
            assert compute(instance, approval, rule) == compute(instance, ranked, rule)
