"""A large thread made straight in the database, for the query-count test and the benchmark."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, select

from civic.accounts.models import utcnow
from civic.discussions import services
from civic.discussions.models import Comment
from civic.extensions import db
from civic.markdown import render


def make_thread(subject_type: str, subject_id: str, total: int, author_ids: list[int]) -> None:
    """`total` comments: a quarter top-level, the rest replies spread over them."""
    thread = services.thread_for(subject_type, subject_id)
    start = utcnow() - timedelta(days=30)
    roots = max(1, total // 4)
    html = render("A comment about **the budget**, with a [link](https://example.org).")

    def row(n: int, **extra: object) -> dict[str, object]:
        return {
            "thread_id": thread.id,
            "author_id": author_ids[n % len(author_ids)],
            "body_source": f"comment {n}",
            "body_html": html,
            "created_at": start + timedelta(seconds=n),
            "depth": 0,
            **extra,
        }

    db.session.execute(insert(Comment), [row(n, reply_count=3) for n in range(roots)])
    root_ids = db.session.scalars(
        select(Comment.id).where(Comment.thread_id == thread.id, Comment.root_id.is_(None))
    ).all()
    replies = []
    for n in range(total - roots):
        root = root_ids[n % len(root_ids)]
        replies.append(row(roots + n, parent_id=root, root_id=root, depth=1))
    db.session.execute(insert(Comment), replies)
    thread.comment_count += total
    db.session.flush()
