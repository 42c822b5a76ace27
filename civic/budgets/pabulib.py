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
import gc
import io
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from itertools import repeat
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
    if not text:
        return ()
    if text.isprintable() and " " not in text:
        # no whitespace anywhere (str.strip's whitespace is space or unprintable), so
        # nothing to strip around the items: the common case, half the time
        return tuple(text.split(","))
    return tuple(map(str.strip, text.split(",")))


def _points(text: str, line: int) -> tuple[int, ...]:
    """A points list. ``int()`` reads the usual plain integers at C speed; anything it refuses
    (``2.0``, ``1e3``, junk) goes through :func:`_whole_number`, which accepts or names it.
    Wherever ``int()`` succeeds, ``Decimal`` reads the same whole number."""
    items = _split_list(text)
    try:
        return tuple(map(int, items))
    except ValueError:
        return tuple(_whole_number(p, "points", line, allow_negative=True) for p in items)


class _Rows:
    """The file's CSV rows that are not blank, each with the number of the line it ends on.

    The whole text is read at once (the C ``csv`` reader, the fast part); a CSV error is kept
    and raised only when the parser asks for a row past it, so a file with several faults
    reports the first one in line order, as a row-by-row reader would."""

    def __init__(self, text: str) -> None:
        reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=";")
        self.rows: list[list[str]] = []
        self.lines: list[int] = []
        self.error: PabulibError | None = None
        self.last_line = 0
        add_row, add_line = self.rows.append, self.lines.append
        try:
            for row in reader:
                # blank rows are skipped; the first cell settles almost every row
                if row and (row[0].strip() or any(cell.strip() for cell in row)):
                    add_row(row)
                    add_line(reader.line_num)
        except csv.Error as error:
            self.error = PabulibError(f"unreadable CSV: {error}", reader.line_num + 1)
        self.last_line = reader.line_num
        self.position = 0

    def peek(self) -> tuple[list[str], int] | None:
        if self.position < len(self.rows):
            return self.rows[self.position], self.lines[self.position]
        if self.error is not None:
            raise self.error
        return None

    def next(self) -> tuple[list[str], int] | None:
        row = self.peek()
        if row is not None:
            self.position += 1
        return row

    def body(self) -> int:
        """Index past the run of rows from here that are not section titles."""
        rows, end = self.rows, self.position
        stop = len(rows)
        while end < stop:
            row = rows[end]
            # _section_title, with its cheap half first
            if row[0].strip().upper() in SECTIONS and _section_title(row):
                return end
            end += 1
        return end


def _section_title(row: list[str]) -> str | None:
    if len(row) == 1 or all(not cell.strip() for cell in row[1:]):
        title = row[0].strip().upper()
        if title in SECTIONS:
            return title
    return None


def _title_and_header(rows: _Rows, name: str) -> tuple[list[str], int]:
    """Read section ``name``'s title and header rows: returns (header, title line)."""
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
    return header, first[1]


def _section(rows: _Rows, name: str) -> tuple[list[str], list[list[str]], list[int], int]:
    """Read section ``name``: returns (header, rows, their line numbers, title line)."""
    header, title = _title_and_header(rows, name)
    start, end = rows.position, rows.body()
    body, lines = rows.rows[start:end], rows.lines[start:end]
    rows.position = end
    width = len(header)
    for row, line in zip(body, lines, strict=True):
        if len(row) != width:
            raise PabulibError(f"{name} row has {len(row)} fields, header has {width}", line)
    if end == len(rows.rows):
        rows.peek()  # a CSV error right after the body is reported here, as before
    return header, body, lines, title


def parse(text: str) -> PbFile:
    """Parse the text of a ``.pb`` file; raise :class:`PabulibError` if it is malformed.

    Fast enough for the largest real files (Łódź 2022, 90,494 voters, in about 0.2 s): the
    C ``csv`` reader splits the text and the VOTES loop does as little per ballot as it can.
    ``tests/budgets/pabulib_reference.py`` keeps the plain row-by-row reader this replaced,
    and a test holds the two to the same results and the same errors."""
    with paused_cycle_collection():
        return _parse(text)


