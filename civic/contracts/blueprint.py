"""The contracts blueprints. Route modules attach to these and are imported by
civic.contracts.routes, so each part of the domain keeps its views in its own module."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("contracts", __name__, url_prefix="/contracts")
api = Blueprint("contracts_api", __name__, url_prefix="/api/v1/contracts")
