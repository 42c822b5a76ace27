"""Forms for rounds, project ideas, reviews and delivery notes (ballots are parsed by hand:
their fields depend on the round's projects)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    DateField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from civic.budgets.models import BallotKind, DeliveryStatus
from civic.budgets.services import RULE_NAMES
from civic.forms import DayMonthYearField, WholeNumberField, max_length


def _date(label: str) -> DateField:
    return DayMonthYearField(
        label,
        widget=GovDateInput(),
        format="%d %m %Y",
        error_name=f"The date {label.lower()}",
        validators=[InputRequired(f"Enter the date {label.lower()}")],
    )


class RoundForm(FlaskForm):
    title = StringField(
        "Title",
        widget=GovTextInput(),
        validators=[DataRequired("Enter a title"), max_length(200, "Title")],
    )
    slug = StringField(
        "Short name for web addresses",
        widget=GovTextInput(),
        description="Lower-case letters, numbers and hyphens, e.g. riverside-2027",
        validators=[DataRequired("Enter a short name"), max_length(80, "The short name")],
    )
    area = SelectField("Area", widget=GovSelect(), coerce=int)
    description = TextAreaField("What the budget is for", widget=GovTextArea())
    amount = WholeNumberField(
        "Budget in pounds",
        widget=GovTextInput(),
        invalid_message="Enter the budget in whole pounds, like 25000",
        validators=[
            InputRequired("Enter the budget"),
            NumberRange(1, 10**10, "The budget must be between £1 and £10,000,000,000"),
        ],
    )
    ideas_from = _date("Ideas open")
    review_from = _date("Review starts")
    voting_from = _date("Voting opens")
    results_from = _date("Voting closes")
    delivery_from = _date("Delivery starts")
    ballot_kind = RadioField(
        "Ballot",
        choices=[(k.value, k.label) for k in BallotKind],
        default=BallotKind.APPROVAL.value,
        widget=GovRadioInput(),
    )
    rule = RadioField(
        "How winners are picked",
        choices=list(RULE_NAMES.items()),
        default="mes-add1",
        widget=GovRadioInput(),
    )
    min_projects = WholeNumberField(
        "Fewest projects a resident must choose (optional)",
        widget=GovTextInput(),
        invalid_message="Enter the fewest projects as a whole number, like 1",
        validators=[Optional(), NumberRange(1, 100, "The fewest projects must be from 1 to 100")],
    )
    max_projects = WholeNumberField(
        "Most projects a resident may choose or rank (needed for 'up to a number' and 'rank')",
        widget=GovTextInput(),
        invalid_message="Enter the most projects as a whole number, like 5",
        validators=[Optional(), NumberRange(1, 100, "The most projects must be from 1 to 100")],
    )
    points = WholeNumberField(
        "Points each resident shares out (for 'share out points')",
        widget=GovTextInput(),
        invalid_message="Enter the points as a whole number, like 10",
        validators=[Optional(), NumberRange(1, 1000, "The points must be from 1 to 1,000")],
    )
    max_points_per_project = WholeNumberField(
        "Most points for one project (optional)",
        widget=GovTextInput(),
        invalid_message="Enter the most points for one project as a whole number, like 3",
        validators=[
            Optional(),
            NumberRange(1, 1000, "The most points for one project must be from 1 to 1,000"),
        ],
    )
    threshold = WholeNumberField(
        "Minimum support (votes or points) for the threshold rule",
        widget=GovTextInput(),
        invalid_message="Enter the minimum support as a whole number, like 50",
        validators=[
            Optional(),
            NumberRange(1, 10**9, "The minimum support must be from 1 to 1,000,000,000"),
        ],
    )
    submit = SubmitField("Create round", widget=GovSubmitInput())


class ProjectForm(FlaskForm):
    title = StringField(
        "Name of your idea",
        widget=GovTextInput(),
        validators=[DataRequired("Give your idea a name"), max_length(200, "The name")],
    )
    description = TextAreaField(
        "Describe it",
        widget=GovTextArea(),
        description="What would change, who benefits, and why here.",
        validators=[DataRequired("Describe your idea"), max_length(5000, "The description")],
    )
    cost = WholeNumberField(
        "Estimated cost in pounds",
        widget=GovTextInput(),
        invalid_message="Enter the cost in whole pounds, like 1200",
        validators=[
            InputRequired("Enter the estimated cost"),
            NumberRange(1, 10**10, "The cost must be between £1 and £10,000,000,000"),
        ],
    )
    location = StringField(
        "Where (optional)", widget=GovTextInput(), validators=[max_length(200, "The location")]
    )
    category = StringField(
        "Category (optional)",
        widget=GovTextInput(),
        description="For example: parks, streets, youth, culture",
        validators=[max_length(80, "The category")],
    )
    submit = SubmitField("Propose idea", widget=GovSubmitInput())


class ReviewForm(FlaskForm):
    decision = RadioField(
        "Decision",
        choices=[("feasible", "Feasible: put it on the ballot"), ("rejected", "Not feasible")],
        widget=GovRadioInput(),
        validators=[InputRequired("Choose feasible or not feasible")],
    )
    cost = WholeNumberField(
        "Checked cost in pounds (leave as it is if unchanged)",
        widget=GovTextInput(),
        invalid_message="Enter the cost in whole pounds, like 1200",
        validators=[
            Optional(),
            NumberRange(1, 10**10, "The cost must be between £1 and £10,000,000,000"),
        ],
    )
    cost_note = StringField(
        "Why the cost changed (published)",
        widget=GovTextInput(),
        validators=[max_length(500, "Why the cost changed")],
    )
    reason = TextAreaField(
        "Why it is not feasible (published)",
        widget=GovTextArea(),
        validators=[max_length(1000, "Why it is not feasible")],
    )
    submit = SubmitField("Save review", widget=GovSubmitInput())


class DeliveryForm(FlaskForm):
    status = SelectField(
        "Delivery status",
        choices=[(s.value, s.value.replace("_", " ").capitalize()) for s in DeliveryStatus],
        widget=GovSelect(),
    )
    note = TextAreaField(
        "Progress note for residents",
        widget=GovTextArea(),
        validators=[max_length(2000, "The progress note")],
    )
    submit = SubmitField("Add progress note", widget=GovSubmitInput())
