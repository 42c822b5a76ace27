"""Moderators' forms for KPIs, reported values, open-book finance and standards reports.

The forms check shape (present, not too long, a real date, an amount of money); the rules
(periods within the contract, no duplicates, nothing negative where it cannot be) are the
services', whose messages the views attach to the same fields.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Optional

from civic.contracts.performance import periods
from civic.contracts.performance.models import ReportStatus
from civic.contracts.performance.periods import Direction, Period
from civic.forms import DayMonthYearField, max_length
from civic.i18n import lazy_gettext as _l


class MoneyField(StringField):
    """An amount in pounds and pence as people type it ("£1,200", "1200.50", "-350"),
    held as pence; anything else is a field error, not a guess."""

    def __init__(self, *args: Any, invalid: object, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pence: int | None = None
        self.invalid = invalid  # what a figure that is not money says, a whole sentence

    def process_formdata(self, valuelist: list[str]) -> None:
        super().process_formdata(valuelist)
        self.pence = None
        text = (self.data or "").strip()
        if not text:
            return
        try:
            self.pence = periods.parse_amount(text, 2)
        except periods.AmountError:
            raise ValueError(str(self.invalid)) from None


def _date(label: object, name: object, missing: object = None) -> DayMonthYearField:
    """A date field: `name` starts its errors, `missing` (None: optional) says it is empty."""
    return DayMonthYearField(
        label,
        widget=GovDateInput(),
        format="%d %m %Y",
        error_name=name,
        validators=[InputRequired(missing)] if missing is not None else [Optional()],
    )


class KpiForm(FlaskForm):
    name = StringField(
        _l("Indicator"),
        widget=GovTextInput(),
        description=_l("For example: Meals meeting the school food standards"),
        validators=[
            DataRequired(_l("Enter the indicator's name")),
            max_length(200, _l("The name")),
        ],
    )
    description = TextAreaField(
        _l("How it is measured (optional)"),
        widget=GovTextArea(),
        validators=[max_length(2000, _l("The description"))],
    )
    unit = SelectField(
        _l("Unit"),
        widget=GovSelect(),
        choices=[(u.key, u.label) for u in periods.UNITS.values()],
    )
    decimals = SelectField(
        _l("Decimal places in the target and values"),
        widget=GovSelect(),
        coerce=int,
        choices=[(n, str(n)) for n in range(periods.MAX_DECIMALS + 1)],
        default=1,
    )
    target = StringField(
        _l("Target"),
        widget=GovTextInput(),
        description=_l("A number, like 95 or 92.5"),
        validators=[DataRequired(_l("Enter the target"))],
    )
    direction = RadioField(
        _l("Which way is better?"),
        widget=GovRadioInput(),
        choices=[(d.value, d.label) for d in Direction],
        default=Direction.HIGHER.value,
    )
    period = RadioField(
        _l("How often it is reported"),
        widget=GovRadioInput(),
        choices=[(p.value, p.label) for p in Period],
        default=Period.QUARTERLY.value,
        description=_l("Quarters and years follow the council's financial year, from 1 April."),
    )
    reporting_from = _date(_l("Reported from (optional)"), _l("The date reporting starts"))
    submit = SubmitField(_l("Add the indicator"), widget=GovSubmitInput())


class KpiValueForm(FlaskForm):
    period_start = SelectField(
        _l("Period"),
        widget=GovSelect(),
        validate_choice=False,  # the service says why another period is refused
        validators=[InputRequired(_l("Choose the period the value is for"))],
    )
    value = StringField(
        _l("Value reported"),
        widget=GovTextInput(),
        validators=[DataRequired(_l("Enter the value"))],
    )
    reported_on = _date(
        _l("Date the provider reported it"), _l("The report date"), _l("Enter the report date")
    )
    source = StringField(
        _l("Source (optional)"),
        widget=GovTextInput(),
        description=_l("The provider's report or the monitoring return it came from"),
        validators=[max_length(500, _l("The source"))],
    )
    submit = SubmitField(_l("Record the value"), widget=GovSubmitInput())


class FinanceForm(FlaskForm):
    year = SelectField(_l("Financial year"), widget=GovSelect(), coerce=int)
    cost_to_council = MoneyField(
        _l("Cost to the council (£)"),
        invalid=_l("Enter the cost to the council in pounds, like 125000 or 125000.50"),
        widget=GovTextInput(),
        validators=[DataRequired(_l("Enter what the council paid in the year"))],
    )
    provider_revenue = MoneyField(
        _l("Provider's revenue from the contract (£, where provided)"),
        invalid=_l("Enter the provider's revenue in pounds, like 125000 or 125000.50"),
        widget=GovTextInput(),
    )
    provider_margin = MoneyField(
        _l("Provider's margin (£, where provided)"),
        invalid=_l("Enter the provider's margin in pounds, like 125000 or 125000.50"),
        widget=GovTextInput(),
        description=_l("Profit before tax on the contract; a loss is negative, like -12000"),
    )
    source = StringField(
        _l("Source"),
        widget=GovTextInput(),
        description=_l("The open-book statement or accounts the figures come from"),
        validators=[
            DataRequired(_l("Say where the figures come from")),
            max_length(500, _l("The source")),
        ],
    )
    submit = SubmitField(_l("Record the figures"), widget=GovSubmitInput())


class StandardsReportForm(FlaskForm):
    report = SelectField(
        _l("Report"),
        widget=GovSelect(),
        validate_choice=False,  # the service says why another report is refused
        validators=[InputRequired(_l("Choose the report"))],
    )
    status = RadioField(
        _l("Outcome"),
        widget=GovRadioInput(),
        choices=[
            (ReportStatus.MET.value, _l("Met: the standard was kept")),
            (ReportStatus.MISSED.value, _l("Missed: the standard was not kept")),
        ],
        validators=[InputRequired(_l("Say whether the standard was met or missed"))],
    )
    reported_on = _date(
        _l("Date the report was received"),
        _l("The date received"),
        _l("Enter the date received"),
    )
    evidence = TextAreaField(
        _l("Evidence"),
        widget=GovTextArea(),
        description=_l("What the report showed, and for a miss, what happens next"),
        validators=[
            DataRequired(_l("Describe the evidence")),
            max_length(4000, _l("The evidence note")),
        ],
    )
    document_reference = StringField(
        _l("Document reference (optional)"),
        widget=GovTextInput(),
        validators=[max_length(300, _l("The document reference"))],
    )
    submit = SubmitField(_l("Record the report"), widget=GovSubmitInput())
