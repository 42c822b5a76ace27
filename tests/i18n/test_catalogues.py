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

# Every template: each visible string goes through gettext (the check below fails on any
# text left outside it, in a new template too).
TRANSLATED_TEMPLATES = ["templates"]
# Files of the resident journeys (register, become eligible, vote, ballot, respond,
# discuss, receipts, notifications and their mail): every string there has Welsh.
RESIDENT_JOURNEYS = [
    "templates/base.html",
    "templates/_language_switch.html",
    "civic/i18n.py",
    "civic/accounts/language.py",
    # slice contracts
    "templates/audit/index.html",
    "templates/audit/_entries.html",
    "templates/audit/_log_key.html",
    "templates/audit/entry.html",
    "templates/audit/trail.html",
    "templates/audit/how_to_check.html",
    "templates/contracts/index.html",
    "templates/contracts/contract_detail.html",
    "templates/contracts/_marker.html",
    "templates/contracts/_errors.html",
    "templates/contracts/_documents.html",
    "templates/contracts/scorecard.html",
    "templates/contracts/review_section.html",
    "templates/contracts/requests/",
    "templates/contracts/recall/",
    "templates/contracts/performance/_section.html",
    "civic/contracts/inforequests/",
    "civic/contracts/recall/",
    "civic/contracts/scorecard.py",
    "civic/contracts/scorecard_figures.py",
    "civic/contracts/models.py",
    "civic/contracts/filetypes.py",
    "civic/contracts/documents.py",
    "civic/contracts/performance/periods.py",
    "civic/contracts/performance/models.py",
    "civic/contracts/performance/figures.py",
    "civic/audit/views.py",
    # slice vote
    "templates/votes/detail.html",
    "templates/votes/vote.html",
    "templates/votes/index.html",
    "templates/votes/_case.html",
    "templates/_macros/dates.html",
    "templates/consultations/index.html",
    "templates/consultations/detail.html",
    "templates/consultations/respond.html",
    "templates/consultations/mine.html",
    "templates/consultations/analysis.html",
    "templates/consultations/free_text.html",
    "templates/discussions/",
    "civic/votes/models.py",
    "civic/votes/decision.py",
    "civic/votes/wording.py",
    "civic/votes/forms.py",
    "civic/votes/services.py",
    "civic/consultations/models.py",
    "civic/consultations/services.py",
    "civic/consultations/views.py",
    "civic/discussions/",
    # slice mail
    "templates/mail/",
    "templates/notifications/",
    "templates/receipts/",
    "civic/notifications/",
    "civic/receipts/",
    # slice accounts
    "templates/_macros/",
    "templates/accounts/register.html",
    "templates/accounts/sign_in.html",
    "templates/accounts/check_email.html",
    "templates/accounts/confirm_link.html",
    "templates/accounts/link_problem.html",
    "templates/accounts/forgot_password.html",
    "templates/accounts/reset_link_sent.html",
    "templates/accounts/reset_password.html",
    "templates/accounts/password.html",
    "templates/accounts/change_email.html",
    "templates/accounts/eligibility.html",
    "templates/accounts/_language_setting.html",
    "templates/accounts/area.html",
    "templates/accounts/areas.html",
    "templates/accounts/code_sheet.html",
    "templates/accounts/data.html",
    "templates/accounts/delete.html",
    "templates/accounts/delete_confirm.html",
    "templates/accounts/_blockers.html",
    "templates/pages/",
    "templates/errors/",
    "templates/search/",
    "templates/site_pages/page.html",
    "civic/accounts/forms.py",
    "civic/accounts/services.py",
    "civic/accounts/tokens.py",
    "civic/accounts/passwords.py",
    "civic/accounts/data_rights.py",
    "civic/accounts/constituencies.py",
    "civic/accounts/views.py",
    "civic/pages.py",
    "civic/web.py",
    "civic/errors.py",
    "civic/forms.py",
    "civic/wording.py",
    "civic/whats_open.py",
    "civic/search/",
    "civic/site_pages/services.py",
    # slice budgets
    "templates/budgets/index.html",
    "templates/budgets/round.html",
    "templates/budgets/propose.html",
    "templates/budgets/project.html",
    "templates/budgets/ballot.html",
    "templates/budgets/withdraw.html",
    "templates/budgets/results.html",
    "templates/budgets/_paper_ballot.html",
    "templates/petitions/index.html",
    "templates/petitions/detail.html",
    "templates/petitions/new.html",
    "templates/petitions/rules.html",
    "templates/groups/join.html",
    "templates/groups/rules.html",
    "templates/groups/motion.html",
    "templates/groups/motion_form.html",
    "templates/groups/_governance.html",
    "templates/groups/_elections.html",
    "templates/groups/elections/detail.html",
    "templates/constituencies/index.html",
    "templates/constituencies/detail.html",
    "templates/constituencies/_class_counts.html",
    "civic/budgets/ballots.py",
    "civic/budgets/explain.py",
    "civic/budgets/models.py",
    "civic/budgets/services.py",
    "civic/budgets/contests.py",
    "civic/budgets/views.py",
    "civic/petitions/services.py",
    "civic/petitions/views.py",
    "civic/petitions/forms.py",
    "civic/groups/rules.py",
    "civic/groups/membership.py",
    "civic/groups/motions.py",
    "civic/groups/elections.py",
    "civic/groups/views.py",
    "civic/groups/election_views.py",
    "civic/constituencies/services.py",
    # slice content
    "templates/content/_top.html",
    "civic/content/text.py",
    # slice paper: what a resident sees of a paper entered for them, and the counts
    "templates/paper/mine.html",
    "templates/paper/_split.html",
    "civic/paper/",
    # slice contests: the outcome a resident reads of their contest
    "civic/contests/",
    # slice content: the marks on moderators' text shown in another language
    "templates/content/_top.html",
    "civic/content/",
]


