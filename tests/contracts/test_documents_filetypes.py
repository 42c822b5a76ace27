"""The type of an upload is judged from its bytes: each accepted type, each disguise."""

from __future__ import annotations

import pytest

from civic.contracts import filetypes
from civic.contracts.filetypes import UnacceptableFile, check
from tests.contracts import documents_helpers as files


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (files.pdf(), "contract.pdf", filetypes.PDF),
        (files.odf("text"), "contract.odt", filetypes.ODT),
        (files.odf("spreadsheet"), "figures.ods", filetypes.ODS),
        (files.odf("presentation"), "briefing.odp", filetypes.ODP),
        (files.docx(), "contract.docx", filetypes.DOCX),
        (files.csv(), "kpis.csv", filetypes.CSV),
        (b"\xef\xbb\xbfa,b\n1,2\n", "excel-export.csv", filetypes.CSV),  # with a BOM
        (files.pdf(), "SIGNED CONTRACT.PDF", filetypes.PDF),  # extension in capitals
    ],
)
def test_each_accepted_type_is_recognised_from_its_content(data, name, expected):
    assert check(data, name) == expected


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (files.EXE, "contract.pdf", "Windows program"),
        (files.ELF, "contract.pdf", "Linux program"),
        (b"#!/bin/sh\nrm -rf ~\n", "figures.csv", "script"),
        (files.zipped({"a.txt": b"hello"}), "contract.docx", "not an OpenDocument file"),
        (files.odf("graphics"), "drawing.odt", "kind Civic does not accept"),
        (files.docx(macros=True), "contract.docx", "macros"),
        (b"PK\x03\x04 not really a zip", "contract.odt", "damaged"),
        (b"", "empty.pdf", "empty"),
        (files.docx(), "contract.pdf", "named .pdf but its content is a Word document"),
        (files.pdf(), "figures.csv", "named .csv but its content is a PDF"),
        (files.pdf(), "contract", "no extension"),
        (b"a,b\x00,c\n", "nul.csv", "could not recognise"),
        ("Café,1\n".encode("latin-1"), "latin1.csv", "could not recognise"),
        (b'a,"b"c\n', "bad-quote.csv", "could not recognise"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "photo.pdf", "could not recognise"),
    ],
)
def test_disguised_damaged_and_unknown_files_are_refused_with_a_reason(data, name, words):
    with pytest.raises(UnacceptableFile) as refusal:
        check(data, name)
    assert words in str(refusal.value)


def test_the_name_never_decides_what_a_file_is():
    """The same bytes under every accepted name: only the matching name passes."""
    accepted = []
    for kind in filetypes.ACCEPTED:
        try:
            check(files.EXE, f"file.{kind.extension}")
        except UnacceptableFile:
            continue
        accepted.append(kind)
    assert accepted == []
    assert [k for k in filetypes.ACCEPTED if _passes(files.pdf(), k)] == [filetypes.PDF]


def _passes(data: bytes, kind: filetypes.FileType) -> bool:
    try:
        check(data, f"file.{kind.extension}")
    except UnacceptableFile:
        return False
    return True
