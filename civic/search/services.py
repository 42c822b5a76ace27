"""`search()`: the one entry point for pages, the JSON API and the CLI.

It checks nothing a caller could forget: who may find what is decided here, from the
viewer, on every query. Ranking and highlighting are the database's own (ts_rank and
ts_headline on PostgreSQL, bm25 and highlight/snippet on SQLite FTS5), behind the same
function and the same result type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import url_for
from markupsafe import Markup
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    Table,
    and_,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.orm import aliased

from civic.accounts.models import Area
from civic.errors import ValidationFailed
from civic.extensions import db
from civic.i18n import _
from civic.paging import PageWindow
from civic.params import parse_int
from civic.search import index, registry
from civic.search.highlight import START, STOP, marked
from civic.search.models import SearchDocument
from civic.search.query import MAX_QUERY_LENGTH, Terms, terms

if TYPE_CHECKING:
    from civic.accounts.models import User

PER_PAGE = 20
MAX_PAGE = 500  # deeper than anyone reads; bounds the OFFSET a request can ask for
TITLE_WEIGHT, BODY_WEIGHT = 10.0, 1.0  # FTS5 bm25 column weights (PostgreSQL: A and B)
SNIPPET_WORDS = 30

# SQLite's FTS5 index over search_document (made by the migration, kept in step by
# triggers). Its own MetaData: not a model, so autogenerate never compares it.
FTS = Table("search_fts", MetaData(), Column("rowid", Integer), Column("title"), Column("body"))


@dataclass(frozen=True)
class Hit:
    kind: str
    kind_label: str
    title: Markup  # escaped, with <mark> around matching words
    snippet: Markup
    link: dict[str, Any]  # registry.Link as stored: endpoint, values, anchor
    area: str | None
    state: str
    state_label: str
    rank: float

    @property
    def url(self) -> str:
        """The thing's page (needs a request, or SERVER_NAME, to build)."""
        return url_for(
            self.link["endpoint"], _anchor=self.link.get("anchor"), **self.link.get("values", {})
        )


@dataclass
class Results(PageWindow):
    query: str
    terms: Terms
    total: int = 0
    page: int = 1
    hits: list[Hit] = field(default_factory=list)

    per_page: int = PER_PAGE

    @property
    def shown(self) -> int:
        return len(self.hits)


@dataclass(frozen=True)
class Filters:
    area: Area | None
    kinds: tuple[str, ...]
    state: str | None
    page: int


def audiences(viewer: User | None) -> tuple[str, ...]:
    """What `viewer` may find: everyone the public documents; moderators and
    administrators also drafts and hidden comments (the domains' own rule: they are the
    people those pages let in)."""
    if viewer is not None and getattr(viewer, "is_authenticated", False) and viewer.is_moderator:
        return (registry.PUBLIC, registry.MODERATORS)
    return (registry.PUBLIC,)


def parse_filters(
    *,
    area: str | None = None,
    kinds: list[str] | None = None,
    state: str | None = None,
    page: str | int | None = 1,
) -> Filters:
    """Filters from a request, each checked; a wrong one is a message, never a 500."""
    errors: dict[str, str] = {}
    found_area = None
    if area:
        found_area = db.session.scalar(select(Area).where(Area.slug == area))
        if found_area is None:
            errors["area"] = _("Choose an area from the list")
    chosen = tuple(dict.fromkeys(k for k in (kinds or []) if k))
    if any(registry.get(k) is None for k in chosen):
        errors["kind"] = _("Choose what to search from the list")
    if state and not any(state in kind.states for kind in registry.kinds()):
        errors["state"] = _("Choose a state from the list")
    number = page if isinstance(page, int) else parse_int(page or "1", minimum=1)
    if number is None or not 1 <= number <= MAX_PAGE:
        errors["page"] = _("Page must be a number from 1 to %(last)s", last=MAX_PAGE)
    if errors:
        raise ValidationFailed(errors)
    return Filters(found_area, chosen, state or None, number or 1)


