"""Signed checkpoints of the audit log, and witnesses' cosignatures on them.

A checkpoint (C2SP tlog-checkpoint) is the log's origin, its size and its Merkle root,
signed as a C2SP signed note with the log key (civic.audit.signing). Outsiders keep them:
a later log must be consistent with every checkpoint anyone saved, so rewriting history,
even with every hash recomputed, is caught. Witnesses (C2SP tlog-cosignature) check that
consistency themselves and countersign; Civic stores and republishes their cosignatures,
so a reader can require that others saw the same tree (no split view).

Checkpoints are not audit entries: they sign the tree the entries make. They are made by
`flask civic audit checkpoint`, at the end of every `civic tick`, and in the transaction
that closes a vote or a consultation or freezes a round's results, so the checkpoint
covers the close entry.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic import audit
from civic.audit import log, queries, signing
from civic.audit.models import AuditEntry
from civic.audit.verifier import (
    Checkpoint,
    Note,
    NoteError,
    Signature,
    cosignature_time,
    parse_checkpoint,
    parse_note,
    sign_note,
)
from civic.errors import Conflict, PermissionDenied, ServiceError
from civic.extensions import db

# A witness's clock may run a little ahead of ours; further than this is refused.
MAX_CLOCK_SKEW_SECONDS = 300


class AuditCheckpoint(db.Model):
    """One signed tree head. `note` is the signed note exactly as Civic signed it."""

    __tablename__ = "audit_checkpoint"
    __table_args__ = (Index("ix_audit_checkpoint_size", "size"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    root: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False)
    trigger: Mapped[str] = mapped_column(String(80), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    cosignatures: Mapped[list[AuditCosignature]] = relationship(
        back_populates="checkpoint", order_by="AuditCosignature.id", lazy="selectin"
    )

    @property
    def signed(self) -> Note:
        return parse_note(self.note)

    @property
    def text(self) -> str:
        """The checkpoint itself (origin, size, root): what Civic and witnesses sign."""
        return self.signed.text

    @property
    def origin(self) -> str:
        return self.text.split("\n", 1)[0]

    @property
    def root_base64(self) -> str:
        return self.text.split("\n")[2]

    def with_cosignatures(self) -> str:
        """The signed note with Civic's signature first, then every accepted cosignature."""
        signed = self.signed
        lines = "".join(c.signature for c in self.cosignatures)
        return signed.serialise() + lines


class AuditCosignature(db.Model):
    """A witness's cosignature on a checkpoint, as the signature line it sent."""

    __tablename__ = "audit_cosignature"
    __table_args__ = (UniqueConstraint("checkpoint_id", "witness", "key_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checkpoint_id: Mapped[int] = mapped_column(
        ForeignKey("audit_checkpoint.id"), nullable=False, index=True
    )
    witness: Mapped[str] = mapped_column(String(255), nullable=False)
    key_id: Mapped[str] = mapped_column(String(8), nullable=False)  # hex
    timestamp: Mapped[int] = mapped_column(BigInteger, nullable=False)  # the witness's time
    signature: Mapped[str] = mapped_column(Text, nullable=False)  # the line, newline-ended
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    checkpoint: Mapped[AuditCheckpoint] = relationship(back_populates="cosignatures")

    @property
    def signed_at(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp, UTC)


def latest() -> AuditCheckpoint | None:
    """The newest stored checkpoint, or None before the first."""
    return db.session.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1))


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _check_extends(newest: AuditCheckpoint, current: log.Head) -> None:
    """Refuse to sign a tree that does not extend the newest checkpoint: it would sign a
    fork (a log cut short, or rewritten) that every saved checkpoint contradicts."""
    if current.size < newest.size:
        raise Conflict(
            f"The audit log holds {current.size} entries but checkpoint {newest.id} signed "
            f"{newest.size}: Civic will not sign a shorter log. Run `flask civic audit verify`."
        )
    if current.size == newest.size:
        same = current.root == bytes(newest.root)
    else:
        root_then = db.session.scalar(
            select(AuditEntry.root_after).where(AuditEntry.seq == newest.size - 1)
        )
        same = newest.size == 0 or (root_then is not None and bytes(root_then) == newest.root)
    if not same:
        raise Conflict(
            f"The audit log's first {newest.size} entries no longer hash to the root of "
            f"checkpoint {newest.id}: Civic will not sign it. Run `flask civic audit verify`."
        )


def make_checkpoint(trigger: str) -> AuditCheckpoint:
    """Sign the log's current head, in the caller's transaction, and store it.

    The append lock is taken first, so the head read here is the newest (no append can
    slip in between) and two checkpoints are never made of one head at once. If the newest
    checkpoint already signs this tree, it is returned and nothing is stored.
    """
    log._take_append_lock()
    current = log.head()
    body = Checkpoint(signing.origin(), current.size, current.root).text
    newest = latest()
    if newest is not None and newest.origin == signing.origin():
        _check_extends(newest, current)
        if newest.text == body:
            return newest
    # visible only once on disk: a checkpoint someone fetched must survive a crash, or the
    # log re-signed after it would look like a split view (see log.commit_synchronously)
    log.commit_synchronously()
    note = sign_note(body, signing.log_signer())
    checkpoint = AuditCheckpoint(
        size=current.size,
        root=current.root,
        note=note.serialise(),
        trigger=trigger[:80],
        created_at=_now(),
    )
    db.session.add(checkpoint)
    db.session.flush()
    return checkpoint


