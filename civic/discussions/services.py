"""Posting, editing, flagging and moderating comments: permission, validation, write, audit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from civic import audit
from civic.accounts.models import User, utcnow
from civic.clock import aware
from civic.discussions.models import (
    Comment,
    CommentRevision,
    CommentState,
    Flag,
    FlagReason,
    FlagResolution,
    Thread,
)
from civic.discussions.subjects import SubjectInfo, resolve
from civic.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from civic.extensions import db
from civic.i18n import _, format_number, ngettext
from civic.markdown import render
from civic.notifications import events
from civic.params import parse_id
from civic.permissions import require_moderator, require_signed_in
from civic.text import clean_text

MAX_LENGTH = 5000
MAX_DEPTH = 3  # replies deeper than this are shown flat, "in reply to" their parent
ROOTS_PER_PAGE = 20
REPLIES_SHOWN = 10
DUPLICATE_WINDOW = timedelta(minutes=10)


def _setting(name: str, default: int) -> int:
    return int(current_app.config.get(name, default))


# --- threads ----------------------------------------------------------------------------


def find_thread(subject_type: str, subject_id: str) -> Thread | None:
    return db.session.scalar(
        select(Thread).where(Thread.subject_type == subject_type, Thread.subject_id == subject_id)
    )


def thread_for(subject_type: str, subject_id: str) -> Thread:
    """The subject's thread, created on first use; two requests racing still get one."""
    resolve(subject_type, subject_id)  # only registered, existing subjects get threads
    thread = find_thread(subject_type, subject_id)
    if thread is not None:
        return thread
    try:
        with db.session.begin_nested():
            thread = Thread(subject_type=subject_type, subject_id=subject_id, comment_count=0)
            db.session.add(thread)
    except IntegrityError:
        thread = find_thread(subject_type, subject_id)
        assert thread is not None
    return thread


# --- posting and editing ----------------------------------------------------------------


def can_post(user: User | None, subject: SubjectInfo) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return subject.area is None or user.is_moderator or user.is_eligible_in(subject.area)


def require_poster(actor: User | None, subject_type: str, subject_id: str) -> User:
    """Who may post in a subject's thread: views call it before reading the form, so a
    refused person is told why and is shown nothing else."""
    return _require_poster(actor, resolve(subject_type, subject_id))


def _require_poster(user: User | None, subject: SubjectInfo) -> User:
    user = require_signed_in(user)
    if not can_post(user, subject):
        assert subject.area is not None
        raise PermissionDenied(
            _(
                "Only residents of %(area)s can post here. To show you live there, enter the "
                "code from your letter on the 'Your areas' page.",
                area=subject.area.name,
            )
        )
    return user


def _clean_body(body: str) -> str:
    text = clean_text(body)
    if not text:
        raise ValidationFailed({"body": _("Write your comment before posting")})
    if len(text) > MAX_LENGTH:
        raise ValidationFailed(
            {
                "body": _(
                    "Comments can be at most %(most)s characters; yours has %(length)s",
                    most=format_number(MAX_LENGTH),
                    length=format_number(len(text)),
                )
            }
        )
    return text


def _check_pace(author: User, thread: Thread, text: str) -> None:
    """Refuse floods and double-posts here, so the message appears next to the kept text."""
    now = utcnow()
    limit = _setting("COMMENTS_PER_MINUTE", 5)
    recent = db.session.scalar(
        select(func.count())
        .select_from(Comment)
        .where(Comment.author_id == author.id, Comment.created_at > now - timedelta(minutes=1))
    )
    if recent >= limit:
        raise ValidationFailed(
            {
                "body": ngettext(
                    "You have posted %(count)s comment in the last minute. Wait a minute, then "
                    "post again: your text is kept below.",
                    "You have posted %(count)s comments in the last minute. Wait a minute, then "
                    "post again: your text is kept below.",
                    recent,
                    count=format_number(recent),
                )
            }
        )
    duplicate = db.session.scalar(
        select(Comment.id).where(
            Comment.author_id == author.id,
            Comment.thread_id == thread.id,
            Comment.body_source == text,
            Comment.created_at > now - DUPLICATE_WINDOW,
        )
    )
    if duplicate is not None:
        raise ValidationFailed({"body": _("You posted this same comment a moment ago")})


