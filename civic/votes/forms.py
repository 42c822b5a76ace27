"""Forms for proposals. The options appraisal and standards checklist have one row per
provider kind / standard and are parsed in the view (their fields are generated)."""

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

from civic.forms import DayMonthYearField
from civic.votes.models import ProposalKind

POUNDS = [Optional(), NumberRange(0, 10**11, "Enter an amount in whole pounds")]


class NewProposalForm(FlaskForm):
    kind = RadioField(
        "What is proposed?",
        choices=[
            (ProposalKind.OUTSOURCING.value, "Outsourcing a service"),
            (ProposalKind.DISPOSAL.value, "Selling or transferring a public asset"),
        ],
        default=ProposalKind.OUTSOURCING.value,
        widget=GovRadioInput(),
    )
    title = StringField(
        "Title", widget=GovTextInput(), validators=[DataRequired("Enter a title"), Length(max=200)]
    )
    service = StringField(
        "Service or asset",
        widget=GovTextInput(),
        description="For example: Riverside leisure centre management",
        validators=[DataRequired("Name the service or asset"), Length(max=200)],
    )
    area = SelectField("Area whose residents vote", widget=GovSelect(), coerce=int)
    submit = SubmitField("Create draft", widget=GovSubmitInput())


class CaseForm(FlaskForm):
    title = StringField(
        "Title", widget=GovTextInput(), validators=[DataRequired("Enter a title"), Length(max=200)]
    )
    service = StringField(
        "Service or asset",
        widget=GovTextInput(),
        validators=[DataRequired("Name it"), Length(max=200)],
    )
    current_provision = TextAreaField(
        "How it is provided now", widget=GovTextArea(), validators=[Length(max=10000)]
    )
    current_cost = IntegerField(
        "What it costs now, per year, in pounds", widget=GovTextInput(), validators=POUNDS
    )
    current_performance = TextAreaField(
        "How well it performs now", widget=GovTextArea(), validators=[Length(max=10000)]
    )
    public_interest_case = TextAreaField(
        "The public-interest case",
        widget=GovTextArea(),
        description="Why the in-house default is not working, in plain words.",
        validators=[Length(max=20000)],
    )
    inhouse_bid = RadioField(
        "Was an in-house bid made?",
        choices=[("yes", "Yes"), ("no", "No")],
        widget=GovRadioInput(),
        validators=[Optional()],
    )
    inhouse_bid_summary = TextAreaField(
        "The in-house bid: cost, quality and social value",
        widget=GovTextArea(),
        validators=[Length(max=10000)],
    )
    no_bid_reason = TextAreaField(
        "Why no in-house bid was made", widget=GovTextArea(), validators=[Length(max=10000)]
    )
    asset_value = IntegerField(
        "Asset's value in pounds (disposals)", widget=GovTextInput(), validators=POUNDS
    )
    asset_new_owner = StringField(
        "Who would own it (disposals)", widget=GovTextInput(), validators=[Length(max=300)]
    )
    weight_cost = IntegerField(
        "Weight of cost (%)",
        widget=GovTextInput(),
        validators=[InputRequired("Enter a weight"), NumberRange(0, 100)],
    )
    weight_quality = IntegerField(
        "Weight of quality (%)",
        widget=GovTextInput(),
        validators=[InputRequired("Enter a weight"), NumberRange(0, 100)],
    )
    weight_social = IntegerField(
        "Weight of social value (%)",
        widget=GovTextInput(),
        validators=[InputRequired("Enter a weight"), NumberRange(0, 100)],
    )
    submit = SubmitField("Save the case", widget=GovSubmitInput())


class DocumentForm(FlaskForm):
    title = StringField(
        "Document title",
        widget=GovTextInput(),
        validators=[DataRequired("Give the document a title"), Length(max=200)],
    )
    url = StringField("Link (optional)", widget=GovTextInput(), validators=[Length(max=500)])
    summary = TextAreaField("Summary", widget=GovTextArea(), validators=[Length(max=20000)])
    submit = SubmitField("Add document", widget=GovSubmitInput())


class VoteRulesForm(FlaskForm):
    quorum_percent = IntegerField(
        "Turnout quorum (% of eligible residents)",
        widget=GovTextInput(),
        validators=[
            InputRequired("Enter the quorum"),
            NumberRange(0, 100, "Enter a percentage from 0 to 100"),
        ],
    )
    majority = RadioField(
        "Majority needed",
        choices=[
            ("simple", "More than half of votes cast"),
            ("two_thirds", "At least two thirds of votes cast"),
        ],
        default="simple",
        widget=GovRadioInput(),
    )
    hide_tally = BooleanField(
        "Hide the running tally until the vote closes", default=True, widget=GovCheckboxInput()
    )
    submit = SubmitField("Fix the vote rules", widget=GovSubmitInput())


class ConsultationForm(FlaskForm):
    days = IntegerField(
        "Consultation length in days",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the number of days"), NumberRange(1, 365)],
    )
    submit = SubmitField("Open the consultation", widget=GovSubmitInput())


class VotingForm(FlaskForm):
    closes = DayMonthYearField(
        "Voting closes",
        widget=GovDateInput(),
        format="%d %m %Y",
        validators=[InputRequired("Enter the closing date")],
    )
    submit = SubmitField("Open the vote", widget=GovSubmitInput())


class CloseForm(FlaskForm):
    confirm = BooleanField(
        "I understand the count is final: the vote cannot be reopened",
        widget=GovCheckboxInput(),
        validators=[DataRequired("Confirm that you understand the count is final")],
    )
    submit = SubmitField("Close the vote and count it", widget=GovSubmitInput())


class DecisionForm(FlaskForm):
    decision = RadioField(
        "The council's decision",
        choices=[
            ("in_house", "Keep the service in-house (or the asset in public hands)"),
            ("proceed", "Go ahead"),
        ],
        widget=GovRadioInput(),
        validate_choice=False,
    )
    reasons = TextAreaField(
        "The council's reasons (published)", widget=GovTextArea(), validators=[Length(max=10000)]
    )
    override_reason = TextAreaField(
        "If going ahead against the vote or the standards: why (published)",
        widget=GovTextArea(),
        validators=[Length(max=10000)],
    )
    confirm = BooleanField(
        "I understand the decision is final: it is published and cannot be changed",
        widget=GovCheckboxInput(),
        validators=[DataRequired("Confirm that you understand the decision is final")],
    )
    submit = SubmitField("Record the decision", widget=GovSubmitInput())


class VoteForm(FlaskForm):
    choice = RadioField(
        "Your vote",
        choices=[
            ("against", "Against: keep it in-house / in public hands"),
            ("for", "For: go ahead"),
        ],
        widget=GovRadioInput(),
        validate_choice=False,
    )
    submit = SubmitField("Cast my vote", widget=GovSubmitInput())
