"""Every change to a contract's documents: permission, checks on the file's content and
size, the write (bytes stored once by SHA-256) and the audit entry, in one transaction.

Moderators add, replace and withdraw documents; everyone reads those of public contracts.
The audit entry of an upload carries the SHA-256, size, media type and title, so the log
itself says which bytes were published: a later swap would not match it.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from civic import audit
from civic.accounts.models import User
from civic.clock import utcnow
from civic.contracts import filetypes
from civic.contracts.document_models import ContractDocument, DocumentBlob, DocumentState
from civic.contracts.models import Contract
from civic.database import lock_row
from civic.errors import Conflict, NotFound, ValidationFailed
from civic.extensions import db
from civic.i18n import _, format_number, ngettext
from civic.permissions import require_moderator

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
MAX_TITLE = 200
MAX_REASON = 2000
MAX_FILENAME = 160


@dataclass(frozen=True)
class Upload:
    """A file as the form received it: the name its sender gave and its bytes."""

    filename: str
    data: bytes


def max_bytes() -> int:
    return int(current_app.config.get("DOCUMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def size_words(size: int) -> str:
    """ "20 MB", "340 KB", "12 bytes": binary units, as file managers show them."""
    if size >= 1024 * 1024:
        value, unit = size / (1024 * 1024), "MB"
    elif size >= 1024:
        value, unit = size / 1024, "KB"
    else:
        return ngettext("%(num)s byte", "%(num)s bytes", size)
    text = f"{value:.1f}".removesuffix(".0")
    return f"{text} {unit}"


def safe_filename(name: str, extension: str) -> str:
    """The name a download is offered under: the sender's, without any folder, control or
    punctuation characters that could mislead a browser or a shell, letters of any
    language kept (Welsh names stay Welsh), ending in the sniffed type's extension."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = "".join(c if c.isalnum() or c in " ._-()" else "-" for c in stem)
    stem = re.sub(r"[\s]+", " ", stem)
    stem = re.sub(r"-{2,}", "-", stem).strip(" .-_")
    stem = stem[: MAX_FILENAME - len(extension) - 1].rstrip(" .-_") or "document"
    return f"{stem}.{extension}"


def get_document(contract: Contract, document_id: int) -> ContractDocument:
    document = db.session.get(ContractDocument, document_id)
    if document is None or document.contract_id != contract.id:
        raise NotFound(_("There is no such document on this contract."))
    return document


def documents_of(contract: Contract) -> list[ContractDocument]:
    """Every version, current ones first, newest first within each."""
    rows = db.session.scalars(
        select(ContractDocument)
        .where(ContractDocument.contract_id == contract.id)
        .order_by(ContractDocument.uploaded_at.desc(), ContractDocument.id.desc())
    ).all()
    return sorted(rows, key=lambda d: not d.is_current)


def can_download(document: ContractDocument, viewer: User | None) -> bool:
    """Documents of public contracts for everyone, withdrawn ones and drafts' only for
    moderators."""
    if viewer is not None and getattr(viewer, "is_authenticated", False) and viewer.is_moderator:
        return True
    return document.contract.is_public and document.state is not DocumentState.WITHDRAWN


def add_document(
    actor: User | None, contract: Contract, title: str, upload: Upload
) -> ContractDocument:
    moderator = require_moderator(actor)
    title, kind = _checked(title, upload)
    document = _store(moderator, contract, title, upload, kind)
    entry = audit.record(
        moderator,
        "contract_document:add",
        contract,
        _logged(document),
        at_once=True,  # its seq is stored with the document
    )
    document.audit_seq = entry.seq
    return document


def replace_document(
    actor: User | None, document: ContractDocument, title: str, upload: Upload
) -> ContractDocument:
    """A new version: a new row and a new audit entry naming the one it replaces, whose
    row stays (marked replaced, still downloadable). Two moderators replacing the same
    document at once: the second finds it replaced already and is told so."""
    moderator = require_moderator(actor)
    title, kind = _checked(title, upload)
    old = lock_row(ContractDocument, document.id)
    if old is None:
        raise NotFound(_("There is no such document."))
    if old.state is not DocumentState.CURRENT:
        if old.state is DocumentState.WITHDRAWN:
            raise Conflict(
                _(
                    "“%(title)s” is already withdrawn: replace the current version instead.",
                    title=old.title,
                )
            )
        raise Conflict(
            _(
                "“%(title)s” is already replaced: replace the current version instead.",
                title=old.title,
            )
        )
    new = _store(moderator, old.contract, title, upload, kind)
    old.state = DocumentState.REPLACED
    old.replaced_by_id = new.id
    old.changed_at = utcnow()
    entry = audit.record(
        moderator,
        "contract_document:replace",
        old.contract,
        {**_logged(new), "replaces": old.id, "replaces_sha256": old.sha256},
        at_once=True,  # its seq is stored with the document
    )
    new.audit_seq = entry.seq
    db.session.flush()
    return new


