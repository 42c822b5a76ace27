"""Every setting the code reads is in README's Configuration table, and every row there is
read: an operator learns what they can set from that table alone, so a setting added to the
code without a row (or a row left for a removed setting) fails here."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted([*(ROOT / "civic").rglob("*.py"), *(ROOT / "seeds").rglob("*.py")])
CIVIC_NAME = re.compile(r"\bCIVIC_[A-Z0-9_]+\b")
ENVIRONMENT_READ = re.compile(
    r"""(?:os\.environ\.get|os\.getenv|os\.environ\.setdefault)\(\s*["']([A-Za-z0-9_]+)["']"""
    r"""|os\.environ\[\s*["']([A-Za-z0-9_]+)["']\s*\]"""
)


def _documented() -> set[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", section, re.MULTILINE))


def _civic_names() -> set[str]:
    return {name for path in SOURCES for name in CIVIC_NAME.findall(path.read_text("utf-8"))}


def _environment_reads() -> set[str]:
    return {
        a or b
        for path in SOURCES
        for a, b in ENVIRONMENT_READ.findall(path.read_text(encoding="utf-8"))
    }


def test_the_scans_find_the_settings_they_are_meant_to():
    """Guards the two tests below against passing because a scan found nothing."""
    assert {"CIVIC_MIN_CONSULTATION_DAYS", "CIVIC_FLAGS_TO_HIDE", "CIVIC_CODE_RATE_LIMIT"} <= (
        _civic_names()
    )
    assert {"DATABASE_URL", "SECRET_KEY", "RATELIMIT_STORAGE_URI"} <= _environment_reads()
    assert "CIVIC_COMMENTS_PER_MINUTE" in _documented()


def test_every_civic_setting_in_the_code_is_in_the_readme_table():
    missing = _civic_names() - _documented()
    assert not missing, f"add these to README's Configuration table: {sorted(missing)}"


def test_every_environment_variable_read_is_in_the_readme_table():
    missing = _environment_reads() - _documented()
    assert not missing, f"add these to README's Configuration table: {sorted(missing)}"


def test_every_row_of_the_table_is_read_by_the_code():
    stale = _documented() - _civic_names() - _environment_reads()
    assert not stale, f"README documents settings the code no longer reads: {sorted(stale)}"
