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


# Site pages (privacy notice, accessibility statement, cookies) are written by
# administrators and need section headings and tables of cookies; still sanitised, since an
# administrator's account can be stolen like anyone's. No h1: the page template has it.
PAGE_TAGS = ALLOWED_TAGS | {"h2", "h3", "h4", "table", "thead", "tbody", "tr", "th", "td"}
PAGE_CLASSES = {
    "h2": "govuk-heading-m",
    "h3": "govuk-heading-s",
    "h4": "govuk-heading-s",
    "p": "govuk-body",
    "ul": "govuk-list govuk-list--bullet",
    "ol": "govuk-list govuk-list--number",
    "a": "govuk-link",
    "table": "govuk-table",
    "tr": "govuk-table__row",
    "th": "govuk-table__header",
    "td": "govuk-table__cell",
}


@cache
def _page_parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(
        ["strikethrough", "table"]
    )


def render_page(source: str) -> str:
    """Sanitised HTML for an administrator-edited site page, styled like the rest of the site
    (a `# heading` becomes a second-level one: the page's own title is its only h1)."""
    html = _page_parser().render(source.replace("\r\n", "\n"))
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return nh3.clean(
        html,
        tags=set(PAGE_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener",
        # a Markdown table's headers are its first row: each heads a column
        set_tag_attribute_values={tag: {"class": cls} for tag, cls in PAGE_CLASSES.items()}
        | {"th": {"class": PAGE_CLASSES["th"], "scope": "col"}},
        strip_comments=True,
    )
