"""Frozen downloads: built once, stored, served with a strong ETag and a long lifetime.

A round's results and ballots cannot change once the results are frozen, yet building
`ballots.json` of a city round reads every ballot (seconds of CPU): one anonymous request
could tie up a worker. So the bytes are built once (when the results freeze, or by the
first request after) and stored; every later request is a single row read, answered with
`ETag: "<sha256>"`, `Cache-Control: public, max-age=31536000, immutable`, and 304 when the
client already holds them. Concurrent first builders leave one stored copy (the unique
index decides) and all serve that copy.

The brotli and gzip copies are stored with the bytes: Flask-Compress would otherwise
recompress megabytes on every request. A client accepting one of them is sent the stored
copy with `Content-Encoding` set (so Flask-Compress leaves the response alone) and the
ETag Flask-Compress would give it, `"<sha256>:br"`.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable

import brotli
from flask import Response, current_app, request
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from civic.ballot_box import insert_or_nothing
from civic.extensions import db
from civic.frozen.models import FrozenDownload

__all__ = [
    "Frozen",
    "FrozenDownload",
    "build_once",
    "compress",
    "serve",
    "serve_row",
    "store",
    "stored",
]

CACHE_CONTROL = "public, max-age=31536000, immutable"  # a year: the bytes never change
CODINGS = ("br", "gzip")  # Flask-Compress's own order of preference
# Built once, so a little harder than Flask-Compress per request (brotli quality 4). Not
# harder still: on a 3.5 MB ballots.json brotli 9 and gzip 9 take 0.27 s and 0.39 s for
# 5% and 4% smaller copies than brotli 5 and gzip 6 (0.07 s each), and a city round's
# freeze compresses four such files.
BROTLI_QUALITY = 5
GZIP_LEVEL = 6

# what a download is: its stored name, its Content-Type, and the function building its
# text (or bytes, for binary downloads such as audit tiles)
Frozen = tuple[str, str, Callable[[], str | bytes]]


def stored(subject: str, name: str) -> FrozenDownload | None:
    return db.session.scalar(
        select(FrozenDownload).where(FrozenDownload.subject == subject, FrozenDownload.name == name)
    )


def compressible(content_type: str) -> bool:
    """Whether a body of this type is worth compressing: the types Flask-Compress
    compresses (text, JSON, CSV ...), not binary tiles."""
    mimetype = content_type.split(";", 1)[0].strip().lower()
    return mimetype in current_app.config.get("COMPRESS_MIMETYPES", ())


def compress(body: bytes, coding: str) -> bytes:
    """`body` compressed with `coding`, the same bytes every time for the same input (gzip
    without a timestamp), so two processes filling a missing copy store the same thing."""
    if coding == "br":
        return brotli.compress(body, quality=BROTLI_QUALITY)
    if coding == "gzip":
        return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
    raise ValueError(f"no stored copy is kept for {coding!r}")


def store(subject: str, name: str, content_type: str, content: str | bytes) -> FrozenDownload:
    """Keep these bytes (and their compressed copies) as the download, unless another
    transaction stored it first: then that copy stands (INSERT ... ON CONFLICT DO NOTHING)
    and is returned, so every request serves the same bytes and the same ETag."""
    body = content.encode() if isinstance(content, str) else content
    values = {
        "subject": subject,
        "name": name,
        "content_type": content_type,
        "body": body,
        "sha256": hashlib.sha256(body).hexdigest(),
    }
    if compressible(content_type):
        values["body_br"] = compress(body, "br")
        values["body_gzip"] = compress(body, "gzip")
    insert_or_nothing(FrozenDownload.__table__, ("subject", "name"), values)
    found = stored(subject, name)
    assert found is not None  # inserted now, or committed by the one that won
    return found


def build_once(subject: str, download: Frozen) -> FrozenDownload:
    """The stored download, building and storing it when it is not there yet.

    Storing is the one write a GET makes. On SQLite a GET's transaction starts as a reader
    (civic.database), and when another writer committed since, its INSERT is refused
    ("database is locked") however long it waits: then the bytes are served as built,
    unstored, and a later request stores them. The answer is the same either way."""
    name, content_type, build = download
    found = stored(subject, name)
    if found is not None:
        return found
    content = build()
    try:
        with db.session.begin_nested():
            return store(subject, name, content_type, content)
    except OperationalError:
        if db.session.get_bind().dialect.name != "sqlite":
            raise
        return _unstored(subject, name, content_type, content)


def _unstored(subject: str, name: str, content_type: str, content: str | bytes) -> FrozenDownload:
    """The download as `store` would have kept it, held only for this answer."""
    body = content.encode() if isinstance(content, str) else content
    copies = {c: compress(body, c) for c in CODINGS} if compressible(content_type) else {}
    return FrozenDownload(
        subject=subject,
        name=name,
        content_type=content_type,
        body=body,
        sha256=hashlib.sha256(body).hexdigest(),
        body_br=copies.get("br"),
        body_gzip=copies.get("gzip"),
    )


def serve(
    subject: str,
    download: Frozen,
    filename: str | None = None,
    cache_control: str = CACHE_CONTROL,
) -> Response:
    """Answer with the stored bytes (built now if absent): a strong ETag, a year's
    lifetime, and 304 Not Modified when If-None-Match already names them."""
    return serve_row(build_once(subject, download), filename, cache_control)


def serve_row(
    row: FrozenDownload, filename: str | None = None, cache_control: str = CACHE_CONTROL
) -> Response:
    """The HTTP answer for one stored download: the stored compressed copy when the client
    accepts one, else the bytes; 304 without reading either when it already holds them."""
    coding = _coding(row.content_type)
    etag = row.sha256 if coding is None else f"{row.sha256}:{coding}"
    if _holds(row.sha256):
        response = Response(status=304)  # the body is never read from the database
    else:
        body = row.body if coding is None else _compressed(row, coding)
        response = Response(body, content_type=row.content_type)
        if coding is not None:
            response.headers["Content-Encoding"] = coding  # Flask-Compress leaves it be
        if filename:
            response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    if compressible(row.content_type):
        response.vary.add("Accept-Encoding")
    response.set_etag(etag)
    response.headers["Cache-Control"] = cache_control
    return response


def _coding(content_type: str) -> str | None:
    """The stored coding to send: the client's preferred of br and gzip, None for the bytes
    themselves (a type not compressed, or a client accepting neither)."""
    if not compressible(content_type):
        return None
    best = request.accept_encodings.best_match(CODINGS)
    return best if best in CODINGS else None


def _compressed(row: FrozenDownload, coding: str) -> bytes:
    """The stored copy in `coding`; a row stored before copies were kept gets it now, once
    (the UPDATE only fills an empty column, and every process computes the same bytes)."""
    column = FrozenDownload.body_br if coding == "br" else FrozenDownload.body_gzip
    copy = getattr(row, column.key)
    if copy is None:
        copy = compress(row.body, coding)
        db.session.execute(
            update(FrozenDownload)
            .where(FrozenDownload.id == row.id, column.is_(None))
            .values({column.key: copy})
            .execution_options(synchronize_session=False)
        )
    return copy


def _holds(digest: str) -> bool:
    """Whether If-None-Match names these bytes. A compressed body is tagged with its coding
    ("<sha256>:br", as Flask-Compress tags it), and a client sends that tag back: it names
    the same bytes, so it counts as well as the bare digest."""
    if request.if_none_match.star_tag:
        return True
    tags = request.if_none_match.as_set(include_weak=True)
    return any(tag.split(":", 1)[0] == digest for tag in tags)
