"""search: one index of documents, full-text on both databases

`search_document` holds one row per searchable thing (civic/search/models.py says why
one table). PostgreSQL: a weighted `tsvector` generated column (English configuration,
title A, body B) with a GIN index. SQLite: an FTS5 table over the same rows (external
content, porter stemmer) kept in step by triggers. Existing rows are indexed here in SQL,
so an upgraded site is searchable at once; `flask civic search reindex` rebuilds the
index from the application's own rules at any time.

Revision ID: 0017_search
Revises: 0016_audit_append_function
"""

# The SQL below is assembled from constants in this file only (no input): S608 does not apply.
# ruff: noqa: S608

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0017_search"
down_revision = "0016_audit_append_function"
branch_labels = None
depends_on = None

TSVECTOR_SQL = (
    "setweight(to_tsvector('english'::regconfig, title), 'A') || "
    "setweight(to_tsvector('english'::regconfig, body), 'B')"
)

SQLITE_FTS = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, content='search_document', "
    "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER search_document_ai AFTER INSERT ON search_document BEGIN "
    "INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER search_document_ad AFTER DELETE ON search_document BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER search_document_au AFTER UPDATE ON search_document BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); "
    "INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
]


def _link(obj: str, endpoint: str, values: str, heading: str = "''", anchor: str = "NULL") -> str:
    return (
        f"{obj}('endpoint', '{endpoint}', 'values', {values}, "
        f"'anchor', {anchor}, 'heading', {heading})"
    )


