"""Counts in words: "1 ballot", "2 ballots", "1,204 residents".

One helper so every page gets the singular right ("from 1 ballot", not "from 1 ballots")
and large numbers are grouped the same way everywhere. Templates use it as the `counted`
filter: `{{ n|counted("ballot") }}`, or `{{ n|counted("person", "people") }}` for an
irregular plural. Translations (Welsh has more than two plural forms) will replace the
body with ngettext; callers stay as they are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pure modules (ballot rules) use the helpers without importing Flask
    from flask import Flask

from civic.clock import day


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    """The noun alone, in the form that agrees with `n`."""
    if n == 1:
        return singular
    return plural_form if plural_form is not None else singular + "s"


def counted(n: int, singular: str, plural_form: str | None = None) -> str:
    """`n` with its thousands grouped, then the noun that agrees with it."""
    return f"{n:,} {plural(n, singular, plural_form)}"


def init_app(app: Flask) -> None:
    app.add_template_filter(counted, "counted")
    app.add_template_filter(plural, "plural")
    app.add_template_filter(day, "day")
