"""Discussion pages: read by anyone; post, reply, edit, report and moderate, with or without JS."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from civic.discussions import display, services
from civic.discussions.forms import CommentForm, EditForm, FlagForm, ModerateForm, prefix_ids
from civic.discussions.models import Comment, Thread
from civic.discussions.subjects import resolve
from civic.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from civic.extensions import db, limiter
from civic.forms import attach_errors
from civic.i18n import _
from civic.params import parse_id
from civic.permissions import require_moderator
from civic.web import render, wants_fragment

bp = Blueprint("discussions", __name__, url_prefix="/discussions")


@bp.app_template_global("comment_item_rows")
def comment_item_rows(page: services.ThreadPage, roots: Iterable[Comment]) -> list[display.Row]:
    """Top-level comments with their replies, as `discussions/_comment_rows.html` shows
    them to the current viewer."""
    return display.item_rows(page, current_user, roots)


@bp.app_template_global("comment_article_rows")
def comment_article_rows(page: services.ThreadPage, comment: Comment) -> list[display.Row]:
    """One comment's article alone (the fragments htmx swaps in)."""
    return display.article_rows(page, current_user, comment)


def _comment_or_404(comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise NotFound(_("That comment does not exist."))
    return comment


def _thread_url(thread: Thread, comment: Comment | None = None) -> str:
    anchor = f"comment-{comment.id}" if comment else None
    return url_for(
        "discussions.thread",
        subject_type=thread.subject_type,
        subject_id=thread.subject_id,
        _anchor=anchor,
    )


def _thread_context(subject_type: str, subject_id: str, form: CommentForm) -> dict[str, Any]:
    subject = resolve(subject_type, subject_id)
    page = services.thread_page(
        subject_type, subject_id, current_user, before=request.args.get("before")
    )
    return {
        "subject": subject,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "page": page,
        "form": form,
        "can_post": services.can_post(current_user, subject),
        "services": services,
    }


@bp.get("/<subject_type>/<path:subject_id>")
def thread(subject_type: str, subject_id: str) -> Any:
    context = _thread_context(subject_type, subject_id, CommentForm())
    block = "older_page" if request.args.get("before") else None
    return render("discussions/thread.html", block=block, **context)


@bp.post("/<subject_type>/<path:subject_id>")
@login_required
@limiter.limit("30 per minute")
def post(subject_type: str, subject_id: str) -> Any:
    services.require_poster(current_user, subject_type, subject_id)  # before the form
    form = CommentForm()
    # a malformed parent id ("²", 2^40) is a comment that does not exist (ids start at 1),
    # refused where any missing parent is: after the check that this person may post
    parent_id = (parse_id(form.parent_id.data) or 0) if form.parent_id.data else None
    if form.validate_on_submit():
        try:
            comment = services.post_comment(
                current_user, subject_type, subject_id, form.body.data or "", parent_id
            )
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            if wants_fragment():
                return _posted_fragment(comment, subject_type, subject_id)
            flash(_("Your comment is posted."), "success")
            return redirect(_thread_url(comment.thread, comment))
    if parent_id is not None:
        parent = _comment_or_404(parent_id)
        _reply_ids(form, parent)
        return render(
            "discussions/reply.html", block="reply_form", status=422, parent=parent, form=form
        )
    context = _thread_context(subject_type, subject_id, form)
    response = render("discussions/thread.html", block="comment_form", status=422, **context)
    if wants_fragment():
        # the form's hx-target is the list; an invalid post re-renders the form in place
        return (*response, {"HX-Retarget": "#comment-form", "HX-Reswap": "outerHTML"})
    return response


def _posted_fragment(comment: Comment, subject_type: str, subject_id: str) -> Any:
    """The new comment, plus (out of band) a fresh form and the updated count."""
    page = services.ThreadPage(thread=comment.thread, roots=[])
    if comment.parent_id is not None:
        parent = db.session.get(Comment, comment.parent_id)
        page.names = {parent.id: parent.author.display_name}
    return render_template(
        "discussions/posted.html",
        comment=comment,
        page=page,
        form=CommentForm(formdata=None),
        subject_type=subject_type,
        subject_id=subject_id,
        subject=resolve(subject_type, subject_id),
        can_post=True,
        services=services,
    )


@bp.get("/comments/<int:comment_id>")
def comment(comment_id: int) -> Any:
    root, replies, names = services.comment_with_replies(comment_id)
    page = services.ThreadPage(thread=root.thread, roots=[root], replies={root.id: replies})
    page.names = names
    subject = resolve(root.thread.subject_type, root.thread.subject_id)
    return render(
        "discussions/comment.html", root=root, page=page, subject=subject, services=services
    )


@bp.get("/comments/<int:comment_id>/reply")
@login_required
def reply(comment_id: int) -> Any:
    parent = _comment_or_404(comment_id)
    form = CommentForm(parent_id=str(parent.id))
    _reply_ids(form, parent)
    return render(
        "discussions/reply.html",
        block="reply_form",
        parent=parent,
        form=form,
        autofocus=wants_fragment(),  # htmx focuses the new box; a full page starts at the top
    )


def _reply_ids(form: CommentForm, parent: Comment) -> None:
    """Ids unique per inline form: the thread page has its own comment form."""
    form.body.id = f"body-{parent.id}"  # the error summary links to it
    prefix_ids(form, f"reply-{parent.id}")


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit(comment_id: int) -> Any:
    found = _comment_or_404(comment_id)
    if not services.can_edit(current_user, found):
        if found.author_id != current_user.id:
            raise PermissionDenied(_("Only the author can edit a comment."))
        raise Conflict(services.edit_window_message())
    form = EditForm(data={"body": found.body_source} if request.method == "GET" else None)
    form.body.id = f"edit-body-{found.id}"
    prefix_ids(form, f"edit-{found.id}")
    if form.validate_on_submit():
        try:
            services.edit_comment(current_user, found, form.body.data or "")
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            if wants_fragment():
                return _comment_fragment(found)
            flash(_("Your comment is updated."), "success")
            return redirect(_thread_url(found.thread, found))
    status = 422 if form.is_submitted() else 200
    response = render(
        "discussions/edit.html",
        block="edit_form",
        status=status,
        comment=found,
        form=form,
        edit_minutes=services.edit_minutes(),
        autofocus=wants_fragment() and not form.is_submitted(),
    )
    if wants_fragment() and form.is_submitted():
        # the form's hx-target is the whole comment (for the saved version); an invalid edit
        # re-renders just the form in place, so the comment and its links stay, and the next
        # save still finds its target
        return (*response, {"HX-Retarget": f"#edit-form-{found.id}", "HX-Reswap": "outerHTML"})
    return response


def _comment_fragment(found: Comment) -> Any:
    page = services.ThreadPage(thread=found.thread, roots=[])
    if found.parent_id is not None:
        parent = db.session.get(Comment, found.parent_id)
        page.names = {parent.id: parent.author.display_name}
    return render_template(
        "discussions/one_comment.html", comment=found, page=page, services=services
    )


@bp.get("/comments/<int:comment_id>/history")
def history(comment_id: int) -> Any:
    found = _comment_or_404(comment_id)
    return render_template(
        "discussions/history.html", comment=found, revisions=services.revisions(found)
    )


@bp.route("/comments/<int:comment_id>/flag", methods=["GET", "POST"])
@login_required
@limiter.limit("20 per hour", methods=["POST"])
def flag(comment_id: int) -> Any:
    found = _comment_or_404(comment_id)
    services.require_can_flag(current_user, found)  # before the form
    form = FlagForm()
    if form.validate_on_submit():
        try:
            services.flag_comment(current_user, found, form.reason.data or "", form.detail.data)
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            flash(_("Thank you. A moderator will look at this comment."), "success")
            return redirect(_thread_url(found.thread, found))
    status = 422 if form.is_submitted() else 200
    return render("discussions/flag.html", status=status, comment=found, form=form)


@bp.get("/moderation")
@login_required
def moderation() -> Any:
    queue = services.moderation_queue(current_user)
    return render_template("discussions/moderation.html", queue=queue, form=ModerateForm())


@bp.route("/comments/<int:comment_id>/moderate", methods=["GET", "POST"])
@login_required
def moderate(comment_id: int) -> Any:
    # permission first: the page shows the comment's text, hidden or not, so a refused
    # person must not get the page back with a form error (GET or POST alike)
    require_moderator(current_user)
    found = _comment_or_404(comment_id)
    form = ModerateForm()
    if form.validate_on_submit():
        try:
            if form.restore.data:
                was_visible = found.is_visible
                services.restore_comment(current_user, found, form.reason.data or "")
                if was_visible:
                    flash(_("Reports dismissed; the comment stays visible."), "success")
                else:
                    flash(_("Comment restored; its reports are dismissed."), "success")
            else:
                services.hide_comment(current_user, found, form.reason.data or "")
                flash(_("Comment hidden; the reason is shown in the thread."), "success")
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            if request.args.get("back") == "queue":
                return redirect(url_for("discussions.moderation"))
            return redirect(_thread_url(found.thread, found))
    status = 422 if form.is_submitted() else 200
    return render(
        "discussions/moderate.html",
        status=status,
        comment=found,
        form=form,
        open_reports=services.open_flag_count(found),
    )