def _backfill(dialect: str) -> None:
    """The same documents civic/search/kinds.py writes, as of this revision's tables."""
    obj = "json_build_object" if dialect == "postgresql" else "json_object"
    columns = "kind, ref, audience, parent_kind, parent_ref, area_id, state, title, body, link"
    now = "CURRENT_TIMESTAMP"

    def joined(*parts: str) -> str:
        return " || ' ' || ".join(f"coalesce({p}, '')" for p in parts)

    audience = "CASE WHEN {0}.state = 'draft' THEN 'moderators' ELSE 'public' END"
    statements = [
        f"""INSERT INTO search_document ({columns}, indexed_at)
        SELECT 'proposal', CAST(p.id AS TEXT), {audience.format("p")}, NULL, NULL,
          p.area_id, p.state, p.title,
          {
            joined(
                "p.service",
                "p.current_provision",
                "p.public_interest_case",
                "p.inhouse_bid_summary",
                "p.no_bid_reason",
                "p.asset_new_owner",
                "p.decision_reasons",
            )
        },
          {_link(obj, "votes.detail", f"{obj}('proposal_id', CAST(p.id AS TEXT))")}, {now}
        FROM proposal p""",
        f"""INSERT INTO search_document ({columns}, indexed_at)
        SELECT 'consultation', CAST(c.id AS TEXT), {audience.format("c")}, NULL, NULL,
          c.area_id, c.state, c.title, {joined("c.service", "c.summary", "c.reply_source")},
          {_link(obj, "consultations.detail", f"{obj}('consultation_id', CAST(c.id AS TEXT))")},
          {now}
        FROM consultation c""",
        f"""INSERT INTO search_document ({columns}, indexed_at)
        SELECT 'budget_round', r.slug, 'public', NULL, NULL, r.area_id, r.phase, r.title,
          r.description, {_link(obj, "budgets.round_detail", f"{obj}('slug', r.slug)")}, {now}
        FROM budget_round r""",
        f"""INSERT INTO search_document ({columns}, indexed_at)
        SELECT 'budget_project', CAST(j.id AS TEXT), 'public', 'budget_round', r.slug,
          r.area_id, j.status, j.title, {joined("j.description", "j.location", "j.category")},
          {
            _link(
                obj,
                "budgets.project_detail",
                f"{obj}('slug', r.slug, 'project_id', CAST(j.id AS TEXT))",
                "r.title",
            )
        },
          {now}
        FROM budget_project j JOIN budget_round r ON r.id = j.round_id""",
    ]
    # a comment: its subject's title and area, looked up by the thread's subject type
    subject_title = """CASE t.subject_type
          WHEN 'proposal' THEN (SELECT title FROM proposal WHERE CAST(id AS TEXT) = t.subject_id)
          WHEN 'consultation' THEN
            (SELECT title FROM consultation WHERE CAST(id AS TEXT) = t.subject_id)
          WHEN 'budget_round' THEN (SELECT title FROM budget_round WHERE slug = t.subject_id)
          WHEN 'budget_project' THEN
            (SELECT title FROM budget_project WHERE CAST(id AS TEXT) = t.subject_id)
          WHEN 'area' THEN (SELECT name FROM area WHERE slug = t.subject_id)
          WHEN 'group' THEN (SELECT name FROM neighbourhood_group WHERE slug = t.subject_id)
        END"""
    subject_area = """CASE t.subject_type
          WHEN 'proposal' THEN
            (SELECT area_id FROM proposal WHERE CAST(id AS TEXT) = t.subject_id)
          WHEN 'consultation' THEN (SELECT area_id FROM consultation
            WHERE CAST(id AS TEXT) = t.subject_id AND audience = 'residents')
          WHEN 'budget_round' THEN (SELECT area_id FROM budget_round WHERE slug = t.subject_id)
          WHEN 'budget_project' THEN (SELECT r.area_id FROM budget_project j
            JOIN budget_round r ON r.id = j.round_id WHERE CAST(j.id AS TEXT) = t.subject_id)
          WHEN 'area' THEN (SELECT id FROM area WHERE slug = t.subject_id)
          WHEN 'group' THEN
            (SELECT area_id FROM neighbourhood_group WHERE slug = t.subject_id)
        END"""
    visible_link = _link(
        obj,
        "discussions.comment",
        f"{obj}('comment_id', CAST(coalesce(m.root_id, m.id) AS TEXT))",
        f"'Comment on ' || {subject_title}",
        "'comment-' || CAST(m.id AS TEXT)",
    )
    hidden_link = _link(
        obj,
        "discussions.moderate",
        f"{obj}('comment_id', CAST(m.id AS TEXT))",
        f"'Hidden comment on ' || {subject_title}",
    )
    statements.append(
        f"""INSERT INTO search_document ({columns}, indexed_at)
        SELECT 'comment', CAST(m.id AS TEXT),
          CASE WHEN m.state = 'visible' THEN 'public' ELSE 'moderators' END,
          t.subject_type, t.subject_id, {subject_area}, m.state, '', m.body_source,
          CASE WHEN m.state = 'visible' THEN {visible_link} ELSE {hidden_link} END, {now}
        FROM comment m JOIN discussion_thread t ON t.id = m.thread_id
        WHERE {subject_title} IS NOT NULL"""
    )
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    postgres = dialect == "postgresql"
    columns = [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("ref", sa.String(length=80), nullable=False),
        sa.Column("audience", sa.String(length=20), nullable=False),
        sa.Column("parent_kind", sa.String(length=40), nullable=True),
        sa.Column("parent_ref", sa.String(length=80), nullable=True),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=40), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.JSON(), nullable=False),
        sa.Column("indexed_at", sa.DateTime(timezone=True), nullable=False),
    ]
    if postgres:
        columns.append(
            sa.Column(
                "tsv",
                postgresql.TSVECTOR(),
                sa.Computed(TSVECTOR_SQL, persisted=True),
                nullable=True,
            )
        )
    op.create_table(
        "search_document",
        *columns,
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "ref", name="uq_search_document_kind_ref"),
    )
    op.create_index("ix_search_document_parent", "search_document", ["parent_kind", "parent_ref"])
    op.create_index("ix_search_document_area_id", "search_document", ["area_id"])
    if postgres:
        op.create_index(
            "ix_search_document_tsv", "search_document", ["tsv"], postgresql_using="gin"
        )
    else:
        for statement in SQLITE_FTS:
            op.execute(statement)
    _backfill(dialect)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        for trigger in ("search_document_ai", "search_document_ad", "search_document_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_table("search_document")
