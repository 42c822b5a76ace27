"""Shared fixtures for the community-budget tests: the Pabulib files copied into tests/data."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "data" / "pabulib"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes seconds (still runs in the default suite)")


def pb_files() -> list[Path]:
    """Every .pb file in tests/data/pabulib, sorted by name."""
    return sorted(DATA.glob("*.pb"))
