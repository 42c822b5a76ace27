"""Imports every module that adds routes to the contracts blueprints (one line each)."""

from __future__ import annotations

from civic.contracts import (
    search_kind,  # noqa: F401  (the register in site search)
    views,  # noqa: F401
)