def post_comment(
    actor: User | None,
    subject_type: str,
    subject_id: str,
    body: str,
    parent_id: int | None = None,
) -> Comment:
    subject = resolve(subject_type, subject_id)
    author = _require_poster(actor, subject)
    text = _clean_body(body)
    thread = thread_for(subject_type, subject_id)
    parent = None
    if parent_id is not None:
        parent = db.session.get(Comment, parent_id)
        if parent is None or parent.thread_id != thread.id:
            raise NotFound(_("The comment you are replying to is not in this discussion."))
        if not parent.is_visible:
            raise Conflict(_("You cannot reply to a hidden comment."))
    _check_pace(author, thread, text)
    comment = Comment(
        thread_id=thread.id,
        parent_id=parent.id if parent else None,
        root_id=(parent.root_id or parent.id) if parent else None,
        depth=parent.depth + 1 if parent else 0,
        author_id=author.id,
        body_source=text,
        body_html=render(text),
        state=CommentState.VISIBLE,
        created_at=utcnow(),
    )
    db.session.add(comment)
    # counters move in SQL, not Python, so concurrent posts cannot lose an increment
    db.session.execute(
        update(Thread).where(Thread.id == thread.id).values(comment_count=Thread.comment_count + 1)
    )
    if comment.root_id is not None:
        db.session.execute(
            update(Comment)
            .where(Comment.id == comment.root_id)
            .values(reply_count=Comment.reply_count + 1)
        )
    db.session.flush()
    db.session.refresh(thread)
    audit.record(
        author,
        "comment:post",
        comment,
        {"thread": thread.id, "subject": f"{subject_type}:{subject_id}", "parent": parent_id},
    )
    events.took_part(author, f"{subject_type}:{subject_id}")
    if parent is not None:
        events.replied(comment, parent, subject.title)
    return comment


def edit_window() -> timedelta:
    return timedelta(minutes=_setting("COMMENT_EDIT_MINUTES", 15))


