"""Imports every module that adds routes to the contracts blueprints (one line each)."""

from __future__ import annotations

import civic.contracts.api_views
import civic.contracts.document_views
import civic.contracts.inforequests.views
import civic.contracts.performance.views
import civic.contracts.recall.views
import civic.contracts.scorecard_views
import civic.contracts.views  # noqa: F401
