"""A `verifier.Site` backed by a Flask test client, and a log to check, for the verifier's
tests against the real app (its tile, checkpoint and cosignature routes)."""

from __future__ import annotations

from flask.testing import FlaskClient

from civic import audit
from civic.audit import verifier
from civic.audit.checkpoints import make_checkpoint
from civic.extensions import db
from tests.factories import ModeratorFactory, UserFactory


def client_site(client: FlaskClient, base: str = "http://localhost") -> verifier.Site:
    """The site as the verifier sees it over HTTP: non-200 answers become FetchError."""

    def get(path: str) -> bytes:
        response = client.get("/" + path)
        if response.status_code != 200:
            raise verifier.FetchError(f"{path}: HTTP {response.status_code}", response.status_code)
        return response.get_data()

    def post(path: str, body: bytes) -> tuple[int, bytes]:
        response = client.post("/" + path, data=body, content_type="text/plain; charset=utf-8")
        return response.status_code, response.get_data()

    return verifier.Site(base, get, post)


def record_some(count: int, tag: str = "a") -> None:
    """Named acts by a moderator and a resident, as the services log them."""
    moderator, resident = ModeratorFactory(), UserFactory()
    for n in range(count):
        actor = moderator if n % 2 else resident
        action = "area:create" if n % 2 else "account:register"
        audit.record(actor, action, audit.Subject("area", f"{tag}{n}"), {"n": n, "tag": tag})
    db.session.flush()


def checkpoint(trigger: str = "test") -> None:
    make_checkpoint(trigger)
    db.session.flush()