def withdraw_document(
    actor: User | None, document: ContractDocument, reason: str
) -> ContractDocument:
    """Take a document down (a wrong file, personal data by mistake). It stays listed with
    the reason; its bytes stay for moderators and its digest in the log."""
    moderator = require_moderator(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": _("Say why the document is withdrawn")})
    if len(reason) > MAX_REASON:
        raise ValidationFailed(
            {
                "reason": _(
                    "The reason must be %(most)s characters or fewer",
                    most=format_number(MAX_REASON),
                )
            }
        )
    locked = lock_row(ContractDocument, document.id)
    if locked is None:
        raise NotFound(_("There is no such document."))
    if locked.state is DocumentState.WITHDRAWN:
        raise Conflict(_("“%(title)s” is already withdrawn.", title=locked.title))
    locked.state = DocumentState.WITHDRAWN
    locked.reason = reason
    locked.changed_at = utcnow()
    audit.record(
        moderator,
        "contract_document:withdraw",
        locked.contract,
        {"document": locked.id, "sha256": locked.sha256, "title": locked.title, "reason": reason},
    )
    db.session.flush()
    return locked


def content(document: ContractDocument) -> bytes:
    """The stored bytes, checked against their digest before anyone is given them."""
    data = db.session.scalar(
        select(DocumentBlob.content).where(DocumentBlob.sha256 == document.sha256)
    )
    if data is None or hashlib.sha256(data).hexdigest() != document.sha256:
        # someone changed the database behind Civic's back: serve nothing rather than a
        # file that is not the published one, and say so
        current_app.logger.error("stored bytes of document %s do not match", document.id)
        raise Conflict(
            _(
                "The stored copy of this document does not match the SHA-256 it was published "
                "with, so Civic will not serve it. The audit log still records the original."
            )
        )
    return bytes(data)


def _checked(title: str, upload: Upload | None) -> tuple[str, filetypes.FileType]:
    """Every field's problem at once: the title kept or not, the file's one reason."""
    errors: dict[str, str] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = _("Give the document a title")
    elif len(title) > MAX_TITLE:
        errors["title"] = _(
            "The title must be %(most)s characters or fewer", most=format_number(MAX_TITLE)
        )
    kind = None
    if upload is None or (not upload.filename and not upload.data):
        errors["file"] = _("Choose a file to upload")
    elif len(upload.data) > max_bytes():
        errors["file"] = _(
            "The file is %(size)s: documents can be at most %(most)s",
            size=size_words(len(upload.data)),
            most=size_words(max_bytes()),
        )
    else:
        try:
            kind = filetypes.check(upload.data, upload.filename)
        except filetypes.UnacceptableFile as refusal:
            errors["file"] = str(refusal)
    if errors or kind is None:
        raise ValidationFailed(errors)
    return title, kind


def _store(
    moderator: User,
    contract: Contract,
    title: str,
    upload: Upload,
    kind: filetypes.FileType,
) -> ContractDocument:
    digest = hashlib.sha256(upload.data).hexdigest()
    _store_blob(digest, upload.data)
    document = ContractDocument(
        contract_id=contract.id,
        title=title,
        filename=safe_filename(upload.filename, kind.extension),
        media_type=kind.media_type,
        size=len(upload.data),
        sha256=digest,
        uploaded_by_id=moderator.id,
        uploaded_at=utcnow(),
    )
    db.session.add(document)
    db.session.flush()
    return document


def _store_blob(digest: str, data: bytes) -> None:
    """Insert the bytes unless a blob with this digest exists; two uploads of one file at
    once both succeed (the database keeps one row), on SQLite and PostgreSQL."""
    values = {"sha256": digest, "size": len(data), "content": data, "created_at": utcnow()}
    if db.session.get_bind().dialect.name == "postgresql":
        statement = pg_insert(DocumentBlob).values(values).on_conflict_do_nothing()
    else:
        statement = sqlite_insert(DocumentBlob).values(values).on_conflict_do_nothing()
    db.session.execute(statement)


def _logged(document: ContractDocument) -> dict[str, object]:
    return {
        "document": document.id,
        "title": document.title,
        "filename": document.filename,
        "media_type": document.media_type,
        "size": document.size,
        "sha256": document.sha256,
    }
