"""Safe highlighting. The database marks matches with two control characters that
indexed text can never contain (civic.search.index.clean removes them); everything else
is escaped, and only then do the markers become <mark> tags. So a title holding
`<script>` or the word "mark" shows as text, and the only markup is ours.
"""

from __future__ import annotations

from markupsafe import Markup, escape

START = "\x02"
STOP = "\x03"


def marked(text: str | None) -> Markup:
    """`text` from the highlighter, escaped, with its match markers as <mark> elements."""
    safe = str(escape(text or ""))
    # an unmatched marker (a fragment cut mid-match) must not leave an open element
    opened = 0
    out: list[str] = []
    for char in safe:
        if char == START and not opened:
            out.append("<mark>")
            opened = 1
        elif char == STOP and opened:
            out.append("</mark>")
            opened = 0
        elif char not in (START, STOP):
            out.append(char)
    if opened:
        out.append("</mark>")
    return Markup("".join(out))  # noqa: S704  (escaped above; only our <mark> tags added)
