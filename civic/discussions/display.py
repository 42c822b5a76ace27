"""A page of comments as the templates show them, worked out in Python once per page.

The 5,000-comment thread spent about a third of its CPU in the comment macros: 87 macro
calls a page, each with jinja2's call overhead and a gettext lookup per label per comment
(some 150 a page). Here each fixed label is translated once per page, each comment
becomes a row of ready values, and `discussions/_comment_rows.html` renders every row in
one loop: the same markup, a fraction of the work. Labels are Markup built as Jinja's own
`_()` builds them (the translation as it is, the name escaped), so the bytes do not change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import current_app, url_for
from flask_babel import get_translations
from markupsafe import Markup

from civic.accounts.models import User
from civic.clock import aware
from civic.discussions import services
from civic.discussions.models import Comment
from civic.i18n import _


def _label(translated: str) -> Markup:
    """A label as a template's `_()` gives it: the translation, not escaped again."""
    return Markup(translated)  # noqa: S704  (our catalogue's text, as templates trust it)


def _template(translated: str) -> Callable[..., Markup]:
    """A translation with placeholders (`_()` given no values leaves them), looked up once
    and filled per comment, each value escaped (as Jinja's newstyle gettext fills one)."""
    text = Markup(translated)  # noqa: S704  (the catalogue's; values escaped by %)
    return lambda **values: text % values


@dataclass(frozen=True, slots=True)
class Action:
    """One item of a comment's action list: a link (htmx-enhanced when `hx_target`) or,
    without `href`, plain text."""

    text: Markup
    hidden: Markup | None = None  # the visually hidden end of the link's name
    href: str | None = None
    hx_target: str | None = None


@dataclass(frozen=True, slots=True)
class Edited:
    """The link to a comment's earlier versions."""

    href: str
    text: Markup
    hidden: Markup


@dataclass(frozen=True, slots=True)
class More:
    href: str
    text: Markup
    hidden: Markup


@dataclass(frozen=True, slots=True)
class Row:
    """One comment, with where it sits in the list's markup: a top-level item (`depth`
    None), or a reply inside its root's item (the first opens the replies' list, the last
    closes it), or `bare` (the article alone, for the fragments htmx swaps in)."""

    id: int
    author: str
    iso: str
    when: Markup
    history: Edited | None  # when edited
    reply_to: Markup | None
    reply_to_shown: bool  # shown beside the name (deeper than the page indents), else hidden
    body_html: Markup | None  # None: a tombstone instead
    tombstone: Markup | None
    actions: list[Action]
    depth: int | None = None
    first_reply: bool = False
    last_reply: bool = False
    closes_item: bool = False
    more: More | None = None
    bare: bool = False


