"""The public, tamper-evident audit log: `audit.record(...)` in every state change.

Names are imported on first use (PEP 562): `civic.audit.verifier` must be importable with
only the standard library and `cryptography`, and importing it imports this package first.
"""

from __future__ import annotations

import importlib
from typing import Any

_NAMES = {
    "UnknownAction": "civic.audit.actions",
    "append_recorded": "civic.audit.log",
    "Visibility": "civic.audit.actions",
    "Subject": "civic.audit.log",
    "flush_after_commit": "civic.audit.log",
    "logged_text": "civic.audit.log",
    "make_checkpoint": "civic.audit.checkpoints",
    "pending_count": "civic.audit.log",
    "pseudonym": "civic.audit.log",
    "record": "civic.audit.log",
    "release_due": "civic.audit.log",
    "release_pending": "civic.audit.log",
    "verify": "civic.audit.log",
}

__all__ = sorted(_NAMES)


def __getattr__(name: str) -> Any:
    module = _NAMES.get(name)
    if module is None:
        raise AttributeError(f"module 'civic.audit' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
