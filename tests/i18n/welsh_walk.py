"""Walk every page a resident can open, in Welsh, and collect the strings that had none.

Flask-Babel asks one translations object for every `_()`, `ngettext` and `{% trans %}`, in
templates and in Python alike; the recorder below stands in for it and notes each id the
Welsh catalogue lacks. So a flash message, a form label or a state's name that reaches a
resident page in English is caught, not only template text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import flask_babel
from flask import Flask

from civic.i18n import current_language


class _Recorder:
    def __init__(self, inner: Any, misses: set[str]) -> None:
        self._inner = inner
        self._misses = misses

    def _has(self, key: Any) -> bool:
        return key in getattr(self._inner, "_catalog", {})

    def _note(self, key: Any, shown: str) -> None:
        if current_language() == "cy" and not self._has(key):
            self._misses.add(shown)

    def ugettext(self, message: str) -> str:
        self._note(message, message)
        return self._inner.ugettext(message)

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        self._note((singular, 0), singular)
        return self._inner.ungettext(singular, plural, n)

    def upgettext(self, context: str, message: str) -> str:
        self._note(f"{context}\x04{message}", message)
        return self._inner.upgettext(context, message)

    def unpgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        self._note((f"{context}\x04{singular}", 0), singular)
        return self._inner.unpgettext(context, singular, plural, n)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@contextmanager
def recording() -> Iterator[set[str]]:
    """Within: every id asked for in Welsh that the catalogue lacks lands in the set."""
    misses: set[str] = set()
    original = flask_babel.Domain.get_translations

    def recorded(self: flask_babel.Domain) -> Any:
        return _Recorder(original(self), misses)

    flask_babel.Domain.get_translations = recorded  # type: ignore[method-assign]
    try:
        yield misses
    finally:
        flask_babel.Domain.get_translations = original  # type: ignore[method-assign]


def walk_in_welsh(app: Flask, client: Any, urls: dict[str, str]) -> dict[str, list[str]]:
    """{endpoint: [ids with no Welsh]} for each page (only pages with something missing)."""
    found: dict[str, list[str]] = defaultdict(list)
    for endpoint, url in urls.items():
        with recording() as misses:
            response = client.get(url, headers={"Accept-Language": "cy"})
        assert response.status_code < 500, url
        if misses:
            found[endpoint] = sorted(misses)
    return dict(found)
