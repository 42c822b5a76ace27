"""Comment services: who may post, validation, replies, edits, flags and moderation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from civic.audit.models import AuditEntry
from civic.discussions import services
from civic.discussions.models import Comment, CommentState, Flag, FlagResolution
from civic.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from civic.extensions import db
from tests.discussions.conftest import make_resident
from tests.factories import UserFactory


def _post(user, text="A fair point about the bins.", parent=None):
    return services.post_comment(user, "area", "riverside", text, parent.id if parent else None)


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


def test_eligible_resident_posts_and_counters_move(resident):
    comment = _post(resident, "**Bins** are collected late")
    assert comment.body_html == "<p><strong>Bins</strong> are collected late</p>\n"
    assert comment.thread.comment_count == 1 and comment.depth == 0 and comment.root_id is None
    assert _actions() == ["comment:post"]


def test_outsiders_and_anonymous_cannot_post(area):
    outsider = UserFactory()
    with pytest.raises(PermissionDenied, match="Only residents of Riverside"):
        _post(outsider)
    with pytest.raises(PermissionDenied):
        _post(None)
    assert db.session.scalars(select(Comment)).all() == []


def test_moderators_post_anywhere(area, moderator):
    assert _post(moderator).author is moderator


def test_unknown_subject_is_404(resident):
    with pytest.raises(NotFound):
        services.post_comment(resident, "area", "nowhere", "hello")
    with pytest.raises(NotFound):
        services.post_comment(resident, "no-such-type", "x", "hello")


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "Write your comment"), ("   \n ", "Write your comment"), ("x" * 5001, "at most 5,000")],
)
def test_empty_or_too_long_is_refused(resident, text, message):
    with pytest.raises(ValidationFailed) as failure:
        _post(resident, text)
    assert message in failure.value.errors["body"]


def test_exactly_5000_characters_is_fine(resident):
    assert len(_post(resident, "y" * 5000).body_source) == 5000


def test_duplicate_rapid_post_is_refused(resident):
    _post(resident, "Same words")
    with pytest.raises(ValidationFailed, match="same comment a moment ago"):
        _post(resident, "Same words")


def test_posting_pace_is_limited(app, resident, monkeypatch):
    monkeypatch.setitem(app.config, "COMMENTS_PER_MINUTE", 3)
    for n in range(3):
        _post(resident, f"comment {n}")
    with pytest.raises(ValidationFailed, match="3 comments in the last minute"):
        _post(resident, "one too many")


def test_replies_track_root_depth_and_counts(resident, neighbour):
    root = _post(resident, "root")
    one = _post(neighbour, "one", root)
    two = _post(resident, "two", one)
    assert (one.root_id, one.depth, two.root_id, two.depth) == (root.id, 1, root.id, 2)
    db.session.refresh(root)
    assert root.reply_count == 2 and root.thread.comment_count == 3


def test_reply_to_hidden_or_foreign_comment_is_refused(resident, neighbour, moderator, area):
    root = _post(resident, "root")
    services.hide_comment(moderator, root, "Personal data")
    with pytest.raises(Conflict):
        _post(neighbour, "reply", root)
    group_thread_comment = services.post_comment(moderator, "area", "riverside", "elsewhere")
    with pytest.raises(NotFound):
        services.post_comment(neighbour, "area", "riverside", "x", parent_id=999999)
    assert group_thread_comment.id


def test_author_edits_within_window_and_history_is_kept(resident, neighbour):
    comment = _post(resident, "first version")
    services.edit_comment(resident, comment, "second version")
    services.edit_comment(resident, comment, "third version")
    assert comment.body_source == "third version" and comment.edited_at is not None
    assert [r.body_source for r in services.revisions(comment)] == [
        "first version",
        "second version",
    ]
    with pytest.raises(PermissionDenied):
        services.edit_comment(neighbour, comment, "hijack")
    assert _actions().count("comment:edit") == 2


def test_edit_after_15_minutes_is_refused(resident):
    comment = _post(resident, "old")
    comment.created_at = comment.created_at - timedelta(minutes=16)
    with pytest.raises(Conflict, match="15 minutes"):
        services.edit_comment(resident, comment, "new")
    assert comment.body_source == "old"


def test_flags_need_a_reason_and_count_once_per_person(resident, neighbour):
    comment = _post(resident)
    with pytest.raises(ValidationFailed):
        services.flag_comment(neighbour, comment, "bogus")
    with pytest.raises(ValidationFailed):
        services.flag_comment(neighbour, comment, "other", "")
    services.flag_comment(neighbour, comment, "spam")
    with pytest.raises(Conflict, match="already reported"):
        services.flag_comment(neighbour, comment, "abuse")
    with pytest.raises(Conflict):
        services.flag_comment(resident, comment, "spam")  # not your own
    assert comment.flag_count == 1 and comment.state is CommentState.VISIBLE


def test_enough_flags_hide_pending_review(app, area, resident, monkeypatch):
    monkeypatch.setitem(app.config, "FLAGS_TO_HIDE", 2)
    comment = _post(resident)
    services.flag_comment(make_resident(area), comment, "abuse")
    assert comment.state is CommentState.VISIBLE
    services.flag_comment(make_resident(area), comment, "personal_data")
    assert comment.state is CommentState.PENDING
    assert _actions()[-3:] == ["comment:flag", "comment:flag", "comment:auto_hide"]


def test_moderator_hides_with_public_reason_and_upholds_flags(resident, neighbour, moderator):
    comment = _post(resident)
    services.flag_comment(neighbour, comment, "abuse")
    with pytest.raises(PermissionDenied):
        services.hide_comment(neighbour, comment, "I don't like it")
    with pytest.raises(ValidationFailed):
        services.hide_comment(moderator, comment, " ")
    services.hide_comment(moderator, comment, "Abusive language")
    assert comment.state is CommentState.HIDDEN and comment.hidden_reason == "Abusive language"
    flag = db.session.scalars(select(Flag)).one()
    assert flag.resolution is FlagResolution.UPHELD
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "comment:hide")).one()
    assert b"Abusive language" in entry.body


def test_moderator_restores_and_dismisses_flags(resident, neighbour, moderator):
    comment = _post(resident)
    services.flag_comment(neighbour, comment, "off_topic")
    assert services.moderation_queue(moderator)[0][0] is comment
    services.restore_comment(moderator, comment, "On topic: it is about bins")
    assert comment.state is CommentState.VISIBLE
    assert db.session.scalars(select(Flag)).one().resolution is FlagResolution.DISMISSED
    assert services.moderation_queue(moderator) == []
    with pytest.raises(Conflict):
        services.restore_comment(moderator, comment, "again")


def test_queue_is_for_moderators_only(resident):
    with pytest.raises(PermissionDenied):
        services.moderation_queue(resident)


def test_thread_page_nests_to_a_fixed_depth(resident, neighbour):
    root = _post(resident, "root")
    chain = [root]
    for n in range(5):
        chain.append(_post(neighbour if n % 2 == 0 else resident, f"level {n + 1}", chain[-1]))
    page = services.thread_page("area", "riverside", resident)
    replies = page.replies[root.id]
    assert [c.body_source for c in replies] == [f"level {n}" for n in range(1, 6)]
    assert [page.display_depth(c) for c in replies] == [1, 2, 3, 3, 3]
    assert page.in_reply_to(replies[-1]) == chain[-2].author.display_name


def test_thread_page_pages_roots_newest_first(resident, app, monkeypatch):
    monkeypatch.setitem(app.config, "COMMENTS_PER_MINUTE", 1000)
    monkeypatch.setattr(services, "ROOTS_PER_PAGE", 4)
    for n in range(10):
        _post(resident, f"c{n}")
    seen, cursor = [], None
    while True:
        page = services.thread_page("area", "riverside", None, before=cursor)
        seen += [c.body_source for c in page.roots]
        if not page.older:
            break
        cursor = page.older
    assert seen == [f"c{n}" for n in range(9, -1, -1)]
