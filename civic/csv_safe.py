"""CSV downloads that a spreadsheet opens as data, never as formulas.

A resident's text that starts with `=`, `+`, `-` or `@` (say `=HYPERLINK("http://evil",
"Click")`) becomes a live formula when a council officer opens the download in Excel or
LibreOffice (CSV injection, OWASP). `defusedcsv` prefixes such a cell with `'`, which the
spreadsheet shows as text, and leaves numbers alone: real numbers, and strings that are
only a number such as `-12` or `1,200.50`, so numeric columns stay usable.

defusedcsv 3.0 does not treat a leading tab or carriage return, which OWASP also lists
(some spreadsheets skip them and then read the formula after), so this module adds that.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TextIO

from defusedcsv import csv as defusedcsv

_ALSO_ESCAPED = ("\t", "\r")


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_ALSO_ESCAPED):
        return "'" + value
    return value


class _Writer:
    """csv.writer's interface; every cell passes through defusedcsv and the check above."""

    def __init__(self, stream: TextIO) -> None:
        self._writer = defusedcsv.writer(stream)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(stream: TextIO) -> _Writer:
    """A CSV writer for downloads (use it instead of csv.writer for anything people open)."""
    return _Writer(stream)
