"""Residents' Markdown becomes safe HTML: 35 known XSS payloads, none survives."""

from __future__ import annotations

import html
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from civic.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, URL_SCHEMES, render

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](javascript&#58;alert(1))",
    "[click](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "<javascript:alert(1)>",
    "![x](javascript:alert(1))",
    '![x](x" onerror="alert(1))',
    '[a](http://example.org "title\\" onmouseover=\\"alert(1)")',
    "[a][r]\n\n[r]: javascript:alert(1)",
    "<details open ontoggle=alert(1)>",
    "<body onload=alert(1)>",
    "<object data=javascript:alert(1)></object>",
    "<embed src=javascript:alert(1)>",
    "<form action=javascript:alert(1)><button>x</button></form>",
    "<base href=javascript:alert(1)//>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<a href="  javascript:alert(1)">spaces</a>',
    "[x](java\tscript:alert(1))",
    '<div style="background-image:url(javascript:alert(1))">x</div>',
    "<!--<img src=x onerror=alert(1)>-->",
    "`<script>alert(1)</script>` and ```\n<script>alert(1)</script>\n```",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<a href='https://ok.example' onclick='alert(1)'>ok</a>",
    "<input autofocus onfocus=alert(1)>",
    '[x](https://ok.example/"onmouseover="alert(1))',
]


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def _elements(markup: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    collector = _Collector()
    collector.feed(markup)
    return collector.tags


def test_there_are_at_least_30_payloads():
    assert len(set(PAYLOADS)) >= 30


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_is_neutralised(payload):
    out = render(payload)
    for tag, attrs in _elements(out):
        assert tag in ALLOWED_TAGS, (tag, out)
        for name, value in attrs:
            # rel and the link class are set by the sanitiser itself, never taken from input
            set_by_us = (tag, name) == ("a", "rel") or (tag, name, value) == (
                "a",
                "class",
                "govuk-link",
            )
            assert name in ALLOWED_ATTRIBUTES.get(tag, set()) or set_by_us, out
            if name == "href":
                target = html.unescape(value or "").strip().lower()
                scheme = urlsplit(target).scheme
                assert scheme in URL_SCHEMES, out
    # dangerous markup may survive only as visible, escaped text, never as a tag
    assert "<script" not in out.lower() and "<iframe" not in out.lower()


def test_links_get_rel_nofollow_ugc_noopener():
    out = render("[council](https://council.example/budget)")
    (_, attrs), *_ = [e for e in _elements(out) if e[0] == "a"]
    assert dict(attrs)["rel"] == "nofollow ugc noopener"
    assert dict(attrs)["href"] == "https://council.example/budget"


def test_markdown_still_works():
    out = render("**bold** and *soft*\n\n- one\n- two\n\n> quoted\n\n`code`")
    for fragment in (
        "<strong>bold</strong>",
        "<em>soft</em>",
        "<li>one</li>",
        "<blockquote>",
        "<code>code</code>",
    ):
        assert fragment in out


def test_raw_html_is_shown_as_text_not_dropped_silently():
    assert "&lt;b&gt;" in render("<b>not bold</b>")
