"""The Pabulib reader as it was before it was made fast: plain, row by row, obviously the
format's rules. Kept here (not in civic/) only as the reference that
``test_pabulib_fast_reader.py`` holds :func:`civic.budgets.pabulib.parse` to: the same
:class:`PbFile` for every good file, the same message and line for every bad one. Its
META and PROJECTS checks are the fast reader's own (they were not changed)."""

from __future__ import annotations

import csv
import io

from civic.budgets import pabulib
from civic.budgets.pabulib import (
    PabulibError,
    PbFile,
    PbVote,
    _whole_number,
)


def _unzip(rows: list[tuple[list[str], int]]) -> tuple[list[list[str]], list[int]]:
    return [row for row, _ in rows], [line for _, line in rows]


def _split_list(text: str) -> tuple[str, ...]:
    text = text.strip()
    return tuple(item.strip() for item in text.split(",")) if text else ()


class _Rows:
    """CSV rows with the number of the line each row ends on; blank lines are skipped."""

    def __init__(self, text: str) -> None:
        self._reader = csv.reader(
            io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=";"
        )
        self._pending: tuple[list[str], int] | None = None
        self.last_line = 0

    def peek(self) -> tuple[list[str], int] | None:
        if self._pending is None:
            try:
                for row in self._reader:
                    self.last_line = self._reader.line_num
                    if any(cell.strip() for cell in row):
                        self._pending = (row, self._reader.line_num)
                        break
            except csv.Error as error:
                raise PabulibError(f"unreadable CSV: {error}", self._reader.line_num + 1) from None
        return self._pending

    def next(self) -> tuple[list[str], int] | None:
        row = self.peek()
        self._pending = None
        return row


def _section(rows: _Rows, name: str) -> tuple[list[str], list[tuple[list[str], int]], int]:
    """Read section ``name``: returns (header, [(row, line)], title line)."""
    header, title = pabulib._title_and_header(rows, name)  # type: ignore[arg-type]
    body = []
    while (peeked := rows.peek()) is not None and pabulib._section_title(peeked[0]) is None:
        row, line = rows.next()  # type: ignore[misc]
        if len(row) != len(header):
            raise PabulibError(f"{name} row has {len(row)} fields, header has {len(header)}", line)
        body.append((row, line))
    return header, body, title


def parse(text: str) -> PbFile:
    """Parse the text of a ``.pb`` file; raise :class:`PabulibError` if it is malformed."""
    rows = _Rows(text)
    # META and PROJECTS are read by the same functions as the fast reader's: only the row
    # reading, the sections' bounds and the VOTES loop were rewritten for speed
    meta_header, meta_rows, meta_line = _section(rows, "META")
    meta = pabulib._meta(meta_header, *_unzip(meta_rows), meta_line)
    project_header, project_rows, _ = _section(rows, "PROJECTS")
    projects = pabulib._projects(project_header, *_unzip(project_rows))
    known = {project.project_id for project in projects}

    vote_header, vote_rows, _ = _section(rows, "VOTES")
    has_points = "points" in vote_header
    votes: list[PbVote] = []
    voters: set[str] = set()
    for row, line in vote_rows:
        values = dict(zip(vote_header, row, strict=True))
        voter_id = values.pop("voter_id").strip()
        if not voter_id:
            raise PabulibError("empty voter_id", line)
        if voter_id in voters:
            raise PabulibError(f"duplicate voter id {voter_id!r}", line)
        voters.add(voter_id)
        vote = _split_list(values.pop("vote"))
        for project_id in vote:
            if project_id not in known:
                raise PabulibError(f"vote names unknown project id {project_id!r}", line)
        points = None
        if has_points:
            points = tuple(
                _whole_number(p, "points", line, allow_negative=True)
                for p in _split_list(values.pop("points"))
            )
            if len(points) != len(vote):
                raise PabulibError(
                    f"points list has {len(points)} entries, vote has {len(vote)}", line
                )
        votes.append(PbVote(voter_id, vote, points, values))

    trailing = rows.next()
    if trailing is not None:
        raise PabulibError("unexpected row after the VOTES section", trailing[1])
    return PbFile(meta, projects, votes, tuple(project_header), tuple(vote_header))
