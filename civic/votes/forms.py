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
from civic.i18n import _
from civic.i18n import lazy_gettext as _l
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
            unreadable[name] = _(
                "%(field)s: enter a whole number, like %(example)s", field=words, example=example
            )
            return 0
        return value

    for kind in OptionKind:
        prefix = kind.value
        if not form.get(f"{prefix}-included"):
            continue
        cost = number(
            f"{prefix}-annual_cost",
            _("%(option)s: cost a year", option=kind.label),
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


def _pounds(label: str, invalid: str, out_of_range: str) -> WholeNumberField:
    """An optional amount in whole pounds; "£250,000" and "250000" both mean 250000."""
    return WholeNumberField(
        label,
        widget=GovTextInput(),
        invalid_message=invalid,
        validators=[Optional(), NumberRange(0, 10**11, out_of_range)],
    )


def _weight(label: str, name: str, example: str) -> WholeNumberField:
    return WholeNumberField(
        label,
        widget=GovTextInput(),
        invalid_message=_l(
            "Enter the weight of %(name)s as a whole number, like %(example)s",
            name=name,
            example=example,
        ),
        validators=[
            InputRequired(_l("Enter the weight of %(name)s", name=name)),
            NumberRange(0, 100, _l("The weight of %(name)s must be from 0 to 100", name=name)),
        ],
    )


class NewProposalForm(FlaskForm):
    kind = RadioField(
        _l("What is proposed?"),
        choices=[
            (ProposalKind.OUTSOURCING.value, _l("Outsourcing a service")),
            (ProposalKind.DISPOSAL.value, _l("Selling or transferring a public asset")),
        ],
        default=ProposalKind.OUTSOURCING.value,
        widget=GovRadioInput(),
    )
    title = StringField(
        _l("Title"),
        widget=GovTextInput(),
        validators=[DataRequired(_l("Enter a title")), max_length(200, _l("Title"))],
    )
    service = StringField(
        _l("Service or asset"),
        widget=GovTextInput(),
        description=_l("For example: Riverside leisure centre management"),
        validators=[
            DataRequired(_l("Name the service or asset")),
            max_length(200, _l("The service or asset")),
        ],
    )
    area = SelectField(_l("Area whose residents vote"), widget=GovSelect(), coerce=int)
    submit = SubmitField(_l("Create draft"), widget=GovSubmitInput())


class CaseForm(FlaskForm):
    title = StringField(
        _l("Title"),
        widget=GovTextInput(),
        validators=[DataRequired(_l("Enter a title")), max_length(200, _l("Title"))],
    )
    service = StringField(
        _l("Service or asset"),
        widget=GovTextInput(),
        validators=[DataRequired(_l("Name it")), max_length(200, _l("The service or asset"))],
    )
    current_provision = TextAreaField(
        _l("How it is provided now"),
        widget=GovTextArea(),
        validators=[max_length(10000, _l("How it is provided now"))],
    )
    current_cost = _pounds(
        _l("What it costs now, per year, in pounds"),
        _l("Enter the current cost in whole pounds, like 250000"),
        _l("The current cost must be from £0 to £100,000,000,000"),
    )
    current_performance = TextAreaField(
        _l("How well it performs now"),
        widget=GovTextArea(),
        validators=[max_length(10000, _l("How well it performs now"))],
    )
    public_interest_case = TextAreaField(
        _l("The public-interest case"),
        widget=GovTextArea(),
        description=_l("Why the in-house default is not working, in plain words."),
        validators=[max_length(20000, _l("The public-interest case"))],
    )
    inhouse_bid = RadioField(
        _l("Was an in-house bid made?"),
        choices=[("yes", _l("Yes")), ("no", _l("No"))],
        widget=GovRadioInput(),
        validators=[Optional()],
    )
    inhouse_bid_summary = TextAreaField(
        _l("The in-house bid: cost, quality and social value"),
        widget=GovTextArea(),
        validators=[max_length(10000, _l("The in-house bid"))],
    )
    no_bid_reason = TextAreaField(
        _l("Why no in-house bid was made"),
        widget=GovTextArea(),
        validators=[max_length(10000, _l("Why no in-house bid was made"))],
    )
    asset_value = _pounds(
        _l("Asset's value in pounds (disposals)"),
        _l("Enter the asset's value in whole pounds, like 500000"),
        _l("The asset's value must be from £0 to £100,000,000,000"),
    )
    asset_new_owner = StringField(
        _l("Who would own it (disposals)"),
        widget=GovTextInput(),
        validators=[max_length(300, _l("Who would own it"))],
    )
    weight_cost = _weight(_l("Weight of cost (%)"), _l("cost"), "40")
    weight_quality = _weight(_l("Weight of quality (%)"), _l("quality"), "30")
    weight_social = _weight(_l("Weight of social value (%)"), _l("social value"), "30")
    weight_carbon = _weight(_l("Weight of carbon and decarbonisation (%)"), _l("carbon"), "15")
    submit = SubmitField(_l("Save the case"), widget=GovSubmitInput())


class DocumentForm(FlaskForm):
    title = StringField(
        _l("Document title"),
        widget=GovTextInput(),
        validators=[
            DataRequired(_l("Give the document a title")),
            max_length(200, _l("The document title")),
        ],
    )
    url = StringField(
        _l("Link (optional)"), widget=GovTextInput(), validators=[max_length(500, _l("The link"))]
    )
    summary = TextAreaField(
        _l("Summary"), widget=GovTextArea(), validators=[max_length(20000, _l("The summary"))]
    )
    submit = SubmitField(_l("Add document"), widget=GovSubmitInput())


class VoteRulesForm(FlaskForm):
    quorum_percent = WholeNumberField(
        _l("Turnout quorum (% of eligible residents)"),
        widget=GovTextInput(),
        invalid_message=_l("Enter the quorum as a whole number, like 20"),
        validators=[
            InputRequired(_l("Enter the quorum")),
            NumberRange(0, 100, _l("Enter a percentage from 0 to 100")),
        ],
    )
    majority = RadioField(
        _l("Majority needed"),
        choices=[
            ("simple", _l("More than half of votes cast")),
            ("two_thirds", _l("At least two thirds of votes cast")),
        ],
        default="simple",
        widget=GovRadioInput(),
    )
    majority_each_class = BooleanField(
        _l("Also require that majority in every class (a multi-stakeholder vote)"),
        description=_l(
            "Only for a vote open to constituencies: it fails if any class "
            "(the staff, the users ...) does not give the majority among its own votes."
        ),
        widget=GovCheckboxInput(),
    )
    submit = SubmitField(_l("Fix the vote rules"), widget=GovSubmitInput())


MAX_CONSULTATION_DAYS = 365


class ConsultationForm(FlaskForm):
    """How long residents are consulted. `minimum` is the site's CIVIC_MIN_CONSULTATION_DAYS:
    the hint, the example and the range all state it, so the form never promises a length
    the service would then refuse."""

    days = WholeNumberField(
        _l("Consultation length in days"),
        widget=GovTextInput(),
        validators=[InputRequired(_l("Enter the number of days"))],
    )
    submit = SubmitField(_l("Open the consultation"), widget=GovSubmitInput())

    def __init__(self, *args: Any, minimum: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.days.description = _(
            "At least %(minimum)s days, so residents have time to read the case and respond. "
            "The vote can open once the consultation has ended.",
            minimum=minimum,
        )
        if self.days.process_errors:  # parsed in super().__init__, before the minimum was known
            self.days.process_errors = [
                _("Enter the number of days as a whole number, like %(minimum)s", minimum=minimum)
            ]
        most = max(minimum, MAX_CONSULTATION_DAYS)
        self.days.validators = [
            InputRequired(_l("Enter the number of days")),
            NumberRange(
                minimum,
                most,
                _(
                    "The consultation must last from %(minimum)s to %(most)s days",
                    minimum=minimum,
                    most=most,
                ),
            ),
        ]


class VotingForm(FlaskForm):
    closes = DayMonthYearField(
        _l("Voting closes"),
        widget=GovDateInput(),
        format="%d %m %Y",
        error_name=_l("The closing date"),
        validators=[InputRequired(_l("Enter the closing date"))],
    )
    submit = SubmitField(_l("Open the vote"), widget=GovSubmitInput())


VOTE_CLOSE = CloseWording(
    confirm=_l("I understand the count is final: the vote cannot be reopened"),
    confirm_error=_l("Confirm that you understand the count is final"),
    reason=_l("Why close the vote before its published closing date (published)"),
    reason_hint=_l(
        "Residents were told when voting ends. Say why it ends early; the reason is "
        "shown on the proposal's page and in the audit log. At least 10 characters."
    ),
    submit=_l("Close the vote and count it"),
)


class DecisionForm(FlaskForm):
    decision = RadioField(
        _l("The council's decision"),
        choices=[],  # set by the view: the words depend on the proposal's kind
        widget=GovRadioInput(),
        validate_choice=False,
    )
    reasons = TextAreaField(
        _l("The council's reasons (published)"),
        widget=GovTextArea(),
        validators=[max_length(10000, _l("The council's reasons"))],
    )
    override_reason = TextAreaField(
        _l("If going ahead against the vote or the standards: why (published)"),
        widget=GovTextArea(),
        validators=[max_length(10000, _l("Why the council is going ahead"))],
    )
    confirm = BooleanField(
        _l("I understand the decision is final: it is published and cannot be changed"),
        widget=GovCheckboxInput(),
        validators=[DataRequired(_l("Confirm that you understand the decision is final"))],
    )
    submit = SubmitField(_l("Record the decision"), widget=GovSubmitInput())


class VoteForm(FlaskForm):
    choice = RadioField(
        _l("Your vote"),
        choices=[],  # set by the view: the words depend on the proposal's kind
        widget=GovRadioInput(),
        validate_choice=False,
    )
    submit = SubmitField(_l("Cast my vote"), widget=GovSubmitInput())


class LinkConsultationForm(FlaskForm):
    """Choose an existing consultation of the proposal's area (choices set by the view)."""

    consultation = SelectField(
        _l("Consultation about this proposal"),
        widget=GovSelect(),
        # a number, or 0 for none or anything unreadable: the service then asks for a choice
        coerce=lambda value: parse_int(str(value), maximum=MAX_ID) or 0,
        validate_choice=False,  # the service says why a choice is refused (another area)
        description=_l("Only consultations in the proposal's area can be linked."),
    )
    submit = SubmitField(_l("Link this consultation"), widget=GovSubmitInput())


class CreateConsultationForm(FlaskForm):
    submit = SubmitField(_l("Create a consultation from this proposal"), widget=GovSubmitInput())
