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
from civic.i18n import lazy_gettext as _l


def _date(label: object, name: object, missing: object) -> DateField:
    """A phase's date: its label, the name its errors start with ("The date voting opens
    must be a real date"), and what a missing one says; each a whole translated phrase."""
    return DayMonthYearField(
        label,
        widget=GovDateInput(),
        format="%d %m %Y",
        error_name=name,
        validators=[InputRequired(missing)],
    )


class RoundForm(FlaskForm):
    title = StringField(
        _l("Title"),
        widget=GovTextInput(),
        validators=[DataRequired(_l("Enter a title")), max_length(200, _l("Title"))],
    )
    slug = StringField(
        _l("Short name for web addresses"),
        widget=GovTextInput(),
        description=_l("Lower-case letters, numbers and hyphens, e.g. riverside-2027"),
        validators=[DataRequired(_l("Enter a short name")), max_length(80, _l("The short name"))],
    )
    area = SelectField(_l("Area"), widget=GovSelect(), coerce=int)
    description = TextAreaField(_l("What the budget is for"), widget=GovTextArea())
    amount = WholeNumberField(
        _l("Budget in pounds"),
        widget=GovTextInput(),
        invalid_message=_l("Enter the budget in whole pounds, like 25000"),
        validators=[
            InputRequired(_l("Enter the budget")),
            NumberRange(1, 10**10, _l("The budget must be between £1 and £10,000,000,000")),
        ],
    )
    ideas_from = _date(_l("Ideas open"), _l("The date ideas open"), _l("Enter the date ideas open"))
    review_from = _date(
        _l("Review starts"), _l("The date review starts"), _l("Enter the date review starts")
    )
    voting_from = _date(
        _l("Voting opens"), _l("The date voting opens"), _l("Enter the date voting opens")
    )
    results_from = _date(
        _l("Voting closes"), _l("The date voting closes"), _l("Enter the date voting closes")
    )
    delivery_from = _date(
        _l("Delivery starts"),
        _l("The date delivery starts"),
        _l("Enter the date delivery starts"),
    )
    ballot_kind = RadioField(
        _l("Ballot"),
        choices=[
            (BallotKind.APPROVAL.value, _l("Choose projects within the budget")),
            (BallotKind.K_OF_N.value, _l("Choose up to a number of projects")),
            (BallotKind.CUMULATIVE.value, _l("Share out points")),
            (BallotKind.RANKED.value, _l("Rank your favourite projects")),
        ],
        default=BallotKind.APPROVAL.value,
        widget=GovRadioInput(),
    )
    rule = RadioField(
        _l("How winners are picked"),
        choices=list(RULE_NAMES.items()),
        default="mes-add1",
        widget=GovRadioInput(),
    )
    min_projects = WholeNumberField(
        _l("Fewest projects a resident must choose (optional)"),
        widget=GovTextInput(),
        invalid_message=_l("Enter the fewest projects as a whole number, like 1"),
        validators=[
            Optional(),
            NumberRange(1, 100, _l("The fewest projects must be from 1 to 100")),
        ],
    )
    max_projects = WholeNumberField(
        _l("Most projects a resident may choose or rank (needed for 'up to a number' and 'rank')"),
        widget=GovTextInput(),
        invalid_message=_l("Enter the most projects as a whole number, like 5"),
        validators=[Optional(), NumberRange(1, 100, _l("The most projects must be from 1 to 100"))],
    )
    points = WholeNumberField(
        _l("Points each resident shares out (for 'share out points')"),
        widget=GovTextInput(),
        invalid_message=_l("Enter the points as a whole number, like 10"),
        validators=[Optional(), NumberRange(1, 1000, _l("The points must be from 1 to 1,000"))],
    )
    max_points_per_project = WholeNumberField(
        _l("Most points for one project (optional)"),
        widget=GovTextInput(),
        invalid_message=_l("Enter the most points for one project as a whole number, like 3"),
        validators=[
            Optional(),
            NumberRange(1, 1000, _l("The most points for one project must be from 1 to 1,000")),
        ],
    )
    threshold = WholeNumberField(
        _l("Minimum support (votes or points) for the threshold rule"),
        widget=GovTextInput(),
        invalid_message=_l("Enter the minimum support as a whole number, like 50"),
        validators=[
            Optional(),
            NumberRange(1, 10**9, _l("The minimum support must be from 1 to 1,000,000,000")),
        ],
    )
    submit = SubmitField(_l("Create round"), widget=GovSubmitInput())


class ProjectForm(FlaskForm):
    title = StringField(
        _l("Name of your idea"),
        widget=GovTextInput(),
        validators=[DataRequired(_l("Give your idea a name")), max_length(200, _l("The name"))],
    )
    description = TextAreaField(
        _l("Describe it"),
        widget=GovTextArea(),
        description=_l("What would change, who benefits, and why here."),
        validators=[
            DataRequired(_l("Describe your idea")),
            max_length(5000, _l("The description")),
        ],
    )
    cost = WholeNumberField(
        _l("Estimated cost in pounds"),
        widget=GovTextInput(),
        invalid_message=_l("Enter the cost in whole pounds, like 1200"),
        validators=[
            InputRequired(_l("Enter the estimated cost")),
            NumberRange(1, 10**10, _l("The cost must be between £1 and £10,000,000,000")),
        ],
    )
    location = StringField(
        _l("Where (optional)"),
        widget=GovTextInput(),
        validators=[max_length(200, _l("The location"))],
    )
    category = StringField(
        _l("Category (optional)"),
        widget=GovTextInput(),
        description=_l("For example: parks, streets, youth, culture"),
        validators=[max_length(80, _l("The category"))],
    )
    submit = SubmitField(_l("Propose idea"), widget=GovSubmitInput())


class ReviewForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=[
            ("feasible", _l("Feasible: put it on the ballot")),
            ("rejected", _l("Not feasible")),
        ],
        widget=GovRadioInput(),
        validators=[InputRequired(_l("Choose feasible or not feasible"))],
    )
    cost = WholeNumberField(
        _l("Checked cost in pounds (leave as it is if unchanged)"),
        widget=GovTextInput(),
        invalid_message=_l("Enter the cost in whole pounds, like 1200"),
        validators=[
            Optional(),
            NumberRange(1, 10**10, _l("The cost must be between £1 and £10,000,000,000")),
        ],
    )
    cost_note = StringField(
        _l("Why the cost changed (published)"),
        widget=GovTextInput(),
        validators=[max_length(500, _l("Why the cost changed"))],
    )
    reason = TextAreaField(
        _l("Why it is not feasible (published)"),
        widget=GovTextArea(),
        validators=[max_length(1000, _l("Why it is not feasible"))],
    )
    submit = SubmitField(_l("Save review"), widget=GovSubmitInput())


class DeliveryForm(FlaskForm):
    status = SelectField(
        _l("Delivery status"),
        choices=[
            (DeliveryStatus.NOT_STARTED.value, _l("Not started")),
            (DeliveryStatus.IN_PROGRESS.value, _l("In progress")),
            (DeliveryStatus.DELIVERED.value, _l("Delivered")),
            (DeliveryStatus.CANCELLED.value, _l("Cancelled")),
        ],
        widget=GovSelect(),
    )
    note = TextAreaField(
        _l("Progress note for residents"),
        widget=GovTextArea(),
        validators=[max_length(2000, _l("The progress note"))],
    )
    submit = SubmitField(_l("Add progress note"), widget=GovSubmitInput())
