"""Tools for the catalogues (README "Languages"); the suite uses the same checks.

    python -m civic.i18n_tools untranslated [TEMPLATE-DIR-OR-FILE ...]
        text in templates that does not go through gettext (one line per finding)
    python -m civic.i18n_tools missing cy [PATH-PREFIX ...]
        catalogue ids from those files with no Welsh yet (or marked fuzzy)
    python -m civic.i18n_tools fill cy FILE.json
        put translations into the .po: {"msgid": "msgstr"}, or a list of plural forms
    python -m civic.i18n_tools slices cy
        put every civic/translations/cy/slices/*.json into the .po (`make translations`)

The template check reads Jinja's syntax tree: text between tags, the attributes people
read (aria-label, title, alt, placeholder, value of buttons), and the strings handed to the
GOV.UK macros under keys such as "text" or "label". It is a heuristic, tuned to this
project's templates: what it reports is almost always a string a resident would read in
English on a Welsh page.
"""

from __future__ import annotations

import html
import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, nodes

from civic import ROOT

TEMPLATES = ROOT / "templates"
TRANSLATIONS = Path(__file__).parent / "translations"

# strings handed to GOV.UK macros (or our own) under these keys are read by people
_READ_KEYS = {
    "text",
    "html",
    "label",
    "hint",
    "legend",
    "caption",
    "titleText",
    "summaryText",
    "visuallyHiddenText",
    "navigationLabel",
    "errorMessage",
    "heading",
    "description",
    "title",
    "placeholder",
}
_READ_ATTRIBUTES = ("aria-label", "title", "alt", "placeholder", "aria-description")
_TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)([^>]*)>|<!--.*?-->", re.S)
_ATTRIBUTE = re.compile(r'([\w-]+)\s*=\s*("([^"]*)"|\'([^\']*)\')')
_WORD = re.compile(r"[A-Za-z]{2,}")
# not words to translate: the product's name, units and codes as they are written anywhere
_ALLOWED = {"Civic", "JSON", "CSV", "OCDS", "SHA", "PDF", "URL", "API", "UTC", "RSS", "HTML"}


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text}"


def _readable(text: str) -> bool:
    words = [w for w in _WORD.findall(html.unescape(text)) if w not in _ALLOWED]
    return bool(words)


def _text_findings(data: str) -> Iterator[str]:
    """Human text in a piece of raw template HTML: between tags and in read attributes."""
    skip_until: str | None = None
    position = 0
    for match in _TAG.finditer(data):
        if skip_until is None:
            between = data[position : match.start()]
            if _readable(between):
                yield " ".join(between.split())
        position = match.end()
        if match.group(2) is None:  # a comment
            continue
        closing, tag, attributes = match.group(1), match.group(2).lower(), match.group(3)
        if skip_until is not None:
            if closing and tag == skip_until:
                skip_until = None
            continue
        if not closing and tag in ("script", "style"):
            skip_until = tag
            continue
        for attribute in _ATTRIBUTE.finditer(attributes):
            name = attribute.group(1).lower()
            value = attribute.group(3) if attribute.group(3) is not None else attribute.group(4)
            if name in _READ_ATTRIBUTES and _readable(value):
                yield f'{name}="{value}"'
    if skip_until is None:
        tail = data[position:]
        # a tag cut by a Jinja expression ("<a href="{{ x }}">") leaves its end in the tail
        tail = re.sub(r'^[^<>]*?"?\s*(/?)>', "", tail) if "<" not in tail[:1] else tail
        if _readable(tail) and not tail.lstrip().startswith(("<", '"', "'")):
            yield " ".join(tail.split())


def _template_findings(env: Environment, path: Path) -> Iterator[Finding]:
    source = path.read_text(encoding="utf-8")
    tree = env.parse(source)
    name = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
    translated_calls = {"_", "gettext", "ngettext", "pgettext", "npgettext"}
    inside_gettext: set[int] = set()
    for call in tree.find_all(nodes.Call):
        if isinstance(call.node, nodes.Name) and call.node.name in translated_calls:
            for const in call.find_all(nodes.Const):
                inside_gettext.add(id(const))
    for output in tree.find_all(nodes.Output):
        for child in output.nodes:
            if isinstance(child, nodes.TemplateData):
                for text in _cut_attribute_tails(child.data):
                    yield Finding(name, child.lineno, text)
    for pair in tree.find_all(nodes.Pair):
        key, value = pair.key, pair.value
        if (
            isinstance(key, nodes.Const)
            and key.value in _READ_KEYS
            and isinstance(value, nodes.Const)
            and isinstance(value.value, str)
            and id(value) not in inside_gettext
            and _readable(_TAG.sub(" ", value.value))
        ):
            yield Finding(name, value.lineno, f'"{key.value}": "{value.value}"')


