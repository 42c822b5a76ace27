"""The fast Pabulib reader reads exactly what the plain row-by-row one did: the same file for
every good input, the same message and line number for every bad one (CRLF, quoting, blank
lines, BOM, every DESIGN §5 rule). The plain reader is kept in ``pabulib_reference.py``."""

from __future__ import annotations

import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civic.budgets import pabulib
from civic.budgets.pabulib import PabulibError, parse

from . import pabulib_reference
from .conftest import pb_files
from .test_pabulib_format import GOOD

BASES = [
    # cumulative, quoting, an extra column, an empty ballot, spaces around the items
    GOOD + "v3;p1, p2 ;1, 3;52\n",
    # approval with CRLF, blank lines, a field running over two lines, repeated ballots
    "\ufeffMETA\r\nkey;value\r\nbudget;10\r\n\r\nPROJECTS\r\nproject_id;cost;name\r\n"
    'a;5;"two\r\nlines"\r\nb;7;x\r\n;;\r\nVOTES\r\nvoter_id;vote;sex\r\n'
    "1;a,b;F\r\n2;a,b;M\r\n3;b;F\r\n4;a,b;F\r\n",
    # ordinal, votes before the other columns, lone CR line ends
    "META\rkey;value\rbudget;100\rvote_type;ordinal\rPROJECTS\rcost;project_id\r"
    "30;x\r40;y\r50;z\rVOTES\rvote;voter_id;district\rz,x;1;N\rx;2;S\rz,x;3;N\r",
]

# what a broken or unusual file may hold
TOKENS = [
    ";", ",", '"', '""', "\n", "\r\n", "\r", " ", "\t", "\u00a0", "\u2028", "\x1c", "\x00",
    "\ufeff", "META", "PROJECTS", "VOTES", "votes", "points", "p1", "p9", "a", "v1", "1",
    "-2", "+3", "2.0", "2.5", "1e3", "1_000", "\u0663", "x", "key;value", "project_id",
    "voter_id", "vote",
]  # fmt: skip


def _outcome(reader, text: str):
    """What a reader makes of ``text``: the file, or the error's kind, message and line."""
    try:
        return ("file", reader(text))
    except PabulibError as error:
        return ("error", error.message, error.line_number)
    except Exception as error:  # anything else must at least be the same thing
        return ("raised", type(error).__name__, str(error))


@st.composite
def edited(draw) -> str:
    text = draw(st.sampled_from(BASES))
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.sampled_from(range(len(text) + 1)))  # uniform, unlike integers()
        if draw(st.booleans()):
            text = text[:at] + draw(st.sampled_from(TOKENS)) + text[at:]
        else:
            text = text[:at] + text[at + draw(st.integers(1, 12)) :]
    return text


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edited())
def test_edited_files_read_the_same_as_the_plain_reader(text):
    assert _outcome(parse, text) == _outcome(pabulib_reference.parse, text)


@pytest.mark.parametrize("text", BASES, ids=["cumulative", "approval-crlf", "ordinal-cr"])
def test_the_base_files_are_good_files(text):
    # so the edited variants above start from files both readers accept
    assert _outcome(parse, text)[0] == "file"
    assert _outcome(parse, text) == _outcome(pabulib_reference.parse, text)


@pytest.mark.parametrize("path", pb_files(), ids=lambda p: p.stem[:50])
def test_real_files_read_the_same_as_the_plain_reader(path):
    text = path.read_bytes().decode("utf-8-sig")
    assert parse(text) == pabulib_reference.parse(text)


def test_an_unreadable_row_is_reported_where_a_row_by_row_reader_meets_it():
    """The whole text is read at once, but a CSV error (here a field over the csv module's
    size limit) is reported only where a row-by-row reader would meet it: after a row of the
    wrong width before it, before a bad ballot of its own section (a section is read before
    its ballots are checked)."""
    huge = "v9;p1;1;" + "9" * 200_000 + "\n"
    good_then_huge = BASES[0] + huge
    wrong_width_first = BASES[0].replace("v2;;;41", "v2;;41") + huge
    bad_ballot_first = BASES[0].replace("v1;p2,p1", "v1;p2,p7") + huge
    in_meta = BASES[0].replace("PROJECTS\n", huge + "PROJECTS\n")
    for text in (good_then_huge, wrong_width_first, bad_ballot_first, in_meta):
        assert _outcome(parse, text) == _outcome(pabulib_reference.parse, text)
    unreadable = "unreadable CSV: field larger than field limit (131072)"
    # (the line named is the one after the long row's, as the plain reader always said)
    assert _outcome(parse, good_then_huge)[:2] == ("error", unreadable)
    assert _outcome(parse, wrong_width_first) == (
        "error",
        "VOTES row has 3 fields, header has 4",
        13,
    )
    assert _outcome(parse, bad_ballot_first)[:2] == ("error", unreadable)
    assert _outcome(parse, in_meta)[:2] == ("error", unreadable)


def test_the_no_whitespace_shortcut_rests_on_a_fact_about_unicode():
    """``_split_list`` skips stripping when the text is printable and has no space: that is
    right only if every character str.strip removes is a space or unprintable."""
    strippable = (chr(c) for c in range(sys.maxunicode + 1))
    assert [c for c in strippable if not c.strip() and c.isprintable()] == [" "]


def test_repeated_ballots_share_one_tuple_and_the_collector_is_left_on():
    pb = parse(BASES[1])
    assert [v.vote for v in pb.votes] == [("a", "b"), ("a", "b"), ("b",), ("a", "b")]
    assert pb.votes[0].vote is pb.votes[1].vote is pb.votes[3].vote
    import gc

    assert gc.isenabled()
    with pabulib.paused_cycle_collection():
        assert not gc.isenabled()
        with pabulib.paused_cycle_collection():  # nested: the outer one turns it back on
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
