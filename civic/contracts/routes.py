"""Imports every module that adds routes to the contracts blueprints (one line each)."""

from __future__ import annotations

from civic.contracts import views  # noqa: F401
from civic.contracts.performance import views as performance_views  # noqa: F401
