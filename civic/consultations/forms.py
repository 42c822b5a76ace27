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
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from civic.consultations.models import Audience, QuestionKind
from civic.forms import DayMonthYearField


class ConsultationForm(FlaskForm):
    title = StringField(
        "Title", widget=GovTextInput(), validators=[DataRequired("Enter a title"), Length(max=200)]
    )
    service = StringField(
        "Service",
        widget=GovTextInput(),
        validators=[DataRequired("Name the service"), Length(max=200)],
    )
    area = SelectField("Area", widget=GovSelect(), coerce=int)
    summary = TextAreaField(
        "Summary",
        widget=GovTextArea(),
        description="What is being decided and why. Markdown.",
        validators=[Length(max=20000)],
    )
    documents = TextAreaField(
        "Documents",
        widget=GovTextArea(),
        description="Links to the documents, one per line, in Markdown: [Title](https://...)",
        validators=[Length(max=5000)],
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
        validators=[InputRequired("Enter the opening date")],
    )
    closes = DayMonthYearField(
        "Closes",
        widget=GovDateInput(),
        format="%d %m %Y",
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
        validators=[DataRequired("Write the question"), Length(max=500)],
    )
    hint = StringField("Hint (optional)", widget=GovTextInput(), validators=[Length(max=500)])
    options = TextAreaField(
        "Options, one per line (choice and ranking questions)",
        widget=GovTextArea(),
        validators=[Length(max=5000)],
    )
    max_choices = IntegerField(
        "Most options a resident may choose (multiple choice, optional)",
        widget=GovTextInput(),
        validators=[Optional(), NumberRange(1, 20)],
    )
    required = BooleanField("Residents must answer this question", widget=GovCheckboxInput())
    submit = SubmitField("Save question", widget=GovSubmitInput())


class ReplyForm(FlaskForm):
    reply = TextAreaField(
        "What we heard, and what we will do",
        widget=GovTextArea(),
        description="Published on the consultation and on every respondent's page. Markdown.",
        validators=[Length(max=20000)],
    )
    submit = SubmitField("Publish the response", widget=GovSubmitInput())
