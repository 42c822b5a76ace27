"""Forms for proposals. The options appraisal and standards checklist have one row per
provider kind / standard and are parsed in the view (their fields are generated)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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

from civic.budgets.ballots import MINOR_PER_UNIT
from civic.forms import CloseWording, DayMonthYearField, WholeNumberField, max_length
from civic.params import MAX_BIGINT, MAX_ID, parse_int
from civic.votes.models import OptionKind, ProposalKind
from civic.votes.services import OPTION_SCORES, OptionInput


def read_options(form: Mapping[str, str]) -> tuple[list[OptionInput], dict[str, str]]:
    """The options appraisal's generated rows (one per kind of provider ticked as
    considered), and every field that is not a whole number, by field name, with a message
    naming the option and the field. An unreadable number is read as 0 meanwhile, so the
    service still checks the rest of the row and reports everything in one go."""
    options: list[OptionInput] = []
    unreadable: dict[str, str] = {}

    def number(name: str, words: str, example: str, maximum: int) -> int:
        raw = (form.get(name) or "").strip().replace(",", "").removeprefix("£")
        value = parse_int(raw, maximum=maximum)
        if value is None:
            unreadable[name] = f"{words}: enter a whole number, like {example}"
            return 0
        return value

    for kind in OptionKind:
        prefix = kind.value
        if not form.get(f"{prefix}-included"):
            continue
        cost = number(
            f"{prefix}-annual_cost",
            f"{kind.label}: cost a year",
            "250000",
            MAX_BIGINT // MINOR_PER_UNIT,
        )
        scores = {
            name: number(f"{prefix}-{name}", f"{kind.label}: {words}", "70", MAX_ID)
            for name, words in OPTION_SCORES.items()
        }
        options.append(
            OptionInput(
                kind=kind,
                provider=(form.get(f"{prefix}-provider") or "").strip()[:200],
                annual_cost=cost * MINOR_PER_UNIT,
                notes=(form.get(f"{prefix}-notes") or "").strip()[:2000],
                **scores,
            )
        )
    return options, unreadable


def _pounds(label: str, name: str, example: str) -> WholeNumberField:
    """An optional amount in whole pounds; "£250,000" and "250000" both mean 250000."""
    return WholeNumberField(
        label,
        widget=GovTextInput(),
        invalid_message=f"Enter {name} in whole pounds, like {example}",
        validators=[
            Optional(),
            NumberRange(0, 10**11, f"{name.capitalize()} must be from £0 to £100,000,000,000"),
        ],
    )


def _weight(label: str, name: str, example: str) -> WholeNumberField:
    return WholeNumberField(
        label,
        widget=GovTextInput(),
        invalid_message=f"Enter the weight of {name} as a whole number, like {example}",
        validators=[
            InputRequired(f"Enter the weight of {name}"),
            NumberRange(0, 100, f"The weight of {name} must be from 0 to 100"),
        ],
    )


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
        "Title",
        widget=GovTextInput(),
        validators=[DataRequired("Enter a title"), max_length(200, "Title")],
    )
    service = StringField(
        "Service or asset",
        widget=GovTextInput(),
        description="For example: Riverside leisure centre management",
        validators=[
            DataRequired("Name the service or asset"),
            max_length(200, "The service or asset"),
        ],
    )
    area = SelectField("Area whose residents vote", widget=GovSelect(), coerce=int)
    submit = SubmitField("Create draft", widget=GovSubmitInput())


class CaseForm(FlaskForm):
    title = StringField(
        "Title",
        widget=GovTextInput(),
        validators=[DataRequired("Enter a title"), max_length(200, "Title")],
    )
    service = StringField(
        "Service or asset",
        widget=GovTextInput(),
        validators=[DataRequired("Name it"), max_length(200, "The service or asset")],
    )
    current_provision = TextAreaField(
        "How it is provided now",
        widget=GovTextArea(),
        validators=[max_length(10000, "How it is provided now")],
    )
    current_cost = _pounds("What it costs now, per year, in pounds", "the current cost", "250000")
    current_performance = TextAreaField(
        "How well it performs now",
        widget=GovTextArea(),
        validators=[max_length(10000, "How well it performs now")],
    )
    public_interest_case = TextAreaField(
        "The public-interest case",
        widget=GovTextArea(),
        description="Why the in-house default is not working, in plain words.",
        validators=[max_length(20000, "The public-interest case")],
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
        validators=[max_length(10000, "The in-house bid")],
    )
    no_bid_reason = TextAreaField(
        "Why no in-house bid was made",
        widget=GovTextArea(),
        validators=[max_length(10000, "Why no in-house bid was made")],
    )
    asset_value = _pounds("Asset's value in pounds (disposals)", "the asset's value", "500000")
    asset_new_owner = StringField(
        "Who would own it (disposals)",
        widget=GovTextInput(),
        validators=[max_length(300, "Who would own it")],
    )
    weight_cost = _weight("Weight of cost (%)", "cost", "40")
    weight_quality = _weight("Weight of quality (%)", "quality", "30")
    weight_social = _weight("Weight of social value (%)", "social value", "30")
    weight_carbon = _weight("Weight of carbon and decarbonisation (%)", "carbon", "15")
    submit = SubmitField("Save the case", widget=GovSubmitInput())


class DocumentForm(FlaskForm):
    title = StringField(
        "Document title",
        widget=GovTextInput(),
        validators=[
            DataRequired("Give the document a title"),
            max_length(200, "The document title"),
        ],
    )
    url = StringField(
        "Link (optional)", widget=GovTextInput(), validators=[max_length(500, "The link")]
    )
    summary = TextAreaField(
        "Summary", widget=GovTextArea(), validators=[max_length(20000, "The summary")]
    )
    submit = SubmitField("Add document", widget=GovSubmitInput())


class VoteRulesForm(FlaskForm):
    quorum_percent = WholeNumberField(
        "Turnout quorum (% of eligible residents)",
        widget=GovTextInput(),
        invalid_message="Enter the quorum as a whole number, like 20",
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
    majority_each_class = BooleanField(
        "Also require that majority in every class (a multi-stakeholder vote)",
        description="Only for a vote open to constituencies: it fails if any class "
        "(the staff, the users ...) does not give the majority among its own votes.",
        widget=GovCheckboxInput(),
    )
    submit = SubmitField("Fix the vote rules", widget=GovSubmitInput())


MAX_CONSULTATION_DAYS = 365


class ConsultationForm(FlaskForm):
    """How long residents are consulted. `minimum` is the site's CIVIC_MIN_CONSULTATION_DAYS:
    the hint, the example and the range all state it, so the form never promises a length
    the service would then refuse."""

    days = WholeNumberField(
        "Consultation length in days",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the number of days")],
    )
    submit = SubmitField("Open the consultation", widget=GovSubmitInput())

    def __init__(self, *args: Any, minimum: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.days.description = (
            f"At least {minimum} days, so residents have time to read the case and respond. "
            "The vote can open once the consultation has ended."
        )
        if self.days.process_errors:  # parsed in super().__init__, before the minimum was known
            self.days.process_errors = [
                f"Enter the number of days as a whole number, like {minimum}"
            ]
        most = max(minimum, MAX_CONSULTATION_DAYS)
        self.days.validators = [
            InputRequired("Enter the number of days"),
            NumberRange(minimum, most, f"The consultation must last from {minimum} to {most} days"),
        ]


class VotingForm(FlaskForm):
    closes = DayMonthYearField(
        "Voting closes",
        widget=GovDateInput(),
        format="%d %m %Y",
        error_name="The closing date",
        validators=[InputRequired("Enter the closing date")],
    )
    submit = SubmitField("Open the vote", widget=GovSubmitInput())


VOTE_CLOSE = CloseWording(
    confirm="I understand the count is final: the vote cannot be reopened",
    confirm_error="Confirm that you understand the count is final",
    reason="Why close the vote before its published closing date (published)",
    reason_hint="Residents were told when voting ends. Say why it ends early; the reason is "
    "shown on the proposal's page and in the audit log. At least 10 characters.",
    submit="Close the vote and count it",
)


class DecisionForm(FlaskForm):
    decision = RadioField(
        "The council's decision",
        choices=[],  # set by the view: the words depend on the proposal's kind
        widget=GovRadioInput(),
        validate_choice=False,
    )
    reasons = TextAreaField(
        "The council's reasons (published)",
        widget=GovTextArea(),
        validators=[max_length(10000, "The council's reasons")],
    )
    override_reason = TextAreaField(
        "If going ahead against the vote or the standards: why (published)",
        widget=GovTextArea(),
        validators=[max_length(10000, "Why the council is going ahead")],
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
        choices=[],  # set by the view: the words depend on the proposal's kind
        widget=GovRadioInput(),
        validate_choice=False,
    )
    submit = SubmitField("Cast my vote", widget=GovSubmitInput())


class LinkConsultationForm(FlaskForm):
    """Choose an existing consultation of the proposal's area (choices set by the view)."""

    consultation = SelectField(
        "Consultation about this proposal",
        widget=GovSelect(),
        # a number, or 0 for none or anything unreadable: the service then asks for a choice
        coerce=lambda value: parse_int(str(value), maximum=MAX_ID) or 0,
        validate_choice=False,  # the service says why a choice is refused (another area)
        description="Only consultations in the proposal's area can be linked.",
    )
    submit = SubmitField("Link this consultation", widget=GovSubmitInput())


class CreateConsultationForm(FlaskForm):
    submit = SubmitField("Create a consultation from this proposal", widget=GovSubmitInput())
