"""Imports every module that adds routes to the contracts blueprints (one line each)."""

from __future__ import annotations

import civic.contracts.scorecard_views  # noqa: F401  (the nine-principles scorecard)
from civic.contracts import views  # noqa: F401
