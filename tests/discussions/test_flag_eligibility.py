"""Only reports from residents who have shown where they live hide a comment automatically
(issue 10: three throwaway accounts could hide any comment)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from civic.accounts.models import Area
from civic.audit.models import AuditEntry
from civic.discussions import services, subjects
from civic.discussions.models import CommentState, Flag
from civic.extensions import db
from tests.conftest import login, post_form
from tests.discussions.conftest import make_resident
from tests.factories import AreaFactory, ModeratorFactory, UserFactory


@pytest.fixture(autouse=True)
def _three_to_hide(app, monkeypatch):
    monkeypatch.setitem(app.config, "FLAGS_TO_HIDE", 3)


def _post(user, subject_type="area", subject_id="riverside"):
    return services.post_comment(user, subject_type, subject_id, "The new bins are great.")


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


def test_throwaway_accounts_do_not_hide_a_comment(area, resident):
    comment = _post(resident)
    for _ in range(5):
        services.flag_comment(UserFactory(), comment, "abuse")
    db.session.refresh(comment)
    assert comment.state is CommentState.VISIBLE
    flags = db.session.scalars(select(Flag).where(Flag.comment_id == comment.id)).all()
    # every report is kept for the moderators, none counts
    assert len(flags) == 5 and not any(f.counts for f in flags)
    assert comment.flag_count == 5 and services.counting_flag_count(comment) == 0
    assert "comment:auto_hide" not in _actions()
    queue = services.moderation_queue(ModeratorFactory())
    assert [(c.id, len(f)) for c, f in queue] == [(comment.id, 5)]


def test_residents_of_another_area_do_not_count(area, resident):
    elsewhere = AreaFactory()
    comment = _post(resident)
    for _ in range(3):
        services.flag_comment(make_resident(elsewhere), comment, "spam")
    db.session.refresh(comment)
    assert comment.state is CommentState.VISIBLE


def test_three_eligible_residents_hide_it_whatever_others_did(area, resident):
    comment = _post(resident)
    services.flag_comment(UserFactory(), comment, "spam")
    services.flag_comment(UserFactory(), comment, "spam")
    services.flag_comment(make_resident(area), comment, "spam")
    services.flag_comment(make_resident(area), comment, "spam")
    db.session.refresh(comment)
    assert comment.state is CommentState.VISIBLE  # 2 counting reports of 4
    services.flag_comment(make_resident(area), comment, "spam")
    db.session.refresh(comment)
    assert comment.state is CommentState.PENDING
    assert _actions()[-2:] == ["comment:flag", "comment:auto_hide"]


def test_dismissed_reports_no_longer_count(area, resident):
    moderator = ModeratorFactory()
    comment = _post(resident)
    for _ in range(3):
        services.flag_comment(make_resident(area), comment, "spam")
    db.session.refresh(comment)
    assert comment.state is CommentState.PENDING
    services.restore_comment(moderator, comment, "Fair comment")
    # one new report after a restore must not hide it again at once
    services.flag_comment(make_resident(area), comment, "spam")
    db.session.refresh(comment)
    assert comment.state is CommentState.VISIBLE


def test_without_an_area_any_proved_residence_counts(app, area, resident):
    """A site-wide subject (no area): residents eligible anywhere count, others do not."""
    subjects.register(
        "test_sitewide",
        lambda sid: subjects.SubjectInfo("Everyone", None, "pages.home") if sid == "1" else None,
    )
    comment = _post(resident, "test_sitewide", "1")
    services.flag_comment(UserFactory(), comment, "spam")
    services.flag_comment(UserFactory(), comment, "spam")
    services.flag_comment(make_resident(AreaFactory()), comment, "spam")
    db.session.refresh(comment)
    assert comment.state is CommentState.VISIBLE
    services.flag_comment(make_resident(db.session.get(Area, area.id)), comment, "spam")
    services.flag_comment(make_resident(AreaFactory()), comment, "spam")
    db.session.refresh(comment)
    assert comment.state is CommentState.PENDING


def test_report_through_the_page_by_an_ineligible_account_is_kept_not_counted(
    client, area, resident
):
    comment = _post(resident)
    throwaways = [UserFactory() for _ in range(3)]
    for user in throwaways:
        login(client, user)  # signs the previous one out
        response = post_form(
            client, f"/discussions/comments/{comment.id}/flag", {"reason": "abuse", "detail": ""}
        )
        assert response.status_code == 302
    db.session.refresh(comment)
    assert comment.state is CommentState.VISIBLE and comment.flag_count == 3
    page = client.get(f"/discussions/area/riverside#comment-{comment.id}").get_data(as_text=True)
    assert "The new bins are great." in page
