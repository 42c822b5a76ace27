"""The public, tamper-evident audit log: `audit.record(...)` in every state change."""

from civic.audit.actions import UnknownAction, Visibility
from civic.audit.log import (
    Subject,
    pending_count,
    pseudonym,
    record,
    release_due,
    release_pending,
    verify,
)

__all__ = [
    "Subject",
    "UnknownAction",
    "Visibility",
    "pending_count",
    "pseudonym",
    "record",
    "release_due",
    "release_pending",
    "verify",
]
