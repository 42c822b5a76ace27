"""Point the outbox at a test SMTP server (or a folder) for one test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

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