class _Builder:
    """The labels of one page, translated once, and the rows built with them."""

    def __init__(self, page: services.ThreadPage, viewer: User | None) -> None:
        self.page = page
        self.signed_in = bool(viewer is not None and viewer.is_authenticated)
        self.viewer = viewer if self.signed_in else None
        self.moderator = bool(self.viewer is not None and self.viewer.is_moderator)
        self.translations = get_translations()  # one lookup a page; its forms are dict reads
        self._day: Callable[[Any], str] = current_app.jinja_env.filters["day"]
        self._days: dict[Any, str] = {}  # a thread's comments share few days: format each once
        self.number: Callable[[Any], str] = current_app.jinja_env.filters["number"]
        self.when = _template(_("%(day)s, %(time)s"))
        self.in_reply_to = _template(_("in reply to %(name)s"))
        self.to_name = _template(_("to %(name)s"))
        self.comment_by = _template(_("comment by %(name)s"))
        self.hidden_by = _template(_("Hidden by a moderator: %(reason)s"))
        self.edited = _label(_("edited"))
        self.earlier = _label(_(" (see earlier versions)"))
        self.removed = _label(_("Removed at the author's request."))
        self.pending = _label(_("Hidden while a moderator reviews reports about this comment."))
        self.reply = _label(_("Reply"))
        self.edit = _label(_("Edit"))
        self.your_comment = _label(_("your comment"))
        self.reported = _label(_("You reported this"))
        self.report = _label(_("Report"))
        self.moderate = _label(_("Moderate"))

    def day(self, moment: Any) -> str:
        key = aware(moment).date()  # what the filter formats
        if key not in self._days:
            self._days[key] = self._day(moment)
        return self._days[key]

    def row(self, c: Comment, **place: Any) -> Row:
        page = self.page
        name = c.author.display_name
        visible = c.state.value == "visible"
        reply_to = page.in_reply_to(c)
        if visible:
            # sanitised when written (civic.markdown), as the template's `| safe` trusted it
            body_html, tombstone = Markup(c.body_html), None  # noqa: S704
        elif c.state.value == "removed":
            body_html, tombstone = None, self.removed
        elif c.state.value == "pending":
            body_html, tombstone = None, self.pending
        else:
            body_html, tombstone = None, self.hidden_by(reason=c.hidden_reason)
        return Row(
            id=c.id,
            author=name,
            iso=c.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            when=self.when(day=self.day(c.created_at), time=c.created_at.strftime("%H:%M")),
            history=Edited(
                url_for("discussions.history", comment_id=c.id), self.edited, self.earlier
            )
            if c.edited_at
            else None,
            reply_to=self.in_reply_to(name=reply_to) if reply_to else None,
            reply_to_shown=c.depth > page.display_depth(c),
            body_html=body_html,
            tombstone=tombstone,
            actions=self._actions(c, name, visible),
            **place,
        )

    def _actions(self, c: Comment, name: str, visible: bool) -> list[Action]:
        actions = []
        viewer = self.viewer
        if visible and viewer is not None:
            reply = url_for("discussions.reply", comment_id=c.id)
            actions.append(Action(self.reply, self.to_name(name=name), reply, f"reply-slot-{c.id}"))
            if services.can_edit(viewer, c):
                edit = url_for("discussions.edit", comment_id=c.id)
                actions.append(Action(self.edit, self.your_comment, edit, f"comment-{c.id}-body"))
            elif c.author_id != viewer.id:
                if c.id in self.page.flagged:
                    actions.append(Action(self.reported))
                else:
                    flag = url_for("discussions.flag", comment_id=c.id)
                    actions.append(Action(self.report, self.comment_by(name=name), flag))
        if self.moderator:
            moderate = url_for("discussions.moderate", comment_id=c.id)
            actions.append(Action(self.moderate, self.comment_by(name=name), moderate))
        return actions

    def more(self, c: Comment, shown: int) -> More | None:
        """The link to a root's whole conversation when not every reply is on the page."""
        if c.reply_count <= shown or c.root_id is not None:
            return None
        # the plural form alone, then filled as the template's ngettext fills it: the
        # count formatted for the language (1,234), escaped
        form = self.translations.ngettext(
            "Show all %(num)s reply", "Show all %(num)s replies", c.reply_count
        )
        text = Markup(form) % {"num": self.number(c.reply_count)}  # noqa: S704  (catalogue's)
        href = url_for("discussions.comment", comment_id=c.id)
        return More(href, text, self.to_name(name=c.author.display_name))

    def items(self, roots: Iterable[Comment]) -> list[Row]:
        rows = []
        for root in roots:
            replies = self.page.replies.get(root.id, [])
            more = self.more(root, len(replies))
            rows.append(self.row(root, closes_item=not replies, more=None if replies else more))
            last = len(replies) - 1
            for n, reply in enumerate(replies):
                rows.append(
                    self.row(
                        reply,
                        depth=self.page.display_depth(reply),
                        first_reply=n == 0,
                        last_reply=n == last,
                        closes_item=n == last,
                        more=more if n == last else None,
                    )
                )
        return rows


def item_rows(
    page: services.ThreadPage, viewer: User | None, roots: Iterable[Comment]
) -> list[Row]:
    """Each root as a list item with its replies, in the order the page shows them."""
    return _Builder(page, viewer).items(roots)


def article_rows(page: services.ThreadPage, viewer: User | None, comment: Comment) -> list[Row]:
    """One comment's article alone, for the fragments htmx swaps in."""
    return [_Builder(page, viewer).row(comment, bare=True)]
