"""Imports every module that adds routes to the contracts blueprints (one line each)."""

from __future__ import annotations

import civic.contracts.api_views  # noqa: F401  (OCDS slice: API, CSV, OCDS export)
from civic.contracts import views  # noqa: F401
