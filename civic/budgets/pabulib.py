"""Read and write the Pabulib ``.pb`` format (pabulib.org).

A ``.pb`` file has three sections, each a title line (``META``, ``PROJECTS``, ``VOTES``), a
``;``-separated header row and data rows, with CSV quoting (``"`` around a field holding ``;``,
``""`` for a quote). Real files come with CRLF or LF line ends and sometimes a UTF-8 BOM.

The reader keeps everything a file says (meta keys in order, project order, the order of each
ordinal ballot, every extra column), so ``parse(dump(parse(text))) == parse(text)``: that is what
an export needs. pabutools' own writer reorders projects and drops ballot order, so it is not used.

Money: Pabulib costs are whole units of the currency (no minor units), so costs are ``int``. A
cost written as a decimal with a zero fraction (``50000.0``) is accepted; a fractional cost
(``1234.5``) is refused, because rounding it would change which bundles fit the budget and no
real file has one. The budget may be fractional in real files (Kraków 2024/2025 districts, e.g.
``2228141.75``); :attr:`PbFile.budget` rounds it down, which selects exactly the same sets of
integer-cost projects as the fractional budget would.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

SECTIONS = ("META", "PROJECTS", "VOTES")
VOTE_TYPES = ("approval", "ordinal", "cumulative", "scoring", "choose-1")
_REQUIRED_COLUMNS = {"PROJECTS": ("project_id", "cost"), "VOTES": ("voter_id", "vote")}


class PabulibError(ValueError):
    """A malformed ``.pb`` file; ``str()`` is one line naming the line number."""

    def __init__(self, message: str, line_number: int) -> None:
        super().__init__(message, line_number)
        self.message = message
        self.line_number = line_number

    def __str__(self) -> str:
        return f"line {self.line_number}: {self.message}"


@dataclass(frozen=True)
class PbProject:
    """One project: its id, cost in whole currency units, and every other column as text."""

    project_id: str
    cost: int
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PbVote:
    """One ballot. ``vote`` keeps the file's order (most preferred first for ordinal ballots);
    ``points`` is parallel to ``vote`` when the file has a points column, else ``None``."""

    voter_id: str
    vote: tuple[str, ...]
    points: tuple[int, ...] | None = None
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PbFile:
    """A whole ``.pb`` file. ``project_columns``/``vote_columns`` are the header rows in order."""

    meta: dict[str, str]
    projects: list[PbProject]
    votes: list[PbVote]
    project_columns: tuple[str, ...] = ("project_id", "cost")
    vote_columns: tuple[str, ...] = ("voter_id", "vote")

    @property
    def vote_type(self) -> str:
        """META ``vote_type``; Pabulib's default is approval."""
        return self.meta.get("vote_type", "approval")

    @property
    def budget(self) -> int:
        """META ``budget`` in whole units, rounded down (see the module docstring)."""
        return _budget_units(self.meta.get("budget", ""))


def _budget_units(text: str) -> int:
    value = _decimal(text)
    if value is None or value < 0:
        raise ValueError(f"budget {text!r} is not a non-negative number")
    return int(value)  # int() truncates, i.e. rounds a non-negative value down


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _whole_number(text: str, what: str, line: int, *, allow_negative: bool = False) -> int:
    value = _decimal(text)
    if value is None:
        raise PabulibError(f"{what} {text!r} is not a number", line)
    if value != value.to_integral_value():
        raise PabulibError(f"{what} {text!r} is not a whole number", line)
    if value < 0 and not allow_negative:
        raise PabulibError(f"{what} {text!r} is negative", line)
    return int(value)


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


def parse_file(path: str | Path) -> PbFile:
    """Parse a ``.pb`` file from disk (UTF-8, with or without BOM)."""
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise PabulibError("not UTF-8 text", line) from None
    return parse(text)


def dump(pb: PbFile) -> str:
    """Write ``pb`` as ``.pb`` text (LF line ends, minimal CSV quoting), keeping every order."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    writer.writerows(pb.meta.items())
    writer.writerow(["PROJECTS"])
    writer.writerow(pb.project_columns)
    for project in pb.projects:
        known = {"project_id": project.project_id, "cost": str(project.cost)}
        writer.writerow([known.get(c, project.fields.get(c, "")) for c in pb.project_columns])
    writer.writerow(["VOTES"])
    writer.writerow(pb.vote_columns)
    for vote in pb.votes:
        if any("," in project_id for project_id in vote.vote):
            raise ValueError(f"voter {vote.voter_id}: a project id holds a comma")
        known = {"voter_id": vote.voter_id, "vote": ",".join(vote.vote)}
        if vote.points is not None:
            known["points"] = ",".join(str(p) for p in vote.points)
        writer.writerow([known.get(c, vote.fields.get(c, "")) for c in pb.vote_columns])
    return out.getvalue()
