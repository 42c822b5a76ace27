"""Forms for starting, moderating, signing and answering petitions, and for thresholds."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired

from civic.forms import max_length
from civic.petitions.models import FollowUp, PetitionKind


class StartForm(FlaskForm):
    area = SelectField(
        "Area",
        widget=GovSelect(),
        coerce=int,
        description="You can start a petition in an area where you have shown you live.",
        validate_choice=False,  # the service checks eligibility and says how to get it
    )
    title = StringField(
        "Title",
        widget=GovTextInput(),
        description="A short summary, like 'Keep the Riverside pool open on Sundays'.",
        validators=[DataRequired("Enter a title for the petition"), max_length(200, "The title")],
    )
    asks = TextAreaField(
        "What the petition asks the council to do",
        widget=GovTextArea(),
        validators=[
            DataRequired("Enter what the petition asks"),
            max_length(5000, "What the petition asks"),
        ],
    )
    why = TextAreaField(
        "Why",
        widget=GovTextArea(),
        description="The reasons and the facts behind the petition.",
        validators=[DataRequired("Enter why"), max_length(5000, "Why")],
    )
    submit = SubmitField("Send for checking", widget=GovSubmitInput())


class ModerateForm(FlaskForm):
    decision = RadioField(
        "Does the petition meet the published rules?",
        choices=[
            ("accept", "Yes: accept it and open it for signatures"),
            ("refuse", "No: refuse it"),
        ],
        widget=GovRadioInput(),
        validators=[InputRequired("Choose whether to accept or refuse the petition")],
    )
    reason = TextAreaField(
        "Reason for refusing (published with the petition)",
        widget=GovTextArea(),
        validators=[max_length(2000, "The reason")],
    )
    submit = SubmitField("Record the decision", widget=GovSubmitInput())


class SignForm(FlaskForm):
    submit = SubmitField("Sign this petition", widget=GovSubmitInput())


class WithdrawForm(FlaskForm):
    submit = SubmitField("Withdraw my signature", widget=GovSubmitInput())


class RespondForm(FlaskForm):
    response = TextAreaField(
        "The council's response",
        widget=GovTextArea(),
        description="Published on the petition's page and sent to its supporters. Markdown.",
        validators=[
            DataRequired("Enter the council's response"),
            max_length(20000, "The response"),
        ],
    )
    submit = SubmitField("Publish the response", widget=GovSubmitInput())


class ThresholdForm(FlaskForm):
    area = SelectField("Area", widget=GovSelect(), coerce=int, validate_choice=False)
    kind = SelectField(
        "Kind of petition",
        widget=GovSelect(),
        choices=[
            (PetitionKind.GENERAL.value, "Resident petitions"),
            (PetitionKind.RECALL.value, "Recall petitions against a contract"),
        ],
    )
    first = StringField(
        "First threshold: the council must respond",
        widget=GovTextInput(),
        description="A number of signatures, like 250, or a share of eligible residents, "
        "like 2%. For recall petitions, a share: reaching it starts the recall review.",
        validators=[DataRequired("Enter the first threshold")],
    )
    second = StringField(
        "Higher threshold: a consultation or public vote is held",
        widget=GovTextInput(),
        description="Above the first, like 1000 or 5%.",
        validators=[DataRequired("Enter the higher threshold")],
    )
    follow_up = RadioField(
        "What the higher threshold opens",
        choices=[
            (FollowUp.CONSULTATION.value, "A consultation"),
            (FollowUp.VOTE.value, "A public vote"),
        ],
        default=FollowUp.CONSULTATION.value,
        widget=GovRadioInput(),
        validators=[InputRequired("Choose what the higher threshold opens")],
    )
    submit = SubmitField("Save the thresholds", widget=GovSubmitInput())
