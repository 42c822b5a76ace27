"""Civic: participatory budgeting, public votes and consultations for councils and communities.

`create_app` lives in civic.app and is imported on first use, so that the pure modules
(`python -m civic.audit.verifier`, the budget rules) can be imported without Flask.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

__all__ = ["ROOT", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from civic.app import create_app

        return create_app
    raise AttributeError(f"module 'civic' has no attribute {name!r}")
