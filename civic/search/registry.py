"""What can be found: each domain registers a `Kind` that says how one of its rows
becomes a search document, where a result links to, and which states it has.

Contracts and petitions join the search the same way, with one `register(...)` call in
their own package; the index, the query and the pages need no change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

PUBLIC = "public"
MODERATORS = "moderators"


@dataclass(frozen=True)
class Link:
    """Where a result leads: an endpoint and its values, built into a URL when shown."""

    endpoint: str
    values: dict[str, str] = field(default_factory=dict)
    anchor: str | None = None
    heading: str = ""  # shown instead of the title when the document has none (comments)
    # how the heading is worded when shown, in the reader's language ("comment": "Comment
    # on <heading>"); the index keeps only the subject's own words
    heading_as: str = ""


@dataclass(frozen=True)
class Document:
    """One searchable thing, as its domain describes it.

    `audience` says who may find it (PUBLIC, or MODERATORS for drafts and hidden
    comments), decided by the domain's own visibility rule. `parent` names the document
    this one is only visible through (a comment's subject): a comment on a draft is not
    found by anyone who may not see the draft.
    """

    ref: str
    title: str
    body: str
    audience: str
    state: str
    area_id: int | None
    link: Link
    parent: tuple[str, str] | None = None


@dataclass(frozen=True)
class Kind:
    name: str  # stored in the index; equal to the discussions subject type where one exists
    label: str  # "Public vote"
    plural: str  # "Public votes"
    model: type
    ref: Callable[[Any], str]  # the row's key in the index (an id, or a stable slug)
    document: Callable[[Any], Document | None]  # None: not searchable (yet)
    states: dict[str, str] = field(default_factory=dict)  # value -> label, for the filter


_KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> None:
    """Make `kind` searchable; registering a name again replaces it (module reloads)."""
    _KINDS[kind.name] = kind


def kinds() -> list[Kind]:
    return list(_KINDS.values())


def get(name: str) -> Kind | None:
    return _KINDS.get(name)


def for_object(obj: object) -> Kind | None:
    """The kind whose model `obj` is an instance of, if any."""
    for kind in _KINDS.values():
        if type(obj) is kind.model:
            return kind
    return None


def unregister(name: str) -> None:
    """Stop indexing `name` (its documents stay until the next reindex)."""
    _KINDS.pop(name, None)