def _cut_attribute_tails(data: str) -> Iterator[str]:
    """TemplateData can start inside a tag whose attribute held a Jinja expression."""
    first_tag = data.find("<")
    first_close = data.find(">")
    if first_tag == first_close == -1 and re.search(r"[\w-]+\s*=\s*[\"']", data):
        first_close = len(data)  # all of it sits inside one tag, between two expressions
    if first_close != -1 and (first_tag == -1 or first_close < first_tag):
        head, data = data[:first_close], data[first_close + 1 :]
        for attribute in _ATTRIBUTE.finditer(head):
            value = attribute.group(3) if attribute.group(3) is not None else attribute.group(4)
            if attribute.group(1).lower() in _READ_ATTRIBUTES and _readable(value):
                yield f'{attribute.group(1)}="{value}"'
    yield from _text_findings(data)


def _environment() -> Environment:
    # only parsed, never rendered: autoescape does not apply
    env = Environment(  # noqa: S701
        extensions=["jinja2.ext.i18n", "jinja2.ext.do", "jinja2.ext.loopcontrols"]
    )
    env.policies["ext.i18n.trimmed"] = True
    return env


def untranslated(paths: Iterable[Path] | None = None) -> list[Finding]:
    """Text in the templates under `paths` (default: all) that gettext never sees.

    Text inside `{% trans %}` blocks is not TemplateData of an Output node, so it is
    not reported; neither are strings passed through `_()`.
    """
    env = _environment()
    files: list[Path] = []
    for path in paths or [TEMPLATES]:
        path = Path(path).resolve()
        if path.is_dir():
            files.extend(sorted(path.rglob("*.html")) + sorted(path.rglob("*.txt")))
        else:
            files.append(path)
    findings: list[Finding] = []
    for file in files:
        findings.extend(_template_findings(env, file))
    return findings


def _catalogue(language: str):  # type: ignore[no-untyped-def]
    from babel.messages.pofile import read_po

    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=language)


def missing(language: str, prefixes: Iterable[str] = ()) -> list[str]:
    """Ids used in files starting with one of `prefixes` that lack a `language` translation."""
    prefixes = tuple(prefixes)
    gaps: list[str] = []
    for message in _catalogue(language):
        if not message.id:
            continue
        if prefixes and not any(loc.startswith(prefixes) for loc, _ in message.locations):
            continue
        strings = message.string if isinstance(message.string, tuple | list) else [message.string]
        if message.fuzzy or not all(strings):
            gaps.append(message.id if isinstance(message.id, str) else message.id[0])
    return gaps


def fill(language: str, translations: dict[str, str | list[str]]) -> int:
    """Write `translations` into the language's .po; returns how many ids were found."""
    from babel.messages.pofile import write_po

    catalogue = _catalogue(language)
    done = 0
    for message in catalogue:
        key = message.id if isinstance(message.id, str) else message.id[0]
        if key in translations and key:
            value = translations[key]
            message.string = tuple(value) if isinstance(value, list) else value
            message.flags.discard("fuzzy")
            done += 1
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "wb") as handle:
        write_po(handle, catalogue, width=0, sort_output=True)
    return done


def slices(language: str) -> tuple[int, int]:
    """Fill the .po from each part's own file (civic/translations/<language>/slices)."""
    wanted: dict[str, str | list[str]] = {}
    for path in sorted((TRANSLATIONS / language / "slices").glob("*.json")):
        with open(path, encoding="utf-8") as handle:
            wanted.update(json.load(handle))
    return fill(language, wanted), len(wanted)


def main(argv: list[str]) -> int:
    if argv[:1] == ["slices"] and len(argv) == 2:
        done, given = slices(argv[1])
        print(f"{done} of {given} translations from the slice files are in use")
        return 0
    if not argv or argv[0] not in ("untranslated", "missing", "fill"):
        print(__doc__, file=sys.stderr)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "untranslated":
        found = untranslated([Path(p) for p in rest] or None)
        for finding in found:
            print(finding)
        return 1 if found else 0
    if command == "missing":
        gaps = missing(rest[0], rest[1:])
        for gap in gaps:
            print(gap)
        return 1 if gaps else 0
    with open(rest[1], encoding="utf-8") as handle:
        wanted = json.load(handle)
    done = fill(rest[0], wanted)
    print(f"{done} of {len(wanted)} translations written; `make translations` compiles them")
    return 0 if done == len(wanted) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
