"""Counts in words, and the names pages give to stored values, in the reader's language.

`counted` ("1 ballot", "2 ballots", "1,204 residents") is the English-only helper the
pages used before Civic spoke Welsh: Welsh has six plural forms, so a translated page
calls `ngettext` with the whole phrase instead (`{{ ngettext("%(num)s ballot",
"%(num)s ballots", n) }}`). It stays for the pure modules and English-only operator text.

The label mappings turn a stored value ("ward", "organiser", "voting") into the word a
page shows, through gettext, so no template shows `value|capitalize` in English on a
Welsh page. Unknown values fall back to the value itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pure modules (ballot rules) use the helpers without importing Flask
    from flask import Flask

from civic.clock import aware, day
from civic.counting import counted, plural
from civic.i18n import _, current_language
from civic.i18n import lazy_gettext as _l

# Babel's locale for a language code (civic.i18n formats money and days the same way)
_DATE_LOCALE = {"en": "en_GB", "cy": "cy_GB"}


def spoken(moment: Any) -> str:
    """A moment as a page says it, in the page's language: "14:03 on 01 December 2026
    (UTC)", "14:03 ar 01 Rhagfyr 2026 (UTC)" (civic.clock.spoken is the English one)."""
    from babel.dates import format_date

    moment = aware(moment)
    on = format_date(moment, format="dd MMMM y", locale=_DATE_LOCALE[current_language()])
    at = f"{moment:%H:%M}"
    return _("%(time)s on %(day)s (UTC)", time=at, day=on)


AREA_KINDS = {"ward": _l("Ward"), "neighbourhood": _l("Neighbourhood"), "estate": _l("Estate")}
GROUP_ROLES = {"member": _l("Member"), "organiser": _l("Organiser")}
# a budget round's phase, in one word (the round page explains each at length)
ROUND_PHASES = {
    "ideas": _l("Ideas"),
    "review": _l("Review"),
    "voting": _l("Voting"),
    "results": _l("Results"),
    "delivery": _l("Delivery"),
}


def _value(value: Any) -> str:
    return str(getattr(value, "value", value) or "")


def area_kind_name(kind: Any) -> str:
    """ "Ward", "Neighbourhood", "Estate" (or "Ward", "Cymdogaeth", "Ystad")."""
    raw = _value(kind)
    return str(AREA_KINDS.get(raw, raw.capitalize()))


def group_role_name(role: Any) -> str:
    raw = _value(role)
    return str(GROUP_ROLES.get(raw, raw.capitalize()))


def phase_name(phase: Any) -> str:
    raw = _value(phase)
    return str(ROUND_PHASES.get(raw, raw.capitalize()))


def init_app(app: Flask) -> None:
    app.add_template_filter(counted, "counted")
    app.add_template_filter(plural, "plural")
    app.add_template_filter(day, "day")
    app.add_template_global(area_kind_name, "area_kind_name")
    app.add_template_global(group_role_name, "group_role_name")
    app.add_template_global(phase_name, "phase_name")
