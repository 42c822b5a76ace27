"""Reports arriving at the same moment on PostgreSQL: the counting ones still hide."""

from __future__ import annotations

import threading

import pytest

from civic.accounts.models import User
from civic.discussions import services
from civic.discussions.models import Comment, CommentState
from civic.extensions import db
from tests.conftest import on_postgres
from tests.discussions.conftest import make_resident
from tests.factories import AreaFactory, UserFactory


def _flag_at_once(app, comment_id: int, user_ids: list[int]) -> list[BaseException]:
    barrier = threading.Barrier(len(user_ids))
    errors: list[BaseException] = []

    def work(user_id: int) -> None:
        with app.app_context():
            try:
                comment = db.session.get(Comment, comment_id)
                user = db.session.get(User, user_id)
                barrier.wait(timeout=60)
                services.flag_comment(user, comment, "abuse")
                db.session.commit()
            except BaseException as exc:  # asserted below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(uid,)) for uid in user_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


@pytest.mark.commits
def test_simultaneous_reports_count_exactly(app, monkeypatch):
    if not on_postgres():
        pytest.skip("needs PostgreSQL: set CIVIC_TEST_DATABASE_URL (CI does)")
    monkeypatch.setitem(app.config, "FLAGS_TO_HIDE", 3)
    area = AreaFactory(slug="riverside")
    author = make_resident(area)
    comment = services.post_comment(author, "area", "riverside", "Disputed words")
    eligible = [make_resident(area).id for _ in range(3)]
    throwaway = [UserFactory().id for _ in range(6)]
    db.session.commit()
    comment_id = comment.id
    # first six throwaways at once: nothing hides
    assert _flag_at_once(app, comment_id, throwaway) == []
    db.session.expire_all()
    assert db.session.get(Comment, comment_id).state is CommentState.VISIBLE
    # then three eligible residents at once: none of their reports is lost, so it hides
    assert _flag_at_once(app, comment_id, eligible) == []
    db.session.expire_all()
    found = db.session.get(Comment, comment_id)
    assert found.flag_count == 9 and found.state is CommentState.PENDING
