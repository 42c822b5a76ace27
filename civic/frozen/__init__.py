"""Frozen downloads: built once, stored, served with a strong ETag and a long lifetime.

A round's results and ballots cannot change once the results are frozen, yet building
`ballots.json` of a city round reads every ballot (seconds of CPU): one anonymous request
could tie up a worker. So the bytes are built once (when the results freeze, or by the
first request after) and stored; every later request is a single row read, answered with
`ETag: "<sha256>"`, `Cache-Control: public, max-age=31536000, immutable`, and 304 when the
client already holds them. Concurrent first builders leave one stored copy (the unique
index decides) and all serve that copy.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from flask import Response, request
from sqlalchemy import select

from civic.ballot_box import insert_or_nothing
from civic.extensions import db
from civic.frozen.models import FrozenDownload

__all__ = ["Frozen", "FrozenDownload", "build_once", "serve", "store", "stored"]

CACHE_CONTROL = "public, max-age=31536000, immutable"  # a year: the bytes never change

# what a download is: its stored name, its Content-Type, and the function building its text
Frozen = tuple[str, str, Callable[[], str]]


def stored(subject: str, name: str) -> FrozenDownload | None:
    return db.session.scalar(
        select(FrozenDownload).where(FrozenDownload.subject == subject, FrozenDownload.name == name)
    )


def store(subject: str, name: str, content_type: str, text: str) -> FrozenDownload:
    """Keep these bytes as the download, unless another transaction stored it first: then
    that copy stands (INSERT ... ON CONFLICT DO NOTHING) and is returned, so every request
    serves the same bytes and the same ETag."""
    body = text.encode()
    values = {
        "subject": subject,
        "name": name,
        "content_type": content_type,
        "body": body,
        "sha256": hashlib.sha256(body).hexdigest(),
    }
    insert_or_nothing(FrozenDownload.__table__, ("subject", "name"), values)
    found = stored(subject, name)
    assert found is not None  # inserted now, or committed by the one that won
    return found


def build_once(subject: str, download: Frozen) -> FrozenDownload:
    """The stored download, building and storing it when it is not there yet."""
    name, content_type, build = download
    return stored(subject, name) or store(subject, name, content_type, build())


def serve(subject: str, download: Frozen, filename: str | None = None) -> Response:
    """Answer with the stored bytes (built now if absent): a strong ETag, a year's
    lifetime, and 304 Not Modified when If-None-Match already names them."""
    row = build_once(subject, download)
    if _holds(row.sha256):
        response = Response(status=304)  # the body is never read from the database
    else:
        response = Response(row.body, content_type=row.content_type)
        if filename:
            response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.set_etag(row.sha256)
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


def _holds(digest: str) -> bool:
    """Whether If-None-Match names these bytes. Flask-Compress sends a compressed body with
    the tag suffixed by its coding ("<sha256>:br"), and a client sends that tag back: it
    names the same bytes, so it counts as well as the bare digest. (Flask-Compress would
    also answer 304 itself, but only after reading and compressing the whole body.)"""
    if request.if_none_match.star_tag:
        return True
    tags = request.if_none_match.as_set(include_weak=True)
    return any(tag.split(":", 1)[0] == digest for tag in tags)
