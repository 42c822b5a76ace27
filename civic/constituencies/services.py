"""The one rule for who may take part in a vote, consultation or budget round, and the
per-class counts that follow from it.

A subject with no constituency linked keeps the old rule: residents of its area. Linked to
one or more, it is open to anyone in any of them (a residents-of-the-area constituency mixes
residents in). Domains call `may_take_part` / `require_member` to decide, `electorate` for
quorums and privacy, `record_classes` when a cast is written (under the subject's row lock),
and `class_figures` for results pages and JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, delete, func, insert, select, union

from civic import audit, privacy
from civic.accounts.constituencies import Constituency, is_member, member_ids
from civic.accounts.models import User
from civic.constituencies.models import CastClass, SubjectConstituency
from civic.errors import Conflict, PermissionDenied, ValidationFailed
from civic.extensions import db
from civic.i18n import _
from civic.i18n import lazy_gettext as _l
from civic.permissions import require_moderator

SUBJECT_TYPES = ("proposal", "consultation", "budget_round")


def subject_type(subject: Any) -> str:
    kind = getattr(subject, "__tablename__", None)
    if kind not in SUBJECT_TYPES:
        raise ValueError(f"{type(subject).__name__} cannot be open to constituencies")
    return kind


def linked(subject: Any) -> list[Constituency]:
    """The constituencies `subject` is open to, by name; [] means residents of its area."""
    return list(
        db.session.scalars(
            select(Constituency)
            .join(SubjectConstituency, SubjectConstituency.constituency_id == Constituency.id)
            .where(
                SubjectConstituency.subject_type == subject_type(subject),
                SubjectConstituency.subject_id == subject.id,
            )
            .order_by(Constituency.name)
        )
    )


def eligible_for(user: User | None, subject: Any) -> list[Constituency]:
    """The subject's classes `user` belongs to now (empty for a subject with none linked)."""
    return [c for c in linked(subject) if is_member(user, c)]


def may_take_part(user: User | None, subject: Any) -> bool:
    """THE eligibility rule for votes, consultations and budget rounds."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    classes = linked(subject)
    if not classes:
        return user.is_eligible_in(subject.area)
    return any(is_member(user, c) for c in classes)


def who(subject: Any) -> str:
    """Who can take part, in words: "residents of Riverside" or "Leisure centre staff or
    Leisure centre users"."""
    classes = linked(subject)
    if not classes:
        return _("residents of %(area)s", area=subject.area.name)
    return _(" or ").join(c.name for c in classes)


# what callers say people may do ("Only residents of X can vote on this"), in words a
# translation can use; anything else is shown as given
DOING = {
    "take part": _l("take part"),
    "respond": _l("respond"),
    "vote on this": _l("vote on this"),
    "stand for election": _l("stand for election"),
    "withdraw from its elections": _l("withdraw from its elections"),
    "support a recall": _l("support a recall"),
    "propose a recall": _l("propose a recall"),
    "vote in its elections": _l("vote in its elections"),
}


NOUNS = {"votes": _l("votes"), "responses": _l("responses"), "ballots": _l("ballots")}


def doing_words(doing: str) -> str:
    return str(DOING.get(doing, doing))


def refusal(subject: Any, doing: str) -> str:
    """Why someone may not take part, and how to show they may."""
    if not linked(subject):
        return _(
            "Only residents of %(area)s can %(doing)s. To show you live there, "
            "enter the code from your letter on the 'Your areas' page.",
            area=subject.area.name,
            doing=doing_words(doing),
        )
    return _(
        "Only %(who)s can %(doing)s, and you are in none of these. If you are, enter "
        "the code from your letter on the 'Your areas' page or ask a moderator to check.",
        who=who(subject),
        doing=doing_words(doing),
    )


def require_member(user: User | None, subject: Any, doing: str) -> User:
    if not may_take_part(user, subject):
        raise PermissionDenied(refusal(subject, doing))
    return user  # type: ignore[return-value]


def electorate(subject: Any) -> int:
    """How many people (active accounts) can take part: each counted once however many of
    the subject's classes they are in."""
    classes = linked(subject)
    if not classes:
        return privacy.area_electorate(subject.area_id)
    everyone = union(*[member_ids(c) for c in classes]).subquery()
    return db.session.scalar(select(func.count()).select_from(everyone))


def class_electorates(subject: Any) -> list[tuple[Constituency, int]]:
    from civic.accounts.constituencies import member_count

    return [(c, member_count(c)) for c in linked(subject)]


def require_class_electorates(subject: Any, what: str) -> None:
    """Refuse to open when any class is so small that its published count (or its own
    majority) would single people out."""
    for constituency, size in class_electorates(subject):
        privacy.require_electorate(size, what, constituency.name)


# --- setting a subject's constituencies ---------------------------------------------------


