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


class MoneyField(StringField):
    """An amount in pounds and pence as people type it ("£1,200", "1200.50", "-350"),
    held as pence; anything else is a field error, not a guess."""

    def __init__(self, *args: Any, words: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pence: int | None = None
        self.money_name = words

    def process_formdata(self, valuelist: list[str]) -> None:
        super().process_formdata(valuelist)
        self.pence = None
        text = (self.data or "").strip()
        if not text:
            return
        try:
            self.pence = periods.parse_amount(text, 2)
        except periods.AmountError:
            raise ValueError(
                f"Enter {self.money_name} in pounds, like 125000 or 125000.50"
            ) from None


def _date(label: str, name: str, *, required: bool) -> DayMonthYearField:
    return DayMonthYearField(
        label,
        widget=GovDateInput(),
        format="%d %m %Y",
        error_name=name,
        validators=[InputRequired(f"Enter {name.lower()}")] if required else [Optional()],
    )


class KpiForm(FlaskForm):
    name = StringField(
        "Indicator",
        widget=GovTextInput(),
        description="For example: Meals meeting the school food standards",
        validators=[DataRequired("Enter the indicator's name"), max_length(200, "The name")],
    )
    description = TextAreaField(
        "How it is measured (optional)",
        widget=GovTextArea(),
        validators=[max_length(2000, "The description")],
    )
    unit = SelectField(
        "Unit",
        widget=GovSelect(),
        choices=[(u.key, u.label) for u in periods.UNITS.values()],
    )
    decimals = SelectField(
        "Decimal places in the target and values",
        widget=GovSelect(),
        coerce=int,
        choices=[(n, str(n)) for n in range(periods.MAX_DECIMALS + 1)],
        default=1,
    )
    target = StringField(
        "Target",
        widget=GovTextInput(),
        description="A number, like 95 or 92.5",
        validators=[DataRequired("Enter the target")],
    )
    direction = RadioField(
        "Which way is better?",
        widget=GovRadioInput(),
        choices=[(d.value, d.label) for d in Direction],
        default=Direction.HIGHER.value,
    )
    period = RadioField(
        "How often it is reported",
        widget=GovRadioInput(),
        choices=[(p.value, p.label) for p in Period],
        default=Period.QUARTERLY.value,
        description="Quarters and years follow the council's financial year, from 1 April.",
    )
    reporting_from = _date("Reported from (optional)", "The date reporting starts", required=False)
    submit = SubmitField("Add the indicator", widget=GovSubmitInput())


class KpiValueForm(FlaskForm):
    period_start = SelectField(
        "Period",
        widget=GovSelect(),
        validate_choice=False,  # the service says why another period is refused
        validators=[InputRequired("Choose the period the value is for")],
    )
    value = StringField(
        "Value reported", widget=GovTextInput(), validators=[DataRequired("Enter the value")]
    )
    reported_on = _date("Date the provider reported it", "The report date", required=True)
    source = StringField(
        "Source (optional)",
        widget=GovTextInput(),
        description="The provider's report or the monitoring return it came from",
        validators=[max_length(500, "The source")],
    )
    submit = SubmitField("Record the value", widget=GovSubmitInput())


class FinanceForm(FlaskForm):
    year = SelectField("Financial year", widget=GovSelect(), coerce=int)
    cost_to_council = MoneyField(
        "Cost to the council (£)",
        words="the cost to the council",
        widget=GovTextInput(),
        validators=[DataRequired("Enter what the council paid in the year")],
    )
    provider_revenue = MoneyField(
        "Provider's revenue from the contract (£, where provided)",
        words="the provider's revenue",
        widget=GovTextInput(),
    )
    provider_margin = MoneyField(
        "Provider's margin (£, where provided)",
        words="the provider's margin",
        widget=GovTextInput(),
        description="Profit before tax on the contract; a loss is negative, like -12000",
    )
    source = StringField(
        "Source",
        widget=GovTextInput(),
        description="The open-book statement or accounts the figures come from",
        validators=[
            DataRequired("Say where the figures come from"),
            max_length(500, "The source"),
        ],
    )
    submit = SubmitField("Record the figures", widget=GovSubmitInput())


class StandardsReportForm(FlaskForm):
    report = SelectField(
        "Report",
        widget=GovSelect(),
        validate_choice=False,  # the service says why another report is refused
        validators=[InputRequired("Choose the report")],
    )
    status = RadioField(
        "Outcome",
        widget=GovRadioInput(),
        choices=[
            (ReportStatus.MET.value, "Met: the standard was kept"),
            (ReportStatus.MISSED.value, "Missed: the standard was not kept"),
        ],
        validators=[InputRequired("Say whether the standard was met or missed")],
    )
    reported_on = _date("Date the report was received", "The date received", required=True)
    evidence = TextAreaField(
        "Evidence",
        widget=GovTextArea(),
        description="What the report showed, and for a miss, what happens next",
        validators=[
            DataRequired("Describe the evidence"),
            max_length(4000, "The evidence note"),
        ],
    )
    document_reference = StringField(
        "Document reference (optional)",
        widget=GovTextInput(),
        validators=[max_length(300, "The document reference")],
    )
    submit = SubmitField("Record the report", widget=GovSubmitInput())
