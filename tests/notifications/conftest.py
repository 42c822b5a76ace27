"""Point the outbox at a test SMTP server (or a folder) for one test."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from civic.extensions import db
from tests.notifications.smtp import Handler, smtp_server


def use_smtp(monkeypatch: pytest.MonkeyPatch, app: Flask, port: int, **extra: object) -> None:
    settings = {
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "MAIL_USERNAME": None,
        "MAIL_PASSWORD": None,
        "MAIL_USE_TLS": False,
        "MAIL_USE_SSL": False,
        "MAIL_TIMEOUT": 2.0,
        **extra,
    }
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)


@pytest.fixture
def smtp(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Handler]:
    """A running SMTP server that accepts everything; the outbox sends to it."""
    with smtp_server() as (handler, port):
        use_smtp(monkeypatch, app, port)
        yield handler


def at_once(app: Flask, action: Callable[[], Any], runs: int = 4) -> list[Any]:
    """Run `action` in `runs` threads released together, each in its own app context and
    database session, committing what it did; the results. An error in any thread fails
    the test here rather than being lost in the thread."""
    barrier = threading.Barrier(runs)
    results: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        with app.app_context():
            try:
                barrier.wait()
                results.append(action())
                db.session.commit()
            except BaseException as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    return results
