"""Forms for comments, reports and moderation decisions."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import HiddenField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional, Regexp

from civic.discussions.models import FLAG_LABELS
from civic.i18n import lazy_gettext as _l


def prefix_ids(form: FlaskForm, prefix: str) -> None:
    """Give fields that still have their default id (the field name) `prefix-name` instead.

    Inline reply and edit forms are loaded into a thread page that has its own comment form:
    without this the page would have two `csrf_token`, `submit` and `parent_id` ids.
    """
    for field in form:
        if field.id == field.name:
            field.id = f"{prefix}-{field.name}"


class CommentForm(FlaskForm):
    # Length is checked by the service (one message, and the text is kept); no validator here
    body = TextAreaField(
        _l("Your comment"),
        widget=GovCharacterCount(),
        description=_l("You can use Markdown: *italic*, **bold**, [a link](https://...), lists."),
    )
    parent_id = HiddenField(validators=[Optional(), Regexp(r"^\d{1,12}$")])
    submit = SubmitField(_l("Post comment"), widget=GovSubmitInput())


class EditForm(FlaskForm):
    body = TextAreaField(_l("Edit your comment"), widget=GovCharacterCount())
    submit = SubmitField(_l("Save changes"), widget=GovSubmitInput())


class FlagForm(FlaskForm):
    reason = RadioField(
        _l("Why are you reporting this comment?"),
        choices=[(reason.value, label) for reason, label in FLAG_LABELS.items()],
        widget=GovRadioInput(),
        validate_choice=False,  # the service names the problem instead
    )
    detail = TextAreaField(
        _l("Tell the moderators more (needed for 'Something else')"),
        widget=GovTextArea(),
        validators=[Length(max=500, message=_l("Keep it to 500 characters"))],
    )
    submit = SubmitField(_l("Send report"), widget=GovSubmitInput())


class ModerateForm(FlaskForm):
    reason = StringField(
        _l("Reason, shown publicly in the thread and the audit log"),
        widget=GovTextInput(),
        validators=[Length(max=500, message=_l("Keep the reason to 500 characters"))],
    )
    hide = SubmitField(_l("Hide comment"), widget=GovSubmitInput())
    # labelled "Dismiss the reports" by the template when the comment is still visible
    restore = SubmitField(_l("Restore comment"), widget=GovSubmitInput())
