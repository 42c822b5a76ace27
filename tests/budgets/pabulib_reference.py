"""The Pabulib reader as it was before it was made fast: plain, row by row, obviously the
format's rules. Kept here (not in civic/) only as the reference that
``test_pabulib_fast_reader.py`` holds :func:`civic.budgets.pabulib.parse` to: the same
:class:`PbFile` for every good file, the same message and line for every bad one."""

from __future__ import annotations

import csv
import io

from civic.budgets.pabulib import (
    _REQUIRED_COLUMNS,
    SECTIONS,
    PabulibError,
    PbFile,
    PbProject,
    PbVote,
    _budget_units,
    _whole_number,
)


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


def _section_title(row: list[str]) -> str | None:
    if len(row) == 1 or all(not cell.strip() for cell in row[1:]):
        title = row[0].strip().upper()
        if title in SECTIONS:
            return title
    return None


def _section(rows: _Rows, name: str) -> tuple[list[str], list[tuple[list[str], int]], int]:
    """Read section ``name``: returns (header, [(row, line)], title line)."""
    first = rows.next()
    if first is None or _section_title(first[0]) != name:
        line = first[1] if first else rows.last_line + 1
        raise PabulibError(f"missing section {name}", line)
    header_row = rows.next()
    if header_row is None or _section_title(header_row[0]) is not None:
        raise PabulibError(f"section {name} has no header row", first[1] + 1)
    header = [cell.strip() for cell in header_row[0]]
    seen: set[str] = set()
    for column in header:
        if not column or column in seen:
            raise PabulibError(f"{name} header has an empty or repeated column", header_row[1])
        seen.add(column)
    for column in _REQUIRED_COLUMNS.get(name, ()):
        if column not in seen:
            raise PabulibError(f"{name} header lacks the required column {column}", header_row[1])
    body = []
    while (peeked := rows.peek()) is not None and _section_title(peeked[0]) is None:
        row, line = rows.next()  # type: ignore[misc]
        if len(row) != len(header):
            raise PabulibError(f"{name} row has {len(row)} fields, header has {len(header)}", line)
        body.append((row, line))
    return header, body, first[1]


def parse(text: str) -> PbFile:
    """Parse the text of a ``.pb`` file; raise :class:`PabulibError` if it is malformed."""
    rows = _Rows(text)
    meta_header, meta_rows, meta_line = _section(rows, "META")
    if len(meta_header) != 2:
        raise PabulibError("META header must have two columns (key;value)", meta_line + 1)
    meta: dict[str, str] = {}
    for (key, value), line in meta_rows:
        key = key.strip()
        if key in meta:
            raise PabulibError(f"META key {key!r} appears twice", line)
        if key == "budget":
            try:
                _budget_units(value)
            except ValueError as error:
                raise PabulibError(str(error), line) from None
        meta[key] = value.strip()
    if "budget" not in meta:
        raise PabulibError("META has no budget", meta_line)

    project_header, project_rows, _ = _section(rows, "PROJECTS")
    projects: list[PbProject] = []
    known: set[str] = set()
    for row, line in project_rows:
        values = dict(zip(project_header, row, strict=True))
        project_id = values.pop("project_id").strip()
        if not project_id:
            raise PabulibError("empty project_id", line)
        if project_id in known:
            raise PabulibError(f"duplicate project id {project_id!r}", line)
        known.add(project_id)
        cost = _whole_number(values.pop("cost"), f"cost of project {project_id!r}", line)
        projects.append(PbProject(project_id, cost, values))

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
