"""The stand-alone verifier's format helpers: tile paths, entry bundles, checkpoints and
canonical JSON. A mismatch with the C2SP specifications here means other tlog clients
could not read Civic's log, so each case comes from the spec's wording or an example."""

from __future__ import annotations

import base64

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from civic.audit.verifier import (
    Checkpoint,
    NoteError,
    canonical_json,
    format_entry_bundle,
    parse_checkpoint,
    parse_entry_bundle,
    parse_tile_path,
    tile_index_path,
    tile_path,
)


@pytest.mark.parametrize(
    ("index", "path"),
    [(0, "000"), (5, "005"), (999, "999"), (1000, "x001/000"), (1234067, "x001/x234/067")],
)
def test_tile_indexes_are_written_in_groups_of_three_digits(index: int, path: str) -> None:
    assert tile_index_path(index) == path
    assert parse_tile_path(f"tile/0/{path}") == (0, index, 256)


def test_partial_and_entry_tiles_round_trip() -> None:
    assert tile_path(1, 1234067, 8) == "tile/1/x001/x234/067.p/8"
    assert parse_tile_path("tile/1/x001/x234/067.p/8") == (1, 1234067, 8)
    assert tile_path("entries", 7) == "tile/entries/007"
    assert parse_tile_path("tile/entries/007.p/255") == ("entries", 7, 255)


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/5",  # not three digits
        "tile/0/0005",
        "tile/0/001/002",  # inner groups need their x
        "tile/0/x000/005",  # a leading zero group: not canonical
        "tile/0/005.p/0",
        "tile/0/005.p/256",  # a full tile has no .p
        "tile/0/005.p/08",
        "tile/0/005.p/",
        "tile/64/005",
        "tile/-1/005",
        "tile/hashes/005",
        "tile/0/../005",
    ],
)
def test_non_canonical_tile_paths_are_refused(path: str) -> None:
    with pytest.raises(ValueError):
        parse_tile_path(path)


@given(st.integers(min_value=0, max_value=10**15), st.integers(min_value=1, max_value=256))
def test_every_tile_path_parses_back_to_itself(index: int, width: int) -> None:
    path = tile_path(3, index, width)
    assert parse_tile_path(path) == (3, index, width)


def test_entry_bundles_hold_length_prefixed_entries() -> None:
    entries = [b"", b"a", b"x" * 300]
    bundle = format_entry_bundle(entries)
    assert bundle[:5] == b"\x00\x00\x00\x01a"
    assert parse_entry_bundle(bundle) == entries
    with pytest.raises(ValueError):
        parse_entry_bundle(bundle[:-1])
    with pytest.raises(ValueError):
        parse_entry_bundle(bundle + b"\x00")
    with pytest.raises(ValueError):
        format_entry_bundle([b"y" * 65536])


ROOT = bytes(range(32))


def test_a_checkpoint_body_is_origin_size_and_base64_root() -> None:
    checkpoint = Checkpoint("example.com/log", 12, ROOT)
    assert checkpoint.text == f"example.com/log\n12\n{base64.b64encode(ROOT).decode()}\n"
    assert parse_checkpoint(checkpoint.text) == checkpoint
    with_extension = checkpoint.text + "extra line\n"
    assert parse_checkpoint(with_extension).extensions == ("extra line",)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "example.com/log\n12\n",  # no root
        "\n12\n" + base64.b64encode(ROOT).decode() + "\n",  # empty origin
        "example.com/log\n012\n" + base64.b64encode(ROOT).decode() + "\n",
        "example.com/log\n-1\n" + base64.b64encode(ROOT).decode() + "\n",
        "example.com/log\n12\n" + base64.b64encode(ROOT[:31]).decode() + "\n",
        "example.com/log\n12\n" + base64.b64encode(ROOT).decode(),  # no final newline
        "example.com/log\n12\n" + base64.b64encode(ROOT).decode() + "\n\n",  # empty extension
        "example.com/log\n12\n" + base64.b64encode(ROOT).decode() + "\ttab\n",
    ],
)
def test_malformed_checkpoints_are_refused(text: str) -> None:
    with pytest.raises(NoteError):
        parse_checkpoint(text)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.text(),
    # keys below U+D800: RFC 8785 sorts keys by UTF-16 units, Python by code point, and the
    # two differ only for keys mixing astral and U+E000+ characters (Civic's keys are ASCII)
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(st.characters(max_codepoint=0xD7FF)), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(JSON_VALUES)
def test_the_standard_library_form_is_rfc8785_for_what_civic_logs(value: object) -> None:
    """The verifier checks canonical form without the rfc8785 package; for everything but
    floats (which Civic never logs) the two must agree byte for byte."""
    assert canonical_json(value) == rfc8785.dumps(value)
