"""Counts in English words ("1 ballot", "2 ballots"), with no Flask import.

For the pure modules and the command line (`python -m civic.budgets.tally` must start
without the app); pages use ngettext through gettext instead (civic.wording).
"""

from __future__ import annotations


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    """The noun alone, in the form that agrees with `n`."""
    if n == 1:
        return singular
    return plural_form if plural_form is not None else singular + "s"


def counted(n: int, singular: str, plural_form: str | None = None) -> str:
    """`n` with its thousands grouped, then the noun that agrees with it."""
    return f"{n:,} {plural(n, singular, plural_form)}"
