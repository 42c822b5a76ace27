"""Forms for building consultations (the response form is generated from its questions)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from civic.consultations.models import Audience, Consultation, QuestionKind
from civic.forms import CloseWording, DayMonthYearField, WholeNumberField, max_length
from civic.i18n import _, format_day
from civic.i18n import lazy_gettext as _l


class ConsultationForm(FlaskForm):
    title = StringField(
        _l("Title"),
        widget=GovTextInput(),
        validators=[DataRequired(_l("Enter a title")), max_length(200, _l("Title"))],
    )
    service = StringField(
        _l("Service"),
        widget=GovTextInput(),
        validators=[DataRequired(_l("Name the service")), max_length(200, _l("The service"))],
    )
    area = SelectField(_l("Area"), widget=GovSelect(), coerce=int)
    summary = TextAreaField(
        _l("Summary"),
        widget=GovTextArea(),
        description=_l("What is being decided and why. Markdown."),
        validators=[max_length(20000, _l("The summary"))],
    )
    documents = TextAreaField(
        _l("Documents"),
        widget=GovTextArea(),
        description=_l("Links to the documents, one per line, in Markdown: [Title](https://...)"),
        validators=[max_length(5000, _l("The documents"))],
    )
    audience = RadioField(
        _l("Who may respond"),
        choices=[
            (Audience.RESIDENTS.value, _l("Eligible residents of the area")),
            (Audience.SIGNED_IN.value, _l("Anyone signed in")),
        ],
        default=Audience.RESIDENTS.value,
        widget=GovRadioInput(),
    )
    opens = DayMonthYearField(
        _l("Opens"),
        widget=GovDateInput(),
        format="%d %m %Y",
        error_name=_l("The opening date"),
        validators=[InputRequired(_l("Enter the opening date"))],
    )
    closes = DayMonthYearField(
        _l("Closes"),
        widget=GovDateInput(),
        format="%d %m %Y",
        error_name=_l("The closing date"),
        validators=[InputRequired(_l("Enter the closing date"))],
    )
    submit = SubmitField(_l("Create consultation"), widget=GovSubmitInput())


class QuestionForm(FlaskForm):
    kind = RadioField(
        _l("Kind of question"),
        choices=[(k.value, k.label) for k in QuestionKind],
        default=QuestionKind.SINGLE.value,
        widget=GovRadioInput(),
    )
    text = StringField(
        _l("Question"),
        widget=GovTextInput(),
        validators=[DataRequired(_l("Write the question")), max_length(500, _l("The question"))],
    )
    hint = StringField(
        _l("Hint (optional)"), widget=GovTextInput(), validators=[max_length(500, _l("The hint"))]
    )
    options = TextAreaField(
        _l("Options, one per line (choice and ranking questions)"),
        widget=GovTextArea(),
        validators=[max_length(5000, _l("The options"))],
    )
    max_choices = WholeNumberField(
        _l("Most options a resident may choose (multiple choice, optional)"),
        widget=GovTextInput(),
        invalid_message=_l("Enter the most options as a whole number, like 3"),
        validators=[Optional(), NumberRange(1, 20, _l("The most options must be from 1 to 20"))],
    )
    required = BooleanField(_l("Residents must answer this question"), widget=GovCheckboxInput())
    submit = SubmitField(_l("Save question"), widget=GovSubmitInput())


class ReplyForm(FlaskForm):
    reply = TextAreaField(
        _l("What we heard, and what we will do"),
        widget=GovTextArea(),
        description=_l("Published on the consultation and on every respondent's page. Markdown."),
        validators=[max_length(20000, _l("The response"))],
    )
    submit = SubmitField(_l("Publish the response"), widget=GovSubmitInput())


def close_wording(consultation: Consultation) -> CloseWording:
    """The shared close form's words for a consultation (civic.forms.CloseForm, as votes
    use it): what cannot be undone, and the published date residents were given."""
    return CloseWording(
        confirm=_("I understand responses stop now: the consultation cannot be reopened"),
        confirm_error=_("Confirm that you understand the consultation cannot be reopened"),
        reason=_("Why close the consultation before its published closing date (published)"),
        reason_hint=_(
            "Residents were told it closes on %(day)s. Say why it closes early: the reason is "
            "shown on the consultation's page and in the audit log. At least 10 characters.",
            day=format_day(consultation.closes_at),
        ),
        submit=_("Close the consultation"),
    )
