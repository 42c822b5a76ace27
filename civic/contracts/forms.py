"""Forms for the contract register: a moderator's contract form (new and edit), publishing,
and reading the generated minimum-standards rows."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
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
from wtforms import (
    DecimalField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Optional, StopValidation

from civic.contracts.models import ProviderType
from civic.forms import DayMonthYearField, max_length
from civic.params import MAX_BIGINT
from civic.votes.models import ANSWERS, Standard

NEW_PROVIDER = "new"
_AMOUNT = re.compile(r"[+-]?\d+(\.\d{1,2})?")


class MoneyField(DecimalField):
    """An amount in pounds as people type it ("£1,250,000", "1250000.50"), held as pence.

    Not a number, or more than two decimal places: `invalid_message`. The sign is kept, so
    the service can say that a value cannot be negative (one rule, in one place)."""

    def __init__(self, *args: Any, invalid_message: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invalid_message = invalid_message

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist:
            return
        cleaned = re.sub(r"[\s,£]", "", str(valuelist[0]))
        if not cleaned:
            self.data = None
            return
        if not _AMOUNT.fullmatch(cleaned) or len(cleaned) > 20:
            self.data = None
            raise ValueError(self.invalid_message)
        try:
            pence = int(Decimal(cleaned) * 100)
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            self.data = None
            raise ValueError(self.invalid_message) from None
        if abs(pence) > MAX_BIGINT:
            self.data = None
            raise ValueError(self.invalid_message)
        self.data = pence

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        if isinstance(self.data, int):
            pounds, pence = divmod(self.data, 100)
            return f"{pounds}" if not pence else f"{pounds}.{pence:02d}"
        return ""

    def pre_validate(self, form: Any) -> None:
        if self.process_errors:
            raise StopValidation()


def _money(label: str, words: str) -> MoneyField:
    return MoneyField(
        label,
        widget=GovTextInput(),
        invalid_message=f"Enter {words} in pounds, like 250,000 or 250,000.50",
        validators=[InputRequired(f"Enter {words} in pounds")],
    )


def _day(label: str, verb: str) -> DayMonthYearField:
    """A required date in day, month and year boxes ("The start date must be a real date")."""
    return DayMonthYearField(
        label,
        widget=GovDateInput(),
        format="%d %m %Y",
        error_name=f"The {label.lower()}",
        validators=[InputRequired(f"Give the date the contract {verb}")],
    )


class ContractForm(FlaskForm):
    """Every field of a contract; the terms are generated rows read by `read_terms`."""

    reference = StringField(
        "Reference",
        widget=GovTextInput(),
        description="The council's own reference, for example RIV-2025-LEISURE",
        validators=[
            DataRequired("Give the contract's reference"),
            max_length(120, "The reference"),
        ],
    )
    title = StringField(
        "Title",
        widget=GovTextInput(),
        validators=[DataRequired("Give the contract a title"), max_length(200, "The title")],
    )
    service = StringField(
        "Service or asset",
        widget=GovTextInput(),
        validators=[DataRequired("Name the service or asset"), max_length(200, "The service")],
    )
    area = SelectField("Area it serves", widget=GovSelect(), validate_choice=False)
    provider = SelectField(
        "Provider",
        widget=GovSelect(),
        validate_choice=False,
        description="Choose a provider on the register, or add a new one below",
    )
    provider_name = StringField(
        "New provider's name",
        widget=GovTextInput(),
        validators=[max_length(200, "The provider's name")],
    )
    provider_kind = RadioField(
        "New provider's type",
        choices=[(kind.value, kind.label) for kind in ProviderType],
        widget=GovRadioInput(),
        validators=[Optional()],
        validate_choice=False,
    )
    provider_identifier = StringField(
        "New provider's Companies House or charity number (optional)",
        widget=GovTextInput(),
        validators=[max_length(100, "The identifier")],
    )
    annual_value = _money("Value per year, in pounds", "the value per year")
    total_value = _money("Total value over the whole contract, in pounds", "the total value")
    start_date = _day("Start date", "starts")
    end_date = _day("End date", "ends")
    break_clause = TextAreaField(
        "Break clause",
        widget=GovTextArea(),
        description="When and how the council can end the contract early",
        validators=[max_length(5000, "The break clause")],
    )
    summary = TextAreaField(
        "Summary",
        widget=GovTextArea(),
        description="What the contract buys, in plain words. You can use Markdown.",
        validators=[max_length(20000, "The summary")],
    )
    proposal = SelectField(
        "Approved by a public vote",
        widget=GovSelect(),
        validate_choice=False,
        description="The decided outsourcing proposal whose vote approved this contract, if any",
    )
    reason = TextAreaField(
        "Why the published contract changes (published)",
        widget=GovTextArea(),
        description="Shown in the contract's version history beside what changed. "
        "At least 10 characters.",
        validators=[max_length(2000, "The reason")],
    )
    version = HiddenField()
    submit = SubmitField("Save the contract", widget=GovSubmitInput())


class PublishForm(FlaskForm):
    submit = SubmitField("Publish on the register", widget=GovSubmitInput())


def read_terms(form: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """The answered minimum standards from the generated rows (`<standard>-answer`,
    `<standard>-note`); a standard left unanswered is left out."""
    terms: dict[str, tuple[str, str]] = {}
    for standard in Standard:
        answer = (form.get(f"{standard.value}-answer") or "").strip()
        if answer:
            terms[standard.value] = (answer, (form.get(f"{standard.value}-note") or "").strip())
    return terms


def term_rows(
    answers: Mapping[str, tuple[str, str]],
) -> list[tuple[Standard, str, str]]:
    """(standard, answer, note) for each standard, for the form's generated rows."""
    return [(s, *answers.get(s.value, ("", ""))) for s in Standard]


TERM_ANSWERS = ANSWERS
