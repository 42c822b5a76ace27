"""Languages: which one a request is served in, and locale-aware formatting.

Civic speaks English and Welsh (`cy`, first of the languages a UK council must offer).
The language of a request is, in order: the signed-in person's saved choice, the
`civic_lang` cookie the switch on every page sets, then the browser's Accept-Language.
A cookie rather than the session: an anonymous visitor who never switches gets no cookie at
all, so public pages stay cacheable (responses vary on Accept-Language and Cookie).

Everything residents read goes through gettext (`_` in templates and in Python); messages
sent later (mail, `civic tick`) are rendered inside `force_locale(person's language)`.
Catalogues live in `civic/translations/` (see README "Languages").
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from babel.dates import format_date
from babel.numbers import format_decimal
from flask_babel import Babel, force_locale, get_locale, gettext, lazy_gettext, ngettext

from civic.clock import aware

if TYPE_CHECKING:
    from flask import Flask

__all__ = [
    "LANGUAGES",
    "_",
    "current_language",
    "force_locale",
    "format_day",
    "format_money",
    "format_number",
    "gettext",
    "in_language",
    "lazy_gettext",
    "ngettext",
]

_ = gettext

# code -> the language's name in itself, as the switch shows it
LANGUAGES: dict[str, str] = {"en": "English", "cy": "Cymraeg"}
DEFAULT_LANGUAGE = "en"
COOKIE = "civic_lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
# the BCP 47 tag a page's lang attribute carries for each language
HTML_LANG: dict[str, str] = {"en": "en-GB", "cy": "cy"}
# Babel's locale for formatting numbers and dates (British English, not American)
_FORMAT_LOCALE: dict[str, str] = {"en": "en_GB", "cy": "cy_GB"}

babel = Babel()

# account roles as pages name them ("Signed in as Sam (resident)")
ROLE_NAMES = {
    "resident": lazy_gettext("resident"),
    "moderator": lazy_gettext("moderator"),
    "admin": lazy_gettext("admin"),
}


def role_name(role: str) -> str:
    return str(ROLE_NAMES.get(role, role))


def supported(code: str | None) -> str | None:
    """`code` when Civic speaks it ("cy", "CY", "cy-GB" all give "cy"), else None."""
    if not code:
        return None
    short = code.strip().replace("_", "-").split("-", 1)[0].lower()
    return short if short in LANGUAGES else None


def select_locale() -> str:
    """The language of this request (Flask-Babel's locale selector)."""
    from flask import has_request_context, request
    from flask_login import current_user

    if not has_request_context():  # civic tick, the CLI: mail says which language it wants
        return DEFAULT_LANGUAGE
    if current_user and current_user.is_authenticated:
        chosen = supported(getattr(current_user, "locale", None))
        if chosen:
            return chosen
    chosen = supported(request.cookies.get(COOKIE))
    if chosen:
        return chosen
    return request.accept_languages.best_match(list(LANGUAGES), default=DEFAULT_LANGUAGE)


def current_language() -> str:
    """ "en" or "cy": the language being rendered now (outside a request: English)."""
    locale = get_locale()
    return (supported(str(locale)) if locale is not None else None) or DEFAULT_LANGUAGE


@contextmanager
def in_language(code: str | None) -> Iterator[None]:
    """Render in a person's language (mail, notifications): theirs, or English."""
    with force_locale(supported(code) or DEFAULT_LANGUAGE):
        yield


def _format_locale() -> str:
    return _FORMAT_LOCALE[current_language()]


def format_money(minor: int, currency: str = "GBP") -> str:
    """An amount in minor units (pence) as pages write it: "£1,250", "£12.50", "125,000 PLN".

    Whole amounts drop the ".00", as council papers do. The symbols and their place are the
    ones Civic has always used (so a round in złoty reads the same in every language); the
    digits are grouped as the language groups them (Babel's CLDR data).
    """
    symbol = _SYMBOLS.get(currency)
    units, pence = divmod(abs(minor), 100)
    text = format_decimal(units, locale=_format_locale())
    if pence:
        text += f".{pence:02d}"
    sign = "-" if minor < 0 else ""
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency}"


_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}


def format_number(n: int | float | Decimal) -> str:
    """A number with the locale's grouping ("61,668")."""
    return format_decimal(n, locale=_format_locale())


def format_day(moment: date | datetime | None) -> str:
    """A date as residents read it: "29 November 2026", "29 Tachwedd 2026"."""
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        moment = aware(moment).date()
    return format_date(moment, format="d MMMM y", locale=_format_locale())


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    babel.init_app(app, locale_selector=select_locale)
    # `{% trans %}` blocks collapse their whitespace, so catalogue ids are one line each
    app.jinja_env.policies["ext.i18n.trimmed"] = True

    @app.context_processor
    def _language() -> dict[str, Any]:
        code = current_language()
        return {
            "current_language": code,
            "html_lang": HTML_LANG.get(code, "en-GB"),
            "languages": LANGUAGES,
            "html_lang_of": HTML_LANG,
        }

    app.add_template_global(role_name, "role_name")
    app.add_template_filter(format_money, "money")
    app.add_template_filter(format_day, "day")
    app.add_template_filter(format_number, "number")
