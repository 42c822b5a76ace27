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

from civic.clock import day
from civic.consultations.models import Audience, Consultation, QuestionKind
from civic.forms import CloseWording, DayMonthYearField, WholeNumberField, max_length


class ConsultationForm(FlaskForm):
    title = StringField(
        "Title",
        widget=GovTextInput(),
        validators=[DataRequired("Enter a title"), max_length(200, "Title")],
    )
    service = StringField(
        "Service",
        widget=GovTextInput(),
        validators=[DataRequired("Name the service"), max_length(200, "The service")],
    )
    area = SelectField("Area", widget=GovSelect(), coerce=int)
    summary = TextAreaField(
        "Summary",
        widget=GovTextArea(),
        description="What is being decided and why. Markdown.",
        validators=[max_length(20000, "The summary")],
    )
    documents = TextAreaField(
        "Documents",
        widget=GovTextArea(),
        description="Links to the documents, one per line, in Markdown: [Title](https://...)",
        validators=[max_length(5000, "The documents")],
    )
    audience = RadioField(
        "Who may respond",
        choices=[
            (Audience.RESIDENTS.value, "Eligible residents of the area"),
            (Audience.SIGNED_IN.value, "Anyone signed in"),
        ],
        default=Audience.RESIDENTS.value,
        widget=GovRadioInput(),
    )
    opens = DayMonthYearField(
        "Opens",
        widget=GovDateInput(),
        format="%d %m %Y",
        error_name="The opening date",
        validators=[InputRequired("Enter the opening date")],
    )
    closes = DayMonthYearField(
        "Closes",
        widget=GovDateInput(),
        format="%d %m %Y",
        error_name="The closing date",
        validators=[InputRequired("Enter the closing date")],
    )
    submit = SubmitField("Create consultation", widget=GovSubmitInput())


class QuestionForm(FlaskForm):
    kind = RadioField(
        "Kind of question",
        choices=[(k.value, k.label) for k in QuestionKind],
        default=QuestionKind.SINGLE.value,
        widget=GovRadioInput(),
    )
    text = StringField(
        "Question",
        widget=GovTextInput(),
        validators=[DataRequired("Write the question"), max_length(500, "The question")],
    )
    hint = StringField(
        "Hint (optional)", widget=GovTextInput(), validators=[max_length(500, "The hint")]
    )
    options = TextAreaField(
        "Options, one per line (choice and ranking questions)",
        widget=GovTextArea(),
        validators=[max_length(5000, "The options")],
    )
    max_choices = WholeNumberField(
        "Most options a resident may choose (multiple choice, optional)",
        widget=GovTextInput(),
        invalid_message="Enter the most options as a whole number, like 3",
        validators=[Optional(), NumberRange(1, 20, "The most options must be from 1 to 20")],
    )
    required = BooleanField("Residents must answer this question", widget=GovCheckboxInput())
    submit = SubmitField("Save question", widget=GovSubmitInput())


class ReplyForm(FlaskForm):
    reply = TextAreaField(
        "What we heard, and what we will do",
        widget=GovTextArea(),
        description="Published on the consultation and on every respondent's page. Markdown.",
        validators=[max_length(20000, "The response")],
    )
    submit = SubmitField("Publish the response", widget=GovSubmitInput())


def close_wording(consultation: Consultation) -> CloseWording:
    """The shared close form's words for a consultation (civic.forms.CloseForm, as votes
    use it): what cannot be undone, and the published date residents were given."""
    return CloseWording(
        confirm="I understand responses stop now: the consultation cannot be reopened",
        confirm_error="Confirm that you understand the consultation cannot be reopened",
        reason="Why close the consultation before its published closing date (published)",
        reason_hint=f"Residents were told it closes on {day(consultation.closes_at)}. Say why "
        "it closes early: the reason is shown on the consultation's page and in the audit "
        "log. At least 10 characters.",
        submit="Close the consultation",
    )