def _searched(dirpath: str) -> bool:
    """Babel skips directories starting with "_" by default, which would leave out
    templates/_macros; the Makefile's `--ignore-dirs` says the same as this."""
    name = Path(dirpath).name
    return not (name.startswith(".") or name == "__pycache__")


def _ids_in_code() -> set[str]:
    with open(ROOT / "babel.cfg", encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, directory_filter=_searched
    ):
        key = message if isinstance(message, str) else message[0]
        found.add((context, key))
    return found


def _ids_in(catalogue) -> set[tuple[str | None, str]]:
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalogue if m.id}


def _forms(string: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """A translation's forms as a tuple: the .po gives plurals as a tuple, the .mo a list."""
    # plural forms: a tuple from the .po, a list from the .mo
    return tuple(string) if isinstance(string, tuple | list) else (string,)


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
            (m.id if isinstance(m.id, str) else m.id[0]): _forms(m.string)
            for m in catalogue
            if m.id and not m.fuzzy and all(_forms(m.string))
        }
        # plural forms: a tuple from the .po, a list from the .mo; _forms makes both tuples
        got = {
            (m.id if isinstance(m.id, str) else m.id[0]): _forms(m.string) for m in compiled if m.id
        }
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


def test_no_template_hides_gettext_behind_a_variable_named_underscore():
    """`{% set _ = list.append(x) %}` rebinds `_` for the rest of the template: every
    `_("...")` after it then calls None (a 500 on the page)."""
    from jinja2 import nodes

    env = i18n_tools._environment()
    hiding = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        tree = env.parse(path.read_text(encoding="utf-8"))
        for assign in tree.find_all((nodes.Assign, nodes.For)):
            for name in (
                assign.target.find_all(nodes.Name)
                if not isinstance(assign.target, nodes.Name)
                else [assign.target]
            ):
                if name.name == "_":
                    hiding.append(f"{path.relative_to(ROOT)}:{assign.lineno}")
    assert not hiding, f"templates that rebind `_`: {hiding}"
