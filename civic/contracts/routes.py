"""Imports every module that adds routes to the contracts blueprints (one line each)."""

from __future__ import annotations

from civic.contracts import views  # noqa: F401
from civic.contracts.recall import views as recall_views  # noqa: F401
