"""contests of paper entries: one vocabulary of outcomes, one open contest per entry

Budget ballots said "upheld" (the ballot stands) and "voided" (removed); paper votes and
responses said "upheld" (the contest is upheld: the paper is removed) and "rejected" (it
stands). Both now say what happened to the entry: "removed" or "kept". Rows are mapped
both ways; the audit log keeps the words it was written with (civic.receipts.codes reads
both). A partial unique index allows one open contest per entry.

Revision ID: 0044_contests
Revises: 0043_budget_paper
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0044_contests"
down_revision = "0043_budget_paper"
branch_labels = None
depends_on = None

# (table, old length, {old state: new state}, columns of one entry's open contest)
TABLES = (
    (
        "budget_ballot_contest",
        6,
        {"upheld": "kept", "voided": "removed"},
        ["round_id", "voter_key"],
    ),
    (
        "paper_contest",
        8,
        {"upheld": "removed", "rejected": "kept"},
        ["kind", "subject_id", "voter_key"],
    ),
)
NEW_LENGTH = 7  # "removed"
OPEN = sa.text("state = 'open'")


def _map(table: str, mapping: dict[str, str]) -> None:
    rows = sa.table(table, sa.column("state", sa.String()))
    for old, new in mapping.items():
        op.execute(rows.update().where(rows.c.state == old).values(state=new))


def _resize(table: str, old: int, new: int) -> None:
    with op.batch_alter_table(table) as batch:
        batch.alter_column(
            "state", existing_type=sa.String(length=old), type_=sa.String(length=new)
        )


def upgrade() -> None:
    for table, length, mapping, columns in TABLES:
        # widen before writing longer words, narrow after writing shorter ones
        if length < NEW_LENGTH:
            _resize(table, length, NEW_LENGTH)
        _map(table, mapping)
        if length > NEW_LENGTH:
            _resize(table, length, NEW_LENGTH)
        op.create_index(
            f"uq_{table}_open",
            table,
            columns,
            unique=True,
            sqlite_where=OPEN,
            postgresql_where=OPEN,
        )


def downgrade() -> None:
    for table, length, mapping, _columns in TABLES:
        op.drop_index(f"uq_{table}_open", table_name=table)
        if length > NEW_LENGTH:
            _resize(table, NEW_LENGTH, length)
        _map(table, {new: old for old, new in mapping.items()})
        if length < NEW_LENGTH:
            _resize(table, NEW_LENGTH, length)
