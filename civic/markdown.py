"""Markdown that residents write, turned into HTML that is safe to show anyone.

Two layers: markdown-it-py renders with raw HTML switched off (so `<script>` is text),
then nh3 (the Rust ammonia sanitiser) keeps only a small allow-list of tags, attributes
and URL schemes. Either layer alone would stop most attacks; both must fail for one to work.
"""

from __future__ import annotations

from functools import cache

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {"p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "hr", "del"}
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"


@cache
def _parser() -> MarkdownIt:
    # commonmark without raw HTML; strikethrough and tables are the only extras residents use
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("strikethrough")


def render(source: str) -> str:
    """Sanitised HTML for a comment or a published response."""
    html = _parser().render(source)
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        # residents' links look like every other link on the page (the design system's)
        set_tag_attribute_values={"a": {"class": "govuk-link"}},
        strip_comments=True,
    )
