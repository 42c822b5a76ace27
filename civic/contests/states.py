"""The outcome of a contest, in one vocabulary for every kind of paper entry.

Budget ballots once said *upheld* for "the ballot stands" while paper votes said *upheld*
for "the paper is removed"; a moderator moving between the two pages read the same word
both ways. These words say what happens to the entry (migration 0044 mapped old rows)."""

from __future__ import annotations

import enum

from sqlalchemy import Index, text

from civic.i18n import lazy_gettext as _l


class ContestState(enum.StrEnum):
    OPEN = "open"
    REMOVED = "removed"  # the paper entry was taken out: the resident may take part again
    KEPT = "kept"  # the paper entry stands

    @property
    def label(self) -> str:
        return str(
            {
                "open": _l("Waiting for a moderator"),
                "removed": _l("Removed: the paper entry was taken out"),
                "kept": _l("Kept: the paper entry stands"),
            }[self.value]
        )


# what a moderator chooses on the resolution form, and what it stores
OUTCOMES = {"remove": ContestState.REMOVED, "keep": ContestState.KEPT}


def one_open_per_entry(name: str, *columns: str) -> Index:
    """A partial unique index: one open contest per entry, so two contests sent at once
    leave one (the other is refused, civic.contests.flow)."""
    where = text("state = 'open'")
    return Index(name, *columns, unique=True, sqlite_where=where, postgresql_where=where)