def edit_minutes() -> int:
    return int(edit_window().total_seconds() // 60)


def edit_window_message() -> str:
    minutes = edit_minutes()
    return ngettext(
        "Comments can be edited for %(count)s minute after posting.",
        "Comments can be edited for %(count)s minutes after posting.",
        minutes,
        count=format_number(minutes),
    )


def can_edit(user: User | None, comment: Comment) -> bool:
    return (
        user is not None
        and user.is_authenticated
        and comment.author_id == user.id
        and comment.is_visible
        and utcnow() - aware(comment.created_at) <= edit_window()
    )


def edit_comment(actor: User | None, comment: Comment, body: str) -> None:
    user = require_signed_in(actor)
    if comment.author_id != user.id:
        raise PermissionDenied(_("Only the author can edit a comment."))
    if not can_edit(user, comment):
        raise Conflict(edit_window_message())
    text = _clean_body(body)
    if text == comment.body_source:
        return
    db.session.add(
        CommentRevision(
            comment_id=comment.id,
            body_source=comment.body_source,
            body_html=comment.body_html,
            written_at=comment.edited_at or comment.created_at,
        )
    )
    comment.body_source = text
    comment.body_html = render(text)
    comment.edited_at = utcnow()
    audit.record(user, "comment:edit", comment, {"thread": comment.thread_id})
    db.session.flush()


# --- flags and moderation ---------------------------------------------------------------


def report_counts(user: User, subject: SubjectInfo) -> bool:
    """Whether `user`'s report counts towards hiding a comment automatically.

    Only people who have shown where they live count: residents eligible in the subject's
    area, or, for a subject with no area (a site-wide discussion), eligible in any area.
    Moderators count too (they could hide the comment themselves). Anyone else's report is
    kept and shown to moderators, but three throwaway accounts cannot hide a comment.
    """
    if user.is_moderator:
        return True
    if subject.area is not None:
        return user.is_eligible_in(subject.area)
    return bool(user.eligibilities)


def require_can_flag(actor: User | None, comment: Comment) -> User:
    """Who may report `comment`: checked before the form is read, so a refusal shows nothing
    of the comment (a hidden comment's text is for moderators only)."""
    user = require_signed_in(actor)
    if comment.author_id == user.id:
        raise Conflict(_("You cannot report your own comment; you can edit it or ask a moderator."))
    return user


def counting_flag_count(comment: Comment) -> int:
    """Open reports that count towards hiding the comment automatically."""
    return db.session.scalar(
        select(func.count())
        .select_from(Flag)
        .where(Flag.comment_id == comment.id, Flag.resolution.is_(None), Flag.counts.is_(True))
    )


def flag_comment(actor: User | None, comment: Comment, reason: str, detail: str = "") -> Flag:
    user = require_can_flag(actor, comment)
    try:
        category = FlagReason(reason)
    except ValueError:
        raise ValidationFailed({"reason": _("Choose why you are reporting this comment")}) from None
    detail = (detail or "").strip()
    if category is FlagReason.OTHER and not detail:
        raise ValidationFailed({"detail": _("Say what is wrong with this comment")})
    if len(detail) > 500:
        raise ValidationFailed({"detail": _("Keep the explanation to 500 characters")})
    subject = resolve(comment.thread.subject_type, comment.thread.subject_id)
    counts = report_counts(user, subject)
    flag = Flag(
        comment_id=comment.id, user_id=user.id, reason=category, detail=detail, counts=counts
    )
    try:
        with db.session.begin_nested():
            db.session.add(flag)
    except IntegrityError:
        raise Conflict(
            _("You have already reported this comment; a moderator will look at it.")
        ) from None
    # the UPDATE locks the comment's row until commit, so concurrent reports are counted
    # one after another and the count below sees every one committed before it
    db.session.execute(
        update(Comment).where(Comment.id == comment.id).values(flag_count=Comment.flag_count + 1)
    )
    db.session.refresh(comment)
    audit.record(user, "comment:flag", comment, {"reason": category.value})
    threshold = _setting("FLAGS_TO_HIDE", 3)
    if comment.state is CommentState.VISIBLE and counts:
        counting = counting_flag_count(comment)
        if counting >= threshold:
            comment.state = CommentState.PENDING
            audit.record(None, "comment:auto_hide", comment, {"flags": comment.flag_count})
    db.session.flush()
    # one notice per comment while its reports stay open: the episode is named by how many
    # reports moderators had already dealt with, which every report of it sees alike (a
    # report's own id would not: concurrent reports each see only their own uncommitted row)
    episode = db.session.scalar(
        select(func.count())
        .select_from(Flag)
        .where(Flag.comment_id == comment.id, Flag.resolution.is_not(None))
    )
    events.reported(comment, episode, user)
    return flag


def _resolve_flags(comment: Comment, resolution: FlagResolution) -> int:
    result = db.session.execute(
        update(Flag)
        .where(Flag.comment_id == comment.id, Flag.resolution.is_(None))
        .values(resolution=resolution, resolved_at=utcnow())
    )
    return result.rowcount


def _public_reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationFailed({"reason": _("Give the reason; it is shown in the thread")})
    if len(text) > 500:
        raise ValidationFailed({"reason": _("Keep the reason to 500 characters")})
    return text


def _refuse_removed(comment: Comment) -> None:
    """A comment its author had removed when erasing their account has no text left to
    hide or restore."""
    if comment.state is CommentState.REMOVED:
        raise Conflict(_("This comment was removed at its author's request; it has no text."))


def hide_comment(actor: User | None, comment: Comment, reason: str) -> None:
    moderator = require_moderator(actor)
    text = _public_reason(reason)
    _refuse_removed(comment)
    if comment.state is CommentState.HIDDEN:
        raise Conflict(_("This comment is already hidden."))
    comment.state = CommentState.HIDDEN
    comment.hidden_reason = text
    upheld = _resolve_flags(comment, FlagResolution.UPHELD)
    audit.record(moderator, "comment:hide", comment, {"reason": text, "flags_upheld": upheld})
    db.session.flush()


def restore_comment(actor: User | None, comment: Comment, reason: str) -> None:
    moderator = require_moderator(actor)
    text = _public_reason(reason)
    _refuse_removed(comment)
    was_visible = comment.state is CommentState.VISIBLE
    if was_visible and not _open_flags(comment):
        raise Conflict(_("This comment is visible and has no open reports."))
    comment.state = CommentState.VISIBLE
    comment.hidden_reason = ""
    dismissed = _resolve_flags(comment, FlagResolution.DISMISSED)
    # a visible comment is not restored: only its reports are dismissed, and the log says so
    action = "comment:reports_dismiss" if was_visible else "comment:restore"
    audit.record(moderator, action, comment, {"reason": text, "flags_dismissed": dismissed})
    db.session.flush()


def open_flag_count(comment: Comment) -> int:
    return _open_flags(comment)


def _open_flags(comment: Comment) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Flag)
        .where(Flag.comment_id == comment.id, Flag.resolution.is_(None))
    )


def moderation_queue(actor: User | None, limit: int = 100) -> list[tuple[Comment, list[Flag]]]:
    """Comments hidden pending review or with open reports, most reported first."""
    require_moderator(actor)
    open_flag = select(Flag.comment_id).where(Flag.resolution.is_(None))
    comments = list(
        db.session.scalars(
            select(Comment)
            .where(or_(Comment.state == CommentState.PENDING, Comment.id.in_(open_flag)))
            .order_by(Comment.flag_count.desc(), Comment.created_at)
            .limit(limit)
        )
    )
    flags: dict[int, list[Flag]] = {c.id: [] for c in comments}
    if comments:
        for flag in db.session.scalars(
            select(Flag)
            .where(Flag.comment_id.in_(flags), Flag.resolution.is_(None))
            .order_by(Flag.created_at)
        ):
            flags[flag.comment_id].append(flag)
    return [(c, flags[c.id]) for c in comments]


# --- reading ----------------------------------------------------------------------------


