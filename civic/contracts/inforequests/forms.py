"""Forms for asking, answering and refusing an information request. Lengths and the
subject are checked by the service (one message per field, the text kept)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
)
from wtforms import RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired

from civic.contracts.inforequests.models import QUESTION_MAX


class AskForm(FlaskForm):
    # the choices are every public contract, provider and decision (set by the view);
    # an unknown one is the service's to refuse, with the question kept
    subject = SelectField("What is your question about?", widget=GovSelect(), validate_choice=False)
    question = TextAreaField(
        "Your question",
        widget=GovCharacterCount(),
        description=(
            "Ask for the information you want, as plainly as you can. The question and the "
            "answer are published."
        ),
        render_kw={"maxlength": QUESTION_MAX},
    )
    publish_name = RadioField(
        "Publish your name with the request?",
        choices=[
            ("yes", "Yes, show my name with the request"),
            ("no", "No, publish the request without my name"),
        ],
        widget=GovRadioInput(),
        description=(
            "Either way the question, its answer and its dates are public. Without your "
            "name, neither the page nor the audit log says who asked."
        ),
        validators=[InputRequired("Choose whether to publish your name")],
    )
    submit = SubmitField("Send the request", widget=GovSubmitInput())


class AnswerForm(FlaskForm):
    answer = TextAreaField(
        "The answer",
        widget=GovTextArea(),
        description=(
            "Published as it is. You can use Markdown: **bold**, [a link](https://...), lists."
        ),
    )
    submit = SubmitField("Publish the answer", widget=GovSubmitInput())


class RefuseForm(FlaskForm):
    reason = TextAreaField(
        "Why the information will not be given",
        widget=GovTextArea(),
        description=(
            "The reason is published with the request, for example the exemption that applies."
        ),
    )
    submit = SubmitField("Refuse the request", widget=GovSubmitInput())
