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
from wtforms.validators import DataRequired, InputRequired, Length, Optional, StopValidation

from civic.contracts.models import ProviderType
from civic.forms import DayMonthYearField
from civic.i18n import lazy_gettext as _l
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


def _money(label: str, invalid: str, missing: str) -> MoneyField:
    return MoneyField(
        label,
        widget=GovTextInput(),
        invalid_message=invalid,
        validators=[InputRequired(missing)],
    )


def _day(label: str, error_name: str, missing: str) -> DayMonthYearField:
    """A required date in day, month and year boxes ("The start date must be a real date")."""
    return DayMonthYearField(
        label,
        widget=GovDateInput(),
        format="%d %m %Y",
        error_name=error_name,
        validators=[InputRequired(missing)],
    )


def _max(limit: int, message: str) -> Length:
    """A length cap whose message is already written out ("... 200 characters or fewer")."""
    return Length(max=limit, message=message)


class ContractForm(FlaskForm):
    """Every field of a contract; the terms are generated rows read by `read_terms`."""

    reference = StringField(
        _l("Reference"),
        widget=GovTextInput(),
        description=_l("The council's own reference, for example RIV-2025-LEISURE"),
        validators=[
            DataRequired(_l("Give the contract's reference")),
            _max(120, _l("The reference must be 120 characters or fewer")),
        ],
    )
    title = StringField(
        _l("Title"),
        widget=GovTextInput(),
        validators=[
            DataRequired(_l("Give the contract a title")),
            _max(200, _l("The title must be 200 characters or fewer")),
        ],
    )
    service = StringField(
        _l("Service or asset"),
        widget=GovTextInput(),
        validators=[
            DataRequired(_l("Name the service or asset")),
            _max(200, _l("The service must be 200 characters or fewer")),
        ],
    )
    area = SelectField(_l("Area it serves"), widget=GovSelect(), validate_choice=False)
    provider = SelectField(
        _l("Provider"),
        widget=GovSelect(),
        validate_choice=False,
        description=_l("Choose a provider on the register, or add a new one below"),
    )
    provider_name = StringField(
        _l("New provider's name"),
        widget=GovTextInput(),
        validators=[_max(200, _l("The provider's name must be 200 characters or fewer"))],
    )
    provider_kind = RadioField(
        _l("New provider's type"),
        choices=[(kind.value, kind.shown) for kind in ProviderType],
        widget=GovRadioInput(),
        validators=[Optional()],
        validate_choice=False,
    )
    provider_identifier = StringField(
        _l("New provider's Companies House or charity number (optional)"),
        widget=GovTextInput(),
        validators=[_max(100, _l("The identifier must be 100 characters or fewer"))],
    )
    annual_value = _money(
        _l("Value per year, in pounds"),
        _l("Enter the value per year in pounds, like 250,000 or 250,000.50"),
        _l("Enter the value per year in pounds"),
    )
    total_value = _money(
        _l("Total value over the whole contract, in pounds"),
        _l("Enter the total value in pounds, like 250,000 or 250,000.50"),
        _l("Enter the total value in pounds"),
    )
    start_date = _day(
        _l("Start date"), _l("The start date"), _l("Give the date the contract starts")
    )
    end_date = _day(_l("End date"), _l("The end date"), _l("Give the date the contract ends"))
    break_clause = TextAreaField(
        _l("Break clause"),
        widget=GovTextArea(),
        description=_l("When and how the council can end the contract early"),
        validators=[_max(5000, _l("The break clause must be 5,000 characters or fewer"))],
    )
    summary = TextAreaField(
        _l("Summary"),
        widget=GovTextArea(),
        description=_l("What the contract buys, in plain words. You can use Markdown."),
        validators=[_max(20000, _l("The summary must be 20,000 characters or fewer"))],
    )
    proposal = SelectField(
        _l("Approved by a public vote"),
        widget=GovSelect(),
        validate_choice=False,
        description=_l(
            "The decided outsourcing proposal whose vote approved this contract, if any"
        ),
    )
    reason = TextAreaField(
        _l("Why the published contract changes (published)"),
        widget=GovTextArea(),
        description=_l(
            "Shown in the contract's version history beside what changed. At least 10 characters."
        ),
        validators=[_max(2000, _l("The reason must be 2,000 characters or fewer"))],
    )
    version = HiddenField()
    submit = SubmitField(_l("Save the contract"), widget=GovSubmitInput())


class PublishForm(FlaskForm):
    submit = SubmitField(_l("Publish on the register"), widget=GovSubmitInput())


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