@dataclass
class ThreadPage:
    """One page of a thread, loaded in a fixed number of queries whatever its size."""

    thread: Thread | None
    roots: list[Comment]
    replies: dict[int, list[Comment]] = field(default_factory=dict)
    older: str | None = None  # cursor for the next page of top-level comments
    flagged: set[int] = field(default_factory=set)
    names: dict[int, str] = field(default_factory=dict)

    def display_depth(self, comment: Comment) -> int:
        return min(comment.depth, MAX_DEPTH)

    def in_reply_to(self, comment: Comment) -> str | None:
        if comment.parent_id is None:
            return None
        return self.names.get(comment.parent_id, "an earlier comment")


def _cursor(comment: Comment) -> str:
    return f"{aware(comment.created_at).isoformat()}_{comment.id}"


def _parse_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    if not cursor:
        return None
    moment, _sep, ident = cursor.rpartition("_")
    try:
        when, comment_id = datetime.fromisoformat(moment), parse_id(ident)
    except ValueError:
        comment_id = None
    if comment_id is None:
        raise ValidationFailed({"before": _("That page of comments does not exist")})
    return when, comment_id


def _ordered_replies(root: Comment, flat: list[Comment]) -> list[Comment]:
    """Replies in conversation order: each one directly after its parent (depth first)."""
    children: dict[int, list[Comment]] = {}
    for reply in flat:
        children.setdefault(reply.parent_id or root.id, []).append(reply)
    ordered: list[Comment] = []
    stack = list(reversed(children.get(root.id, [])))
    seen = {root.id}
    while stack:
        node = stack.pop()
        ordered.append(node)
        seen.add(node.id)
        stack.extend(reversed(children.get(node.id, [])))
    # replies whose parent was not loaded (beyond the shown limit) go last, flat
    ordered += [r for r in flat if r.id not in seen]
    return ordered


def thread_page(
    subject_type: str, subject_id: str, viewer: User | None, before: str | None = None
) -> ThreadPage:
    thread = find_thread(subject_type, subject_id)
    if thread is None:
        return ThreadPage(thread=None, roots=[])
    stmt = select(Comment).where(Comment.thread_id == thread.id, Comment.root_id.is_(None))
    if (cursor := _parse_cursor(before)) is not None:
        moment, ident = cursor
        stmt = stmt.where(
            or_(Comment.created_at < moment, and_(Comment.created_at == moment, Comment.id < ident))
        )
    rows = list(
        db.session.scalars(
            stmt.order_by(Comment.created_at.desc(), Comment.id.desc()).limit(ROOTS_PER_PAGE + 1)
        )
    )
    roots, more = rows[:ROOTS_PER_PAGE], len(rows) > ROOTS_PER_PAGE
    page = ThreadPage(thread=thread, roots=roots, older=_cursor(roots[-1]) if more else None)
    if not roots:
        return page
    root_ids = [r.id for r in roots]
    numbered = (
        select(
            Comment.id,
            func.row_number()
            .over(partition_by=Comment.root_id, order_by=(Comment.created_at, Comment.id))
            .label("n"),
        )
        .where(Comment.root_id.in_(root_ids))
        .subquery()
    )
    replies = db.session.scalars(
        select(Comment)
        .join(numbered, numbered.c.id == Comment.id)
        .where(numbered.c.n <= REPLIES_SHOWN)
        .order_by(Comment.created_at, Comment.id)
    ).all()
    by_root: dict[int, list[Comment]] = {}
    for reply in replies:
        by_root.setdefault(reply.root_id, []).append(reply)
    page.replies = {root.id: _ordered_replies(root, by_root.get(root.id, [])) for root in roots}
    page.names = {c.id: c.author.display_name for c in [*roots, *replies]}
    if viewer is not None and viewer.is_authenticated:
        shown = root_ids + [r.id for r in replies]
        page.flagged = set(
            db.session.scalars(
                select(Flag.comment_id).where(Flag.user_id == viewer.id, Flag.comment_id.in_(shown))
            )
        )
    return page


def comment_with_replies(comment_id: int) -> tuple[Comment, list[Comment], dict[int, str]]:
    """A top-level comment and all its replies (the "show all replies" page)."""
    root = db.session.get(Comment, comment_id)
    if root is None:
        raise NotFound(_("That comment does not exist."))
    if root.root_id is not None:
        root = db.session.get(Comment, root.root_id)
    replies = list(
        db.session.scalars(
            select(Comment)
            .where(Comment.root_id == root.id)
            .order_by(Comment.created_at, Comment.id)
        )
    )
    names = {c.id: c.author.display_name for c in [root, *replies]}
    return root, _ordered_replies(root, replies), names


def revisions(comment: Comment) -> list[CommentRevision]:
    return list(
        db.session.scalars(
            select(CommentRevision)
            .where(CommentRevision.comment_id == comment.id)
            .order_by(CommentRevision.written_at)
        )
    )
