"""Site search: one index of documents (proposals, projects, consultations, rounds,
comments, and whatever registers later), full-text on PostgreSQL and SQLite alike.

A domain joins the search by registering a `Kind` (civic.search.registry); the core
never names a domain's model.
"""


def setup() -> None:
    """Register Civic's searchable kinds and start keeping the index current."""
    from civic.search import index, kinds

    kinds.register_all()
    index.install()
