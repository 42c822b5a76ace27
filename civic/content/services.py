"""The one way to change translations and easy-read summaries (moderators; audited).

Each saved field is one audit entry holding the field, the language and the SHA-256 of the
new text (or null when a version is removed), so anyone can check that the Welsh shown on
a page is the Welsh a moderator published, without the log copying the text itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from civic import audit
from civic.accounts.models import utcnow
from civic.content import subjects
from civic.content.models import ContentTranslation
from civic.content.text import forget
from civic.errors import ValidationFailed
from civic.extensions import db
from civic.i18n import LANGUAGES, _
from civic.permissions import require_moderator

if TYPE_CHECKING:
    from civic.accounts.models import User


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _clean(text: str | None) -> str:
    """Line endings as one, no trailing spaces on the whole; NUL never gets this far."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def versions(owner: Any, language: str) -> dict[str, ContentTranslation]:
    """The saved versions in `language` of every field of a subject, by `Field.key`."""
    kind = subjects.kind_of(owner)
    found: dict[str, ContentTranslation] = {}
    wanted = [(kind, [owner.id])]
    if kind == "consultation":
        wanted.append(("consultation_question", subjects.question_ids(owner.id)))
    for subject_kind, ids in wanted:
        if not ids:
            continue
        rows = db.session.scalars(
            select(ContentTranslation).where(
                ContentTranslation.subject_kind == subject_kind,
                ContentTranslation.subject_id.in_(ids),
                ContentTranslation.language == language,
            )
        )
        for row in rows:
            found[f"{row.subject_kind}-{row.subject_id}-{row.field}"] = row
    return found


def set_translations(
    actor: User | None, owner: Any, language: str, texts: Mapping[str, str | None]
) -> int:
    """Save the `language` versions of a subject's fields: {Field.key: text}. An empty text
    removes that field's version (the original is shown again, marked). Fields not given
    are left alone. Returns how many fields changed; each change is one audit entry."""
    moderator = require_moderator(actor)
    kind = subjects.kind_of(owner)
    if language not in LANGUAGES:
        raise ValidationFailed({"language": _("Civic does not offer that language.")})
    if language == subjects.language_of(owner):
        raise ValidationFailed(
            {"language": _("This is the language it was written in: edit the original.")}
        )
    fields = {f.key: f for f in subjects.KINDS[kind].fields(owner)}
    unknown = sorted(set(texts) - set(fields))
    if unknown:
        raise ValidationFailed({unknown[0]: _("That is not a part of this page.")})
    errors: dict[str, str] = {}
    cleaned = {key: _clean(text) for key, text in texts.items()}
    for key, text in cleaned.items():
        field = fields[key]
        if len(text) > field.max_length:
            errors[key] = _(
                "%(label)s must be %(most)s characters or fewer (it has %(count)s).",
                label=str(field.label),
                most=field.max_length,
                count=len(text),
            )
        elif text and not field.original:
            errors[key] = _("There is no original text to translate yet.")
    if errors:
        raise ValidationFailed(errors)
    saved = versions(owner, language)
    changed = 0
    for key, text in cleaned.items():
        field = fields[key]
        row = saved.get(key)
        if row is None and not text:
            continue
        if row is not None and row.text == text and row.source_sha256 == sha256(field.original):
            continue
        if not text:
            db.session.delete(row)
        elif row is None:
            db.session.add(
                ContentTranslation(
                    subject_kind=field.kind,
                    subject_id=field.subject_id,
                    field=field.name,
                    language=language,
                    text=text,
                    source_sha256=sha256(field.original),
                    updated_by_id=moderator.id,
                    updated_at=utcnow(),
                )
            )
        else:
            row.text = text
            row.source_sha256 = sha256(field.original)
            row.updated_by_id = moderator.id
            row.updated_at = utcnow()
        audit.record(
            moderator,
            "content:translate",
            owner,
            {
                "subject": f"{field.kind}:{field.subject_id}",
                "field": field.name,
                "language": language,
                "sha256": sha256(text) if text else None,
                "original_sha256": sha256(field.original),
            },
        )
        changed += 1
    db.session.flush()
    forget()
    return changed


def set_easy_read(actor: User | None, owner: Any, text: str | None) -> bool:
    """Write a subject's easy-read summary in its own language (empty: none). Returns
    whether it changed; a change is audited with the text's SHA-256."""
    moderator = require_moderator(actor)
    subjects.kind_of(owner)  # only translatable subjects carry one
    text = _clean(text)
    if len(text) > subjects.EASY_READ_MAX:
        raise ValidationFailed(
            {
                "easy_read": _(
                    "The easy read summary must be %(most)s characters or fewer "
                    "(it has %(count)s).",
                    most=subjects.EASY_READ_MAX,
                    count=len(text),
                )
            }
        )
    if text == (owner.easy_read or ""):
        return False
    owner.easy_read = text
    audit.record(
        moderator,
        "content:easy_read",
        owner,
        {"language": subjects.language_of(owner), "sha256": sha256(text) if text else None},
    )
    db.session.flush()
    forget()
    return True
