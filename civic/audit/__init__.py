"""The public, tamper-evident audit log: `audit.record(...)` in every state change."""

from civic.audit.log import Subject, pseudonym, record, verify

__all__ = ["Subject", "pseudonym", "record", "verify"]