def set_constituencies(
    actor: User | None, subject: Any, constituencies: Sequence[Constituency], *, editable: bool
) -> None:
    """A moderator opens `subject` to these constituencies (none: residents of its area).
    `editable` is the domain's word on whether the subject is still a draft."""
    moderator = require_moderator(actor)
    if not editable:
        raise Conflict(_("Who can take part is fixed once the subject is no longer a draft."))
    wrong = [c for c in constituencies if c.area_id != subject.area_id]
    if wrong:
        raise ValidationFailed(
            {
                "constituencies": _(
                    "%(constituency)s belongs to %(area)s, not %(subject_area)s",
                    constituency=wrong[0].name,
                    area=wrong[0].area.name,
                    subject_area=subject.area.name,
                )
            }
        )
    kind = subject_type(subject)
    db.session.execute(
        delete(SubjectConstituency).where(
            SubjectConstituency.subject_type == kind, SubjectConstituency.subject_id == subject.id
        )
    )
    chosen = sorted({c.id: c for c in constituencies}.values(), key=lambda c: c.slug)
    if chosen:
        db.session.execute(
            insert(SubjectConstituency),
            [
                {"subject_type": kind, "subject_id": subject.id, "constituency_id": c.id}
                for c in chosen
            ],
        )
    audit.record(
        moderator, "constituency:open_to", subject, {"constituencies": [c.slug for c in chosen]}
    )
    db.session.flush()


# --- counting per class -------------------------------------------------------------------


def record_classes(
    subject: Any,
    cast_id: int,
    user: User,
    *,
    classes: list[Constituency] | None = None,
    new: bool = False,
) -> list[Constituency]:
    """Write the classes `user` counts in for the cast row `cast_id` (replacing what an
    earlier cast of theirs recorded). Callers hold the subject's row lock, as for the cast.

    `classes`, if given, is `eligible_for(user, subject)` worked out before the lock; `new`
    says the cast row was just inserted, so it has no classes to replace."""
    kind = subject_type(subject)
    if classes is None:
        classes = eligible_for(user, subject)
    if not new:
        db.session.execute(
            delete(CastClass).where(CastClass.subject_type == kind, CastClass.cast_id == cast_id)
        )
    if classes:
        db.session.execute(
            insert(CastClass),
            [{"subject_type": kind, "cast_id": cast_id, "constituency_id": c.id} for c in classes],
        )
    return classes


def forget_cast(subject: Any, cast_id: int) -> None:
    """A withdrawn ballot counts in no class any more."""
    db.session.execute(
        delete(CastClass).where(
            CastClass.subject_type == subject_type(subject), CastClass.cast_id == cast_id
        )
    )


def counts_by_class(
    subject: Any, cast_ids: Select, by: tuple[Any, Any] | None = None
) -> dict[int, dict[Any, int]]:
    """{constituency id: {value (or None): casts}} among the casts `cast_ids` selects (a
    SELECT of cast row ids, e.g. submitted responses), in one GROUP BY. `by` is
    (cast model, column), e.g. (VoteCast, VoteCast.choice), to split each class by choice."""
    kind = subject_type(subject)
    columns: list[Any] = [CastClass.constituency_id]
    if by is not None:
        columns.append(by[1])
    query = select(*columns, func.count()).where(
        CastClass.subject_type == kind, CastClass.cast_id.in_(cast_ids)
    )
    if by is not None:
        query = query.join(by[0], by[0].id == CastClass.cast_id)
    found: dict[int, dict[Any, int]] = {}
    for row in db.session.execute(query.group_by(*columns)):
        value = row[1] if by is not None else None
        found.setdefault(row[0], {})[value] = row[-1]
    return found


@dataclass
class ClassFigure:
    constituency: Constituency
    eligible: int
    count: int | None  # None: withheld
    breakdown: dict[str, int] | None = None  # per choice, when published

    def as_json(self) -> dict[str, Any]:
        return {
            "constituency": self.constituency.slug,
            "name": self.constituency.name,
            "kind": self.constituency.kind.value,
            "eligible": self.eligible,
            "count": self.count,
            **({"breakdown": self.breakdown} if self.breakdown is not None else {}),
        }


@dataclass
class ClassFigures:
    rows: list[ClassFigure]
    withheld: str | None  # why per-class counts are not shown

    def as_json(self) -> dict[str, Any]:
        return {"classes": [r.as_json() for r in self.rows], "withheld": self.withheld}


def class_figures(
    subject: Any,
    counts: dict[int, dict[Any, int]],
    *,
    final: bool,
    noun: str = "votes",
    eligible: dict[int, int] | None = None,
) -> ClassFigures | None:
    """Each class's count for pages and JSON, or None for a subject with no classes.

    Privacy (civic.privacy): before the close nothing per class is shown (a running count
    by class is a tally a watcher can read); after it, per-class figures are shown only
    when EVERY class reached the minimum. Withholding one class while showing the others
    and the total would let the hidden one be worked out by subtraction."""
    classes = linked(subject)
    if not classes:
        return None
    sizes = (
        eligible if eligible is not None else dict((c.id, n) for c, n in class_electorates(subject))
    )
    totals = {c.id: sum(counts.get(c.id, {}).values()) for c in classes}
    withheld = None
    if not final:
        withheld = _(
            "Counts by class are published when it closes, with the other %(noun)s.",
            noun=str(NOUNS.get(noun, noun)),
        )
    elif small := [c for c in classes if not privacy.publishable(totals[c.id])]:
        withheld = _(
            "Fewer than %(num)s %(noun)s came from %(name)s, so no "
            "count by class is published: with so few, a single person's answer could be "
            "picked out (and one class's count could be worked out from the others).",
            num=privacy.min_electorate(),
            noun=str(NOUNS.get(noun, noun)),
            name=small[0].name,
        )
    rows = []
    for c in classes:
        per = counts.get(c.id, {})
        shown = withheld is None
        breakdown = (
            {str(k): v for k, v in per.items() if k is not None} if shown and any(per) else None
        )
        rows.append(ClassFigure(c, sizes.get(c.id, 0), totals[c.id] if shown else None, breakdown))
    return ClassFigures(rows, withheld)