def search(
    query: str,
    *,
    viewer: User | None,
    area: Area | None = None,
    kinds: tuple[str, ...] | list[str] = (),
    state: str | None = None,
    page: int = 1,
) -> Results:
    """Documents matching every word of `query` that `viewer` may find, best first.

    An empty query (or one with no words: only punctuation) finds nothing; a query
    longer than MAX_QUERY_LENGTH is refused with a reason.
    """
    if len(query) > MAX_QUERY_LENGTH:
        raise ValidationFailed(
            {"q": _("Search for at most %(limit)s characters", limit=MAX_QUERY_LENGTH)}
        )
    found = terms(query)
    results = Results(query=query, terms=found, page=page)
    if not found:
        return results
    index.write_pending(db.session)  # this transaction's own changes are findable too
    doc = SearchDocument
    parent = aliased(SearchDocument)
    allowed = audiences(viewer)
    postgres = db.session.get_bind().dialect.name == "postgresql"
    if postgres:
        tsquery = func.to_tsquery(cast(literal("english"), REGCONFIG), found.tsquery())
        matches = doc.tsv.op("@@")(tsquery)
        rank = func.ts_rank(doc.tsv, tsquery)
        order = rank.desc()
        options = f"StartSel={START}, StopSel={STOP}, HighlightAll=true"
        title = func.ts_headline(cast(literal("english"), REGCONFIG), doc.title, tsquery, options)
        snippet = func.ts_headline(
            cast(literal("english"), REGCONFIG),
            doc.body,
            tsquery,
            f"StartSel={START}, StopSel={STOP}, MaxWords={SNIPPET_WORDS}, MinWords=12, "
            'MaxFragments=2, FragmentDelimiter=" … "',
        )
        source = doc.__table__
    else:
        fts = literal_column("search_fts")
        matches = text("search_fts MATCH :match").bindparams(match=found.fts5())
        # bm25 is lower for a better match: negated, so both databases rank high = good
        rank = -func.bm25(fts, TITLE_WEIGHT, BODY_WEIGHT)
        order = rank.desc()
        title = func.highlight(fts, 0, START, STOP)
        snippet = func.snippet(fts, 1, START, STOP, " … ", SNIPPET_WORDS)
        source = doc.__table__.join(FTS, FTS.c.rowid == doc.id)
    conditions = [
        matches,
        doc.audience.in_(allowed),
        or_(parent.id.is_(None), parent.audience.in_(allowed)),
    ]
    if area is not None:
        conditions.append(doc.area_id == area.id)
    if kinds:
        conditions.append(doc.kind.in_(list(kinds)))
    if state:
        conditions.append(doc.state == state)
    joined = source.outerjoin(
        parent, and_(parent.kind == doc.parent_kind, parent.ref == doc.parent_ref)
    )
    base = select(doc.id).select_from(joined).where(*conditions)
    results.total = db.session.scalar(select(func.count()).select_from(base.subquery())) or 0
    if results.total == 0:
        return results
    rows = db.session.execute(
        select(
            doc.kind,
            doc.area_id,
            doc.state,
            doc.link,
            doc.title,
            rank.label("rank"),
            title.label("title_marked"),
            snippet.label("snippet"),
        )
        .select_from(joined)
        .where(*conditions)
        .order_by(order, doc.id.desc())
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    area_names = {row.id: row.name for row in db.session.execute(select(Area.id, Area.name))}
    results.hits = [_hit(row, area_names) for row in rows]
    return results


def _worded(heading_as: str, subject: Markup) -> Markup:
    """A comment's heading in the reader's language, around its subject's (highlighted)
    title; the translated frame is escaped, the title is already safe markup."""
    frames = {
        "comment": _("Comment on %(title)s"),
        "hidden_comment": _("Hidden comment on %(title)s"),
    }
    frame = frames.get(heading_as)
    return Markup.escape(frame) % {"title": subject} if frame else subject


def _hit(row: Any, area_names: dict[int, str]) -> Hit:
    kind = registry.get(row.kind)
    link = row.link or {}
    heading = marked(row.title_marked) if row.title else Markup("")
    if not row.title:
        heading = _worded(link.get("heading_as", ""), marked(link.get("heading", "")))
    return Hit(
        kind=row.kind,
        kind_label=str(kind.label) if kind else row.kind,
        title=heading,
        snippet=marked(row.snippet),
        link=link,
        area=area_names.get(row.area_id),
        state=row.state,
        state_label=(str(kind.states.get(row.state, row.state)) if kind else row.state),
        rank=float(row.rank or 0),
    )
