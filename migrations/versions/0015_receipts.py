"""ballot receipts: a receipt code on every vote and budget ballot, and retired codes

Existing ballots get a code made the way new ones are (SHA-256 of the canonical ballot and
a random nonce, civic.receipts.codes), so a round or vote already under way is published by
receipt like any other. Their voters learn the code on their ballot page.

Revision ID: 0015_receipts
Revises: 0014_results_detail
"""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict

import rfc8785
import sqlalchemy as sa
from alembic import op

from civic.audit.verifier import receipt_code

revision = "0015_receipts"
down_revision = "0014_results_detail"
branch_labels = None
depends_on = None


def _code(subject_type: str, subject_id: str, ballot: dict) -> str:
    canonical = rfc8785.dumps(
        {"subject": {"type": subject_type, "id": subject_id}, "ballot": ballot}
    )
    return receipt_code(hashlib.sha256(canonical + secrets.token_bytes(32)).digest())


def _backfill() -> None:
    conn = op.get_bind()
    votes = conn.execute(sa.text("SELECT id, proposal_id, choice FROM vote_cast")).all()
    for row_id, proposal_id, choice in votes:
        conn.execute(
            sa.text("UPDATE vote_cast SET receipt = :code WHERE id = :id"),
            {"code": _code("proposal", str(proposal_id), {"choice": choice}), "id": row_id},
        )
    entries: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
    for ballot_id, rank, external_id, points in conn.execute(
        sa.text(
            "SELECT e.ballot_id, e.rank, p.external_id, e.points FROM budget_ballot_entry e "
            "JOIN budget_project p ON p.id = e.project_id"
        )
    ):
        entries[ballot_id].append((rank, external_id, points))
    ballots = conn.execute(
        sa.text("SELECT b.id, r.slug FROM budget_ballot b JOIN budget_round r ON r.id = b.round_id")
    ).all()
    for ballot_id, slug in ballots:
        items = sorted(entries.get(ballot_id, []))
        ballot = {"projects": [p for _, p, _ in items], "points": [n for _, _, n in items]}
        conn.execute(
            sa.text("UPDATE budget_ballot SET receipt = :code WHERE id = :id"),
            {"code": _code("budget_round", slug, ballot), "id": ballot_id},
        )


def upgrade() -> None:
    op.create_table(
        "retired_receipt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=19), nullable=False),
        sa.Column("reason", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retired_receipt")),
        sa.UniqueConstraint(
            "subject_type",
            "subject_id",
            "code",
            name=op.f("uq_retired_receipt_subject_type_subject_id_code"),
        ),
    )
    with op.batch_alter_table("retired_receipt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_retired_receipt_code"), ["code"], unique=False)
    for table in ("vote_cast", "budget_ballot"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("receipt", sa.String(length=19), nullable=True))
    _backfill()
    for table, subject in (("vote_cast", "proposal_id"), ("budget_ballot", "round_id")):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("receipt", existing_type=sa.String(length=19), nullable=False)
            batch_op.create_unique_constraint(
                batch_op.f(f"uq_{table}_{subject}_receipt"), [subject, "receipt"]
            )


def downgrade() -> None:
    for table, subject in (("vote_cast", "proposal_id"), ("budget_ballot", "round_id")):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"uq_{table}_{subject}_receipt"), type_="unique")
            batch_op.drop_column("receipt")
    with op.batch_alter_table("retired_receipt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_retired_receipt_code"))
    op.drop_table("retired_receipt")
