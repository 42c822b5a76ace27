"""The catalogues follow the code: CI fails when a string was added without `make
translations`, when a compiled .mo is older than its .po, when a template shows text that
gettext never sees, or when a resident journey lacks Welsh."""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from civic import ROOT, i18n_tools
from civic.i18n_tools import TRANSLATIONS

KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "lazy_pgettext": ((1, "c"), 2),
}

# Templates whose every visible string goes through gettext (all of them, once the last
# directory is done; the check then runs on the whole tree).
TRANSLATED_TEMPLATES = [
    "templates/base.html",
    "templates/_language_switch.html",
    # slice content
    "templates/content",
]
# Files of the resident journeys (register, become eligible, vote, ballot, respond,
# discuss, receipts, notifications and their mail): every string there has Welsh.
RESIDENT_JOURNEYS = [
    "templates/base.html",
    "templates/_language_switch.html",
    "civic/i18n.py",
    "civic/accounts/language.py",
    # slice content
    "templates/content/_top.html",
    "civic/content/text.py",
]


def _ids_in_code() -> set[str]:
    with open(ROOT / "babel.cfg", encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        key = message if isinstance(message, str) else message[0]
        found.add((context, key))
    return found


def _ids_in(catalogue) -> set[tuple[str | None, str]]:
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalogue if m.id}


def _forms(string: str | tuple[str, ...]) -> tuple[str, ...]:
    return string if isinstance(string, tuple) else (string,)


def _po(language: str):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=language)


def test_messages_pot_has_every_string_the_code_uses():
    with open(TRANSLATIONS / "messages.pot", "rb") as handle:
        template = read_po(handle)
    in_code = _ids_in_code()
    in_pot = _ids_in(template)
    added = sorted(k for _c, k in in_code - in_pot)
    gone = sorted(k for _c, k in in_pot - in_code)
    assert not added and not gone, (
        "civic/translations/messages.pot is out of date: run `make translations`.\n"
        f"new in the code: {added[:20]}\nno longer in the code: {gone[:20]}"
    )


def test_every_language_catalogue_has_every_id_and_its_mo_is_compiled():
    with open(TRANSLATIONS / "messages.pot", "rb") as handle:
        template_ids = _ids_in(read_po(handle))
    for language_dir in sorted(p for p in TRANSLATIONS.iterdir() if p.is_dir()):
        language = language_dir.name
        catalogue = _po(language)
        assert _ids_in(catalogue) == template_ids, f"{language}: run `make translations`"
        with open(language_dir / "LC_MESSAGES" / "messages.mo", "rb") as handle:
            compiled = read_mo(handle)
        wanted = {
            (m.id if isinstance(m.id, str) else m.id[0]): m.string
            for m in catalogue
            if m.id and not m.fuzzy and all(_forms(m.string))
        }
        got = {(m.id if isinstance(m.id, str) else m.id[0]): m.string for m in compiled if m.id}
        assert got == wanted, f"{language}: messages.mo is older than its .po: make translations"


def test_translated_templates_show_no_text_outside_gettext():
    findings = i18n_tools.untranslated([ROOT / p for p in TRANSLATED_TEMPLATES])
    assert not findings, "text that never goes through gettext:\n" + "\n".join(map(str, findings))


def test_resident_journeys_are_complete_in_welsh():
    gaps = i18n_tools.missing("cy", RESIDENT_JOURNEYS)
    assert not gaps, f"{len(gaps)} strings of a resident journey have no Welsh: {gaps[:20]}"


def test_the_checker_finds_english_left_in_a_template(tmp_path: Path):
    page = tmp_path / "page.html"
    page.write_text(
        '<h1>{{ _("Translated") }}</h1>\n<p class="x">Left in English</p>\n'
        '<a href="{{ url }}" aria-label="Also English">{{ name }}</a>\n'
        '{{ govukButton({"text": "Send"}) }}\n{% trans %}Fine{% endtrans %}\n'
        "<script>var notText = 1;</script>\n",
        encoding="utf-8",
    )
    texts = [f.text for f in i18n_tools.untranslated([page])]
    assert texts == ["Left in English", 'aria-label="Also English"', '"text": "Send"']


def test_fill_writes_translations_the_missing_report_then_omits(tmp_path, monkeypatch):
    copy = tmp_path / "cy" / "LC_MESSAGES"
    copy.mkdir(parents=True)
    source = (TRANSLATIONS / "cy" / "LC_MESSAGES" / "messages.po").read_bytes()
    (copy / "messages.po").write_bytes(source)
    monkeypatch.setattr(i18n_tools, "TRANSLATIONS", tmp_path)
    catalogue = read_po(io.BytesIO(source), locale="cy")
    catalogue["Home"].string = ""
    buffer = io.BytesIO()
    from babel.messages.pofile import write_po

    write_po(buffer, catalogue)
    (copy / "messages.po").write_bytes(buffer.getvalue())
    assert "Home" in i18n_tools.missing("cy", ["templates/base.html"])
    assert i18n_tools.fill("cy", {"Home": "Hafan"}) == 1
    assert "Home" not in i18n_tools.missing("cy", ["templates/base.html"])
