"""How pages read what moderators wrote: in the page's language, or the original, marked.

`localised(obj, "title")` gives a `Localised`: the text to show, the language it is in and
whether it stands in for a missing translation. Rendered with `{{ }}` it is escaped text,
inside `<span lang="...">` when its language is not the page's, so a screen reader
pronounces it right. `.marked` adds before it the note that says the translation is
missing, and `content/_top.html` puts the title's note and the easy-read box under the <h1>.

Translations are read once per subject per request (one query; none at all when the page
is in the subject's own language, which is every English page today).
"""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context
from markupsafe import Markup, escape
from sqlalchemy import select

from civic.content import subjects
from civic.content.models import ContentTranslation
from civic.extensions import db
from civic.i18n import HTML_LANG, current_language
from civic.i18n import lazy_gettext as _l

# the note beside an original shown because a translation is missing: (page, original)
MISSING_NOTES = {
    ("cy", "en"): _l("There is no Welsh version yet: this is the English."),
    ("en", "cy"): _l("There is no English version yet: this is the Welsh."),
}


class Localised(str):
    """A str (so Jinja's `~` and filters keep it whole) that knows its language."""

    language: str  # the language the text is in
    page_language: str
    missing: bool  # the page's language has no version: this is the original
    translated: bool  # a moderator's version in another language than the original

    def __new__(
        cls,
        text: str,
        language: str,
        page_language: str,
        missing: bool,
        translated: bool = False,
    ) -> Localised:
        made = super().__new__(cls, text)
        made.language = language
        made.page_language = page_language
        made.missing = missing
        made.translated = translated
        return made

    @property
    def text(self) -> str:
        return str.__str__(self)

    @property
    def foreign(self) -> bool:
        """Carries its own lang attribute: in another language than the page's, or a
        translation (so the mix of languages on a page is explicit, element by element)."""
        return self.translated or self.language != self.page_language

    @property
    def lang(self) -> str:
        """The BCP 47 tag for a lang attribute."""
        return HTML_LANG.get(self.language, self.language)

    @property
    def note(self) -> str:
        if not self.missing:
            return ""
        return str(MISSING_NOTES.get((self.page_language, self.language), ""))

    def __html__(self) -> Markup:
        if not self.foreign:
            return escape(self.text)
        return Markup('<span lang="{}">{}</span>').format(self.lang, self.text)

    @property
    def lang_attr(self) -> Markup:
        """` lang="en"` for the element that holds the text, when it needs one."""
        return Markup(' lang="{}"').format(self.lang) if self.foreign else Markup("")

    @property
    def note_html(self) -> Markup:
        """The missing-translation note as a paragraph of its own (or nothing)."""
        if not self.note:
            return Markup("")
        return Markup('<p class="govuk-body-s civic-content-note">{}</p>').format(self.note)

    @property
    def marked(self) -> Markup:
        """The text with the missing-translation note before it, for inside a block
        element (the note is a span the stylesheet shows as a line of its own)."""
        if not self.text:
            return Markup("")
        if not self.note:
            return self.__html__()
        return Markup('<span class="civic-content-note">{}</span>{}').format(
            self.note, self.__html__()
        )


def _cache() -> dict:
    if not has_request_context():
        return {}
    if "content_translations" not in g:
        g.content_translations = {}
    return g.content_translations


def _versions(kind: str, obj: Any, language: str) -> dict[tuple[int, str], str]:
    """{(subject id, field): text} in `language` for the subject (a question: every
    question of its consultation, so a page of questions costs one query)."""
    if kind == "consultation_question":
        key = ("consultation_question", obj.consultation_id, language)
        ids: Any = select(subjects.Question.id).where(
            subjects.Question.consultation_id == obj.consultation_id
        )
    else:
        key = (kind, obj.id, language)
        ids = [obj.id]
    cache = _cache()
    if key not in cache:
        rows = db.session.execute(
            select(
                ContentTranslation.subject_id, ContentTranslation.field, ContentTranslation.text
            ).where(
                ContentTranslation.subject_kind == kind,
                ContentTranslation.subject_id.in_(ids),
                ContentTranslation.language == language,
            )
        )
        cache[key] = {(sid, name): text for sid, name, text in rows}
    return cache[key]


def localised(obj: Any, name: str, language: str | None = None) -> Localised:
    """Field `name` of `obj` in `language` (default: the page's), or the original."""
    page = language or current_language()
    own = subjects.language_of(obj)
    text = subjects.original(obj, name)
    if page == own or not text:
        return Localised(text, own, page, missing=False)
    version = _versions(subjects.kind_of(obj), obj, page).get((obj.id, name))
    if version:
        return Localised(version, page, page, missing=False, translated=True)
    return Localised(text, own, page, missing=True)


def localised_options(question: Any) -> list[Localised]:
    """A question's options in the page's language, each its original where missing."""
    return [localised(question, f"option.{i}") for i in range(len(question.options or []))]


def forget() -> None:
    """Drop this request's cached versions (after a moderator saves new ones)."""
    if has_request_context():
        g.pop("content_translations", None)


def init_app(app: Any) -> None:
    app.add_template_global(localised, "localised")
    app.add_template_global(localised_options, "localised_options")
    app.add_template_global(language_name, "language_name")
    app.add_template_global(version_name, "version_name")
    app.add_template_global(subjects.kind_of, "content_kind")


# languages named in the page's language (the switch names each in itself instead)
LANGUAGE_NAMES = {"en": _l("English"), "cy": _l("Welsh")}


# whole phrases, not "%(language)s version": Welsh mutates a language name after a
# feminine noun ("fersiwn Gymraeg"), which a placeholder cannot do
VERSION_NAMES = {"en": _l("English version"), "cy": _l("Welsh version")}


def language_name(code: str) -> str:
    return str(LANGUAGE_NAMES.get(code, code))


def version_name(code: str) -> str:
    return str(VERSION_NAMES.get(code, code))