def newest_or_first() -> AuditCheckpoint:
    """The newest checkpoint; on a fresh install, the first one, made now.

    So `/audit/log/checkpoint` never answers 404 to a tlog client: the first reader gets
    a signed (possibly empty) tree, committed with the request.
    """
    return latest() or make_checkpoint("first request")


@dataclass(frozen=True)
class PageOfCheckpoints:
    checkpoints: list[AuditCheckpoint]
    newer: int | None  # `after` for the page of newer checkpoints
    older: int | None  # `before` for the page of older ones


def page(before: int | None = None, after: int | None = None, size: int = 50) -> PageOfCheckpoints:
    """Checkpoints newest first, a page at a time, like the audit log's own pages."""
    rows, older, newer = queries.keyset_page(
        select(AuditCheckpoint), AuditCheckpoint.id, before=before, after=after, size=size
    )
    return PageOfCheckpoints(rows, newer=newer, older=older)


# --- Cosignatures -----------------------------------------------------------------------


class Malformed(ServiceError):
    """A cosignature submission that is not a signed checkpoint note (400)."""

    status = 400


@dataclass(frozen=True)
class Accepted:
    checkpoint: AuditCheckpoint
    cosignature: AuditCosignature
    new: bool


def accept_cosignatures(body: bytes | str, now: float | None = None) -> list[Accepted]:
    """Store witnesses' cosignatures on a checkpoint Civic signed; audit each new one.

    `body` is a signed note whose text is a checkpoint, carrying cosignature lines (and,
    usually, Civic's own signature, which is ignored like any unknown key). Refused: a note
    or checkpoint that does not parse (400); no line by a configured witness key, or one
    that does not verify, or dated in the future (403); a checkpoint text Civic never
    stored, i.e. a forgery or a split view shown to this witness (409). Sending the same
    cosignature again changes nothing and is accepted.
    """
    try:
        note = parse_note(body)
        parse_checkpoint(note.text)
    except NoteError as exc:
        raise Malformed(f"not a signed checkpoint: {exc}") from None
    keys = signing.witnesses()
    by_witness: list[tuple[Signature, int]] = []
    now = time.time() if now is None else now
    for signature in note.signatures:
        witness = keys.get((signature.name, signature.key_id))
        if witness is None:
            continue  # signed-note: signatures by unknown keys are ignored
        timestamp = cosignature_time(witness, note.text, signature)
        if timestamp is None:
            raise PermissionDenied(
                f"the cosignature by {signature.name} ({signature.key_id.hex()}) does not verify"
            )
        if timestamp > now + MAX_CLOCK_SKEW_SECONDS:
            raise PermissionDenied(f"the cosignature by {signature.name} is dated in the future")
        by_witness.append((signature, timestamp))
    if not by_witness:
        raise PermissionDenied("no signature is by a witness key Civic is configured with")
    log._take_append_lock()  # one acceptance at a time: duplicates are found, not inserted
    checkpoint = _stored(note.text)
    if checkpoint is None:
        raise Conflict(
            "Civic never signed this checkpoint: it is a forgery, or someone showed this "
            "witness a different log (a split view)"
        )
    return [_store(checkpoint, signature, timestamp) for signature, timestamp in by_witness]


def _stored(text: str) -> AuditCheckpoint | None:
    """The stored checkpoint with exactly this text (origin, size, root, extensions)."""
    size = parse_checkpoint(text).size
    candidates = db.session.scalars(select(AuditCheckpoint).where(AuditCheckpoint.size == size))
    return next((c for c in candidates if c.text == text), None)


def _store(checkpoint: AuditCheckpoint, signature: Signature, timestamp: int) -> Accepted:
    key_hex = signature.key_id.hex()
    existing = db.session.scalar(
        select(AuditCosignature).where(
            AuditCosignature.checkpoint_id == checkpoint.id,
            AuditCosignature.witness == signature.name,
            AuditCosignature.key_id == key_hex,
        )
    )
    if existing is not None:
        return Accepted(checkpoint, existing, new=False)
    cosignature = AuditCosignature(
        checkpoint=checkpoint,
        witness=signature.name,
        key_id=key_hex,
        timestamp=timestamp,
        signature=signature.line,
        received_at=_now(),
    )
    db.session.add(cosignature)
    audit.record(
        None,
        "audit:cosign",
        audit.Subject("checkpoint", str(checkpoint.size)),
        {"witness": signature.name, "key_id": key_hex, "time": timestamp},
    )
    db.session.flush()
    return Accepted(checkpoint, cosignature, new=True)
