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
from civic.i18n import lazy_gettext as _l
from civic.petitions.models import FollowUp, PetitionKind


class StartForm(FlaskForm):
    area = SelectField(
        _l("Area"),
        widget=GovSelect(),
        coerce=int,
        description=_l("You can start a petition in an area where you have shown you live."),
        validate_choice=False,  # the service checks eligibility and says how to get it
    )
    title = StringField(
        _l("Title"),
        widget=GovTextInput(),
        description=_l("A short summary, like 'Keep the Riverside pool open on Sundays'."),
        validators=[
            DataRequired(_l("Enter a title for the petition")),
            max_length(200, _l("The title")),
        ],
    )
    asks = TextAreaField(
        _l("What the petition asks the council to do"),
        widget=GovTextArea(),
        validators=[
            DataRequired(_l("Enter what the petition asks")),
            max_length(5000, _l("What the petition asks")),
        ],
    )
    why = TextAreaField(
        _l("Why"),
        widget=GovTextArea(),
        description=_l("The reasons and the facts behind the petition."),
        validators=[DataRequired(_l("Enter why")), max_length(5000, _l("Why"))],
    )
    submit = SubmitField(_l("Send for checking"), widget=GovSubmitInput())


class ModerateForm(FlaskForm):
    decision = RadioField(
        _l("Does the petition meet the published rules?"),
        choices=[
            ("accept", _l("Yes: accept it and open it for signatures")),
            ("refuse", _l("No: refuse it")),
        ],
        widget=GovRadioInput(),
        validators=[InputRequired(_l("Choose whether to accept or refuse the petition"))],
    )
    reason = TextAreaField(
        _l("Reason for refusing (published with the petition)"),
        widget=GovTextArea(),
        validators=[max_length(2000, _l("The reason"))],
    )
    submit = SubmitField(_l("Record the decision"), widget=GovSubmitInput())


class SignForm(FlaskForm):
    submit = SubmitField(_l("Sign this petition"), widget=GovSubmitInput())


class WithdrawForm(FlaskForm):
    submit = SubmitField(_l("Withdraw my signature"), widget=GovSubmitInput())


class RespondForm(FlaskForm):
    response = TextAreaField(
        _l("The council's response"),
        widget=GovTextArea(),
        description=_l("Published on the petition's page and sent to its supporters. Markdown."),
        validators=[
            DataRequired(_l("Enter the council's response")),
            max_length(20000, _l("The response")),
        ],
    )
    submit = SubmitField(_l("Publish the response"), widget=GovSubmitInput())


class ThresholdForm(FlaskForm):
    area = SelectField(_l("Area"), widget=GovSelect(), coerce=int, validate_choice=False)
    kind = SelectField(
        _l("Kind of petition"),
        widget=GovSelect(),
        choices=[
            (PetitionKind.GENERAL.value, _l("Resident petitions")),
            (PetitionKind.RECALL.value, _l("Recall petitions against a contract")),
        ],
    )
    first = StringField(
        _l("First threshold: the council must respond"),
        widget=GovTextInput(),
        description=_l(
            "A number of signatures, like 250, or a share of eligible residents, "
            "like 2%. For recall petitions, a share: reaching it starts the recall review."
        ),
        validators=[DataRequired(_l("Enter the first threshold"))],
    )
    second = StringField(
        _l("Higher threshold: a consultation or public vote is held"),
        widget=GovTextInput(),
        description=_l("Above the first, like 1000 or 5%."),
        validators=[DataRequired(_l("Enter the higher threshold"))],
    )
    follow_up = RadioField(
        _l("What the higher threshold opens"),
        choices=[
            (FollowUp.CONSULTATION.value, _l("A consultation")),
            (FollowUp.VOTE.value, _l("A public vote")),
        ],
        default=FollowUp.CONSULTATION.value,
        widget=GovRadioInput(),
        validators=[InputRequired(_l("Choose what the higher threshold opens"))],
    )
    submit = SubmitField(_l("Save the thresholds"), widget=GovSubmitInput())