@contextmanager
def paused_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector while a file is read (and, in the tally command, while
    it is counted): the reader makes hundreds of thousands of objects and no cycles, and the
    collector, run every 700 allocations over ever more live objects, would otherwise take
    half the time (1.1 s instead of 0.5 s on Wrocław 2015's 131,778 ballots). It is switched
    back on only if it was on before, so two readers in two threads leave it as they found
    it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _parse(text: str) -> PbFile:
    rows = _Rows(text)
    meta = _meta(*_section(rows, "META"))
    project_header, project_rows, project_lines, _ = _section(rows, "PROJECTS")
    projects = _projects(project_header, project_rows, project_lines)
    known = {project.project_id for project in projects}
    vote_header, vote_rows, vote_lines, _ = _section(rows, "VOTES")
    votes = _votes(vote_header, vote_rows, vote_lines, known)
    trailing = rows.next()
    if trailing is not None:
        raise PabulibError("unexpected row after the VOTES section", trailing[1])
    return PbFile(meta, projects, votes, tuple(project_header), tuple(vote_header))


def _meta(header: list[str], rows: list[list[str]], lines: list[int], title: int) -> dict:
    """The META rows as a dict, ``title`` being the line of the section's title."""
    if len(header) != 2:
        raise PabulibError("META header must have two columns (key;value)", title + 1)
    meta: dict[str, str] = {}
    for (key, value), line in zip(rows, lines, strict=True):
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
        raise PabulibError("META has no budget", title)
    return meta


def _projects(header: list[str], rows: list[list[str]], lines: list[int]) -> list[PbProject]:
    """The PROJECTS rows, each id once, each cost a whole number."""
    projects: list[PbProject] = []
    known: set[str] = set()
    for row, line in zip(rows, lines, strict=True):
        values = dict(zip(header, row, strict=True))
        project_id = values.pop("project_id").strip()
        if not project_id:
            raise PabulibError("empty project_id", line)
        if project_id in known:
            raise PabulibError(f"duplicate project id {project_id!r}", line)
        known.add(project_id)
        cost = _whole_number(values.pop("cost"), f"cost of project {project_id!r}", line)
        projects.append(PbProject(project_id, cost, values))
    return projects


def _votes(
    header: list[str], rows: list[list[str]], lines: list[int], known: set[str]
) -> list[PbVote]:
    """The VOTES rows as ballots: the loop that runs 100,000 times on a city's file."""
    has_points = "points" in header
    votes: list[PbVote] = []
    voters: set[str] = set()
    append, add = votes.append, voters.add
    # Many voters cast the same ballot (Łódź 2022: 90,494 ballots, 23,571 distinct): each
    # distinct text is split and checked once, and its voters share one tuple.
    seen_votes: dict[str, tuple[str, ...]] = {}
    seen_points: dict[str, tuple[int, ...]] = {}
    for row, line in zip(rows, lines, strict=True):
        values = dict(zip(header, row, strict=True))  # widths checked in _section
        voter_id = values.pop("voter_id").strip()
        if not voter_id:
            raise PabulibError("empty voter_id", line)
        if voter_id in voters:
            raise PabulibError(f"duplicate voter id {voter_id!r}", line)
        add(voter_id)
        text = values.pop("vote")
        vote = seen_votes.get(text)
        if vote is None:
            vote = _split_list(text)
            unknown = next((p for p in vote if p not in known), None)
            if unknown is not None:
                raise PabulibError(f"vote names unknown project id {unknown!r}", line)
            seen_votes[text] = vote
        points = None
        if has_points:
            text = values.pop("points")
            points = seen_points.get(text)
            if points is None:
                points = seen_points[text] = _points(text, line)
            if len(points) != len(vote):
                raise PabulibError(
                    f"points list has {len(points)} entries, vote has {len(vote)}", line
                )
        append(PbVote(voter_id, vote, points, values))
    return votes


def parse_file(path: str | Path) -> PbFile:
    """Parse a ``.pb`` file from disk (UTF-8, with or without BOM)."""
    return parse(_read_text(path))


def _read_text(path: str | Path) -> str:
    data = Path(path).read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise PabulibError("not UTF-8 text", line) from None


# --- reading a file to count it ------------------------------------------------------------

Cast = dict[tuple[tuple[str, ...], tuple[int, ...] | None], int]
"""Distinct ballots as a file has them, ``(vote, points or None)``, and how many voters cast
each."""


@dataclass(frozen=True)
class PbCount:
    """A file read to be counted: everything but the ballots (``head``: its meta, projects and
    header rows, with no votes) and the ballots counted (``cast``), which is all a rule needs.
    ``count(text)`` equals what counting ``parse(text)``'s votes gives, and raises the same
    errors."""

    head: PbFile
    cast: Cast

    @classmethod
    def of(cls, pb: PbFile) -> PbCount:
        """Count a parsed file's ballots."""
        cast = Counter((vote.vote, vote.points) for vote in pb.votes)
        return cls(replace(pb, votes=[]), dict(cast))


def count_file(path: str | Path) -> PbCount:
    """:func:`count` a ``.pb`` file from disk (UTF-8, with or without BOM)."""
    return count(_read_text(path))


def count(text: str) -> PbCount:
    """Read a ``.pb`` text to count it: :class:`PbCount`, exactly ``PbCount.of(parse(text))``,
    or the :class:`PabulibError` :func:`parse` would raise.

    The quick path for the command line (``python -m civic.budgets.tally``), where reading is
    most of the time: a city's VOTES section is usually a plain block of ``;``-separated lines
    with no quoting, so it is cut with ``str.split`` and counted with ``Counter`` at C speed,
    with no object per voter, and only each distinct ballot text is split and checked in
    Python. Anything unusual about the file (a quote, a CR alone, a NUL, a blank or odd-width
    row, a repeated or empty voter id, a title in the body, an unknown project, any error)
    sends it to :func:`parse` instead, so the result and every error message are parse's."""
    with paused_cycle_collection():
        counted = _count_plain(text.removeprefix("\ufeff"))
        return counted if counted is not None else PbCount.of(_parse(text))


_VOTES_TITLE = re.compile(r"^VOTES;*\r?$", re.MULTILINE)


def _count_plain(text: str) -> PbCount | None:
    """:func:`count` for a file whose VOTES section is plain (no quoting, NUL or lone CR;
    META and PROJECTS may be anything parse reads), or None if the file is not one this
    reads exactly as :func:`parse` does (see :func:`count`)."""
    title = _VOTES_TITLE.search(text)
    if title is None:
        return None
    tail = text[title.start() :]  # the VOTES title, its header and its rows
    if '"' in tail or "\x00" in tail:
        return None
    header_end = text.find("\n", title.end() + 1)
    if header_end < 0:
        return None
    try:  # everything up to the VOTES header, read by the real parser
        head = _parse(text[: header_end + 1])
    except Exception:
        return None
    # The title and header lines are the head's last two rows only if the csv reader did
    # not reach them inside a quoted field: then the header it read is that line's cells.
    header_line = text[title.end() + 1 : header_end].removesuffix("\r")
    if head.votes or head.vote_columns != tuple(map(str.strip, header_line.split(";"))):
        return None
    body = text[header_end + 1 :]
    if "\r" in body:
        body = body.replace("\r\n", "\n")
        if "\r" in body:  # a lone CR ends a line for the csv module: leave it to parse
            return None
    lines = body.split("\n")
    if lines[-1] == "":
        lines.pop()  # the file's last line end
    columns = head.vote_columns
    # every row as wide as the header (this also rules out blank lines) and no field over
    # the csv module's limit (a conservative test: no line over it)
    if lines and (
        set(map(str.count, lines, repeat(";"))) != {len(columns) - 1}
        or max(map(len, lines)) > csv.field_size_limit()
    ):
        return None
    width = len(columns)
    # every cell in one list, row after row: a column is then a slice (C speed, no object
    # per row)
    cells = "\n".join(lines).replace("\n", ";").split(";") if lines else []
    voters = cells[columns.index("voter_id") :: width]
    if not _plain("".join(voters)):
        voters = list(map(str.strip, voters))
    distinct = set(voters)
    if len(distinct) != len(voters) or "" in distinct:
        return None  # a repeated or empty voter id, or a blank row parse would skip
    if _maybe_title(cells[::width]):
        return None
    votes = cells[columns.index("vote") :: width]
    if "points" in columns:
        texts = Counter(zip(votes, cells[columns.index("points") :: width], strict=True))
        return _checked_cast(head, texts.items())
    texts = Counter(votes)
    cast = _plain_cast(texts, {project.project_id for project in head.projects})
    if cast is not None:
        return PbCount(head, cast)
    return _checked_cast(head, (((text, None), n) for text, n in texts.items()))


def _plain(text: str) -> bool:
    """No character ``str.strip`` would remove anywhere in ``text`` (see _split_list)."""
    return text.isprintable() and " " not in text


def _maybe_title(firsts: list[str]) -> bool:
    """Whether a row's first cell may make it a section title (``META;;``), which parse
    would stop at: first a test of all the cells at once, exact only in the rare case."""
    joined = "\n".join(firsts).upper()
    if not any(section in joined for section in SECTIONS):
        return False
    return not set(map(str.upper, map(str.strip, firsts))).isdisjoint(SECTIONS)


def _plain_cast(texts: Counter, known: set[str]) -> Cast | None:
    """Approval-style ballots (no points) counted from distinct vote texts, when no text has
    anything to strip or an empty item: each text is then exactly its items joined by
    commas, so distinct texts are distinct ballots and every check is one set operation.
    None when this does not apply (the caller checks text by text)."""
    joined = ",".join(texts)
    if not _plain(joined):
        return None
    items = set(joined.split(","))
    if "" in items or not known.issuperset(items):
        return None  # an empty text or item, or an unknown project: text by text
    ballots = map(tuple, map(str.split, texts, repeat(",")))
    return dict(zip(zip(ballots, repeat(None)), texts.values(), strict=False))


def _checked_cast(head: PbFile, texts) -> PbCount | None:
    """Split and check each distinct ballot text once; None at the first fault."""
    known = {project.project_id for project in head.projects}
    cast: Counter = Counter()
    try:
        for (vote_text, points_text), voters in texts:
            vote = _split_list(vote_text)
            if not known.issuperset(vote):
                return None
            points = None
            if points_text is not None:
                points = _points(points_text, 0)
                if len(points) != len(vote):
                    return None
            cast[vote, points] += voters
    except PabulibError:
        return None
    return PbCount(head, dict(cast))


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
