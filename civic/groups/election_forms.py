"""Forms for calling an election, standing, voting, and proposing or supporting a recall."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import RadioField, SelectField, SelectMultipleField, SubmitField, TextAreaField
from wtforms.validators import InputRequired

from civic.forms import DayMonthYearField, WholeNumberField, max_length
from civic.i18n import lazy_gettext as _l
from civic.params import MAX_ID, parse_int


class CallElectionForm(FlaskForm):
    seats = WholeNumberField(
        _l("Number of organisers to elect (seats)"),
        widget=GovTextInput(),
        invalid_message=_l("Enter the number of seats as a whole number, like 2"),
        validators=[InputRequired(_l("Enter the number of seats"))],
    )
    term_months = WholeNumberField(
        _l("Term of office, in months"),
        widget=GovTextInput(),
        invalid_message=_l("Enter the term as a whole number of months, like 12"),
        validators=[InputRequired(_l("Enter the term in months"))],
    )
    opens = DayMonthYearField(
        _l("Nominations close and voting opens (at the start of this day, UTC)"),
        widget=GovDateInput(),
        format="%d %m %Y",
        error_name=_l("The date voting opens"),
        validators=[InputRequired(_l("Enter the date voting opens"))],
    )
    closes = DayMonthYearField(
        _l("Voting closes (at the end of this day, UTC)"),
        widget=GovDateInput(),
        format="%d %m %Y",
        error_name=_l("The date voting closes"),
        validators=[InputRequired(_l("Enter the date voting closes"))],
    )
    submit = SubmitField(_l("Call the election"), widget=GovSubmitInput())


class StandForm(FlaskForm):
    statement = TextAreaField(
        _l("Your statement to the members (published with your name)"),
        widget=GovTextArea(),
        validators=[max_length(2000, _l("Your statement"))],
    )
    submit = SubmitField(_l("Stand for election"), widget=GovSubmitInput())


class WithdrawForm(FlaskForm):
    submit = SubmitField(_l("Withdraw my candidacy"), widget=GovSubmitInput())


class BallotForm(FlaskForm):
    candidates = SelectMultipleField(
        _l("Your choices"),
        choices=[],  # set by the view: the candidates
        widget=GovCheckboxesInput(),
        validate_choice=False,  # the service says what is wrong with a choice
    )
    submit = SubmitField(_l("Cast my secret ballot"), widget=GovSubmitInput())


class RecallBallotForm(FlaskForm):
    choice = RadioField(
        _l("Should this organiser be recalled?"),
        choices=[("yes", _l("Yes, recall them")), ("no", _l("No, keep them as organiser"))],
        widget=GovRadioInput(),
        validate_choice=False,
    )
    submit = SubmitField(_l("Cast my secret ballot"), widget=GovSubmitInput())


class CountForm(FlaskForm):
    submit = SubmitField(_l("Count the votes"), widget=GovSubmitInput())


class SupportForm(FlaskForm):
    submit = SubmitField(_l("Support holding this recall vote"), widget=GovSubmitInput())


class RecallForm(FlaskForm):
    organiser = SelectField(
        _l("Organiser to recall"),
        widget=GovSelect(),
        coerce=lambda value: parse_int(str(value), maximum=MAX_ID) or 0,
        validate_choice=False,
    )
    reason = TextAreaField(
        _l("Why (published with your name)"),
        widget=GovTextArea(),
        validators=[max_length(2000, _l("The reason"))],
    )
    opens = DayMonthYearField(
        _l("Support closes and voting opens (at the start of this day, UTC)"),
        widget=GovDateInput(),
        format="%d %m %Y",
        error_name=_l("The date voting opens"),
        validators=[InputRequired(_l("Enter the date voting opens"))],
    )
    closes = DayMonthYearField(
        _l("Voting closes (at the end of this day, UTC)"),
        widget=GovDateInput(),
        format="%d %m %Y",
        error_name=_l("The date voting closes"),
        validators=[InputRequired(_l("Enter the date voting closes"))],
    )
    submit = SubmitField(_l("Propose the recall"), widget=GovSubmitInput())
