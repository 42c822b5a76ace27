"""Imports every module that adds routes to the contracts blueprints (one line each)."""

from __future__ import annotations

from civic.contracts import (
    document_views,  # noqa: F401
    views,  # noqa: F401
)
from civic.contracts.inforequests import views as inforequest_views  # noqa: F401
from civic.contracts.performance import views as performance_views  # noqa: F401
