"""The contracts blueprints. Route modules attach to these and are imported by
civic.contracts.routes, so each part of the domain keeps its views in its own module."""

from __future__ import annotations

from flask import Blueprint, g

from civic.i18n import force_locale

bp = Blueprint("contracts", __name__, url_prefix="/contracts")
api = Blueprint("contracts_api", __name__, url_prefix="/api/v1/contracts")


@api.before_request
def _data_in_english() -> None:
    """The JSON API is data for programs: its labels and messages stay in English, whatever
    language the browser asks for (pages translate; data does not)."""
    language = force_locale("en")
    language.__enter__()
    g.contracts_api_language = language


@api.teardown_request
def _end_english(_error: BaseException | None) -> None:
    language = g.pop("contracts_api_language", None)
    if language is not None:
        language.__exit__(None, None, None)
