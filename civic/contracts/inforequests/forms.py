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
from civic.i18n import lazy_gettext as _l


class AskForm(FlaskForm):
    # the choices are every public contract, provider and decision (set by the view);
    # an unknown one is the service's to refuse, with the question kept
    subject = SelectField(
        _l("What is your question about?"), widget=GovSelect(), validate_choice=False
    )
    question = TextAreaField(
        _l("Your question"),
        widget=GovCharacterCount(),
        description=_l(
            "Ask for the information you want, as plainly as you can. The question and the "
            "answer are published."
        ),
        render_kw={"maxlength": QUESTION_MAX},
    )
    publish_name = RadioField(
        _l("Publish your name with the request?"),
        choices=[
            ("yes", _l("Yes, show my name with the request")),
            ("no", _l("No, publish the request without my name")),
        ],
        widget=GovRadioInput(),
        description=_l(
            "Either way the question, its answer and its dates are public. Without your "
            "name, neither the page nor the audit log says who asked."
        ),
        validators=[InputRequired(_l("Choose whether to publish your name"))],
    )
    submit = SubmitField(_l("Send the request"), widget=GovSubmitInput())


class AnswerForm(FlaskForm):
    answer = TextAreaField(
        _l("The answer"),
        widget=GovTextArea(),
        description=_l(
            "Published as it is. You can use Markdown: **bold**, [a link](https://...), lists."
        ),
    )
    submit = SubmitField(_l("Publish the answer"), widget=GovSubmitInput())


class RefuseForm(FlaskForm):
    reason = TextAreaField(
        _l("Why the information will not be given"),
        widget=GovTextArea(),
        description=_l(
            "The reason is published with the request, for example the exemption that applies."
        ),
    )
    submit = SubmitField(_l("Refuse the request"), widget=GovSubmitInput())
