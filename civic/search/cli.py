"""`flask civic search reindex`: rebuild the index from the application's own rules."""

from __future__ import annotations

import click

from civic.extensions import db
from civic.search import index

search_cli = click.Group("search", help="The site search index.")


@search_cli.command("reindex")
def reindex_command() -> None:
    """Index every searchable row again (after a restore, a hand edit, or a new kind)."""
    count = index.rebuild(db.session)
    db.session.commit()
    click.echo(f"Indexed {count} documents.")
