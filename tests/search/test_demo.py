"""Right after `make run` (migrate, then `flask civic seed`) the demo is searchable: the
seeds go through the services, and the index follows them."""

from __future__ import annotations

from sqlalchemy import func, select

from civic.extensions import db
from civic.search.models import SearchDocument


def test_the_demo_is_searchable_after_seeding(app, client, monkeypatch, tmp_path):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    result = app.test_cli_runner().invoke(args=["civic", "seed"])
    assert result.exit_code == 0, result.output
    kinds = dict(
        db.session.execute(
            select(SearchDocument.kind, func.count()).group_by(SearchDocument.kind)
        ).all()
    )
    assert set(kinds) == {
        "proposal",
        "budget_project",
        "budget_round",
        "consultation",
        "comment",
        "contract",  # the demo's contract register (issue 13)
        "info_request",  # slice requests (issue 13)
        "petition",  # slice petitions (issue 15)
    }
    data = client.get("/api/v1/search?q=library").get_json()
    assert data["total"] >= 1
    assert all("<mark>" in hit["title_html"] + hit["snippet_html"] for hit in data["results"])
    page = client.get("/search?q=play+area").get_data(as_text=True)
    assert "Resurface the Holbeck Moor <mark>play</mark> <mark>area</mark>" in page
    rebuilt = app.test_cli_runner().invoke(args=["civic", "search", "reindex"])
    assert rebuilt.exit_code == 0 and f"Indexed {sum(kinds.values())} documents." in rebuilt.output
