"""Errors that service functions raise; civic.web turns each into the right response."""

from __future__ import annotations

from collections.abc import Mapping


class ServiceError(Exception):
    status = 400

    def __init__(self, message: str) -> None:
        # str(): a lazy translation (civic.i18n) becomes text in the language of the request
        message = str(message)
        super().__init__(message)
        self.message = message


class PermissionDenied(ServiceError):
    status = 403


class NotEligible(PermissionDenied):
    """Refused because the person has not shown they live in the area (or belong to the
    constituency): the error page then points them to Your areas and the letter code.

    Raise this rather than checking a message's words: the page is read in Welsh too."""


class NotFound(ServiceError):
    status = 404


class Conflict(ServiceError):
    """The request is valid but the current state forbids it (e.g. a used code)."""

    status = 409


class ValidationFailed(ServiceError):
    """Input that breaks a rule; `errors` maps form field names to messages."""

    status = 422

    def __init__(self, errors: Mapping[str, str]) -> None:
        texts = {name: str(message) for name, message in errors.items()}
        super().__init__("; ".join(texts.values()))
        self.errors = texts
