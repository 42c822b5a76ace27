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
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from civic.budgets.models import BallotKind, DeliveryStatus
from civic.budgets.services import RULE_NAMES
from civic.forms import DayMonthYearField


def _date(label: str) -> DateField:
    return DayMonthYearField(
        label,
        widget=GovDateInput(),
        format="%d %m %Y",
        validators=[InputRequired(f"Enter the date {label.lower()}")],
    )


class RoundForm(FlaskForm):
    title = StringField(
        "Title", widget=GovTextInput(), validators=[DataRequired("Enter a title"), Length(max=200)]
    )
    slug = StringField(
        "Short name for web addresses",
        widget=GovTextInput(),
        description="Lower-case letters, numbers and hyphens, e.g. riverside-2027",
        validators=[DataRequired("Enter a short name"), Length(max=80)],
    )
    area = SelectField("Area", widget=GovSelect(), coerce=int)
    description = TextAreaField("What the budget is for", widget=GovTextArea())
    amount = IntegerField(
        "Budget in pounds",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the budget"), NumberRange(1, 10**10, "Enter the budget")],
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
    min_projects = IntegerField(
        "Fewest projects a resident must choose (optional)",
        widget=GovTextInput(),
        validators=[Optional(), NumberRange(1, 100)],
    )
    max_projects = IntegerField(
        "Most projects a resident may choose or rank (needed for 'up to a number' and 'rank')",
        widget=GovTextInput(),
        validators=[Optional(), NumberRange(1, 100)],
    )
    points = IntegerField(
        "Points each resident shares out (for 'share out points')",
        widget=GovTextInput(),
        validators=[Optional(), NumberRange(1, 1000)],
    )
    max_points_per_project = IntegerField(
        "Most points for one project (optional)",
        widget=GovTextInput(),
        validators=[Optional(), NumberRange(1, 1000)],
    )
    threshold = IntegerField(
        "Minimum support (votes or points) for the threshold rule",
        widget=GovTextInput(),
        validators=[Optional(), NumberRange(1, 10**9)],
    )
    submit = SubmitField("Create round", widget=GovSubmitInput())


class ProjectForm(FlaskForm):
    title = StringField(
        "Name of your idea",
        widget=GovTextInput(),
        validators=[DataRequired("Give your idea a name"), Length(max=200)],
    )
    description = TextAreaField(
        "Describe it",
        widget=GovTextArea(),
        description="What would change, who benefits, and why here.",
        validators=[DataRequired("Describe your idea"), Length(max=5000)],
    )
    cost = IntegerField(
        "Estimated cost in pounds",
        widget=GovTextInput(),
        validators=[
            InputRequired("Enter the estimated cost"),
            NumberRange(1, 10**10, "Enter a cost"),
        ],
    )
    location = StringField("Where (optional)", widget=GovTextInput(), validators=[Length(max=200)])
    category = StringField(
        "Category (optional)",
        widget=GovTextInput(),
        description="For example: parks, streets, youth, culture",
        validators=[Length(max=80)],
    )
    submit = SubmitField("Propose idea", widget=GovSubmitInput())


class ReviewForm(FlaskForm):
    decision = RadioField(
        "Decision",
        choices=[("feasible", "Feasible: put it on the ballot"), ("rejected", "Not feasible")],
        widget=GovRadioInput(),
        validators=[InputRequired("Choose feasible or not feasible")],
    )
    cost = IntegerField(
        "Checked cost in pounds (leave as it is if unchanged)",
        widget=GovTextInput(),
        validators=[Optional(), NumberRange(1, 10**10)],
    )
    cost_note = StringField(
        "Why the cost changed (published)", widget=GovTextInput(), validators=[Length(max=500)]
    )
    reason = TextAreaField(
        "Why it is not feasible (published)", widget=GovTextArea(), validators=[Length(max=1000)]
    )
    submit = SubmitField("Save review", widget=GovSubmitInput())


class DeliveryForm(FlaskForm):
    status = SelectField(
        "Delivery status",
        choices=[(s.value, s.value.replace("_", " ").capitalize()) for s in DeliveryStatus],
        widget=GovSelect(),
    )
    note = TextAreaField(
        "Progress note for residents", widget=GovTextArea(), validators=[Length(max=2000)]
    )
    submit = SubmitField("Add progress note", widget=GovSubmitInput())
