"""The default mail transport: each message written as an .eml file under instance/mail/.

A Flask-Mailman backend (MAIL_BACKEND = "civic.notifications.eml.EmailBackend"), so the
outbox sends through the same code whatever the transport. One file per message, named
by the time and the outbox's Message-ID, written whole then renamed into place so a reader
never sees half a message; the path is logged so a developer can open it.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flask import current_app
from flask_mailman.backends.base import BaseEmailBackend
from flask_mailman.message import EmailMessage

from civic.clock import utcnow

UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class EmailBackend(BaseEmailBackend):
    def __init__(self, *args: Any, file_path: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        folder = file_path or self.mailman.file_path
        if not folder:
            raise RuntimeError("MAIL_FILE_PATH is not set: where should .eml files go?")
        self.folder = Path(folder)

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        self.folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            self.write(message)
        return len(email_messages)

    def write(self, message: EmailMessage) -> Path:
        built = message.message()
        label = UNSAFE.sub("-", str(built.get("Message-ID", "")).strip("<>"))[:80] or "message"
        name = f"{utcnow():%Y%m%dT%H%M%S}-{label}.eml"
        path = self.folder / name
        temporary = self.folder / f".{name}.{os.getpid()}.{secrets.token_hex(4)}"
        temporary.write_bytes(built.as_bytes(linesep="\r\n"))
        temporary.replace(path)
        # a warning, so it shows with the default log level: nothing was delivered
        current_app.logger.warning("mail not delivered (no CIVIC_MAIL_URL): written to %s", path)
        return path
