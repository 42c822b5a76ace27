"""Form helpers shared by every domain."""

from __future__ import annotations

import re
from typing import Any

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import DateField, IntegerField, ValidationError
from wtforms.validators import Length, StopValidation

from civic.errors import ValidationFailed


def attach_errors(form: FlaskForm, failure: ValidationFailed) -> None:
    """Show a service's validation messages next to the fields they are about.

    A message for a field the form does not have goes to the form as a whole, so the
    error summary still lists it.
    """
    for name, message in failure.errors.items():
        field = form._fields.get(name)
        if field is not None:
            field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]
        else:
            form.form_errors.append(message)


def check_csrf() -> None:
    """For forms parsed by hand (ballots, generated rows): the same CSRF check as WTForms."""
    token = request.form.get("csrf_token") or request.headers.get("X-CSRFToken", "")
    try:
        validate_csrf(token)
    except ValidationError:
        raise CSRFError("The form had expired") from None


class DayMonthYearField(DateField):
    """A date typed as day, month and year boxes; a short or missing part is a field error
    (the GOV.UK widget expects exactly three values and would otherwise fail)."""

    PARTS = ("day", "month", "year")

    def __init__(self, *args: Any, error_name: str | None = None, **kwargs: Any) -> None:
        """`error_name` starts the error messages ("The opening date must be a real date");
        the label by default."""
        super().__init__(*args, **kwargs)
        self.error_name = error_name

    def process_formdata(self, valuelist: list[str]) -> None:
        parts = [*list(valuelist)[:3], "", "", ""][:3]
        self.raw_data = parts
        if not any(parts):
            super().process_formdata([])
            return
        name = self.error_name or self.label.text
        missing = [part for part, value in zip(self.PARTS, parts, strict=True) if not value.strip()]
        if missing and len(missing) < len(self.PARTS):
            self.data = None
            raise ValueError(f"{name} must include a {' and '.join(missing)}")
        try:
            super().process_formdata([" ".join(p.strip() for p in parts)])
        except ValueError:  # WTForms would say "Not a valid date value."
            raise ValueError(f"{name} must be a real date") from None


_WHOLE_NUMBER = re.compile(r"[+-]?\d+")


class WholeNumberField(IntegerField):
    """A whole number as people type it: "1200", "1,200", "£1,200" and "€ 1 200" all mean 1200.

    Anything else fails with `invalid_message` (WTForms would say "Not a valid integer value.").
    """

    def __init__(
        self, *args: Any, invalid_message: str = "Enter a whole number, like 1200", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.invalid_message = invalid_message

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist:
            return
        cleaned = re.sub(r"[\s,£€]", "", str(valuelist[0]))
        if not cleaned:
            self.data = None  # InputRequired or Optional decides whether that is allowed
            return
        if not _WHOLE_NUMBER.fullmatch(cleaned):
            self.data = None
            raise ValueError(self.invalid_message)
        self.data = int(cleaned)

    def pre_validate(self, form: Any) -> None:
        if self.process_errors:  # one message: not also the range's
            raise StopValidation()


def max_length(limit: int, name: str) -> Length:
    """A Length validator that says "Title must be 200 characters or fewer"."""
    return Length(max=limit, message=f"{name} must be {limit:,} characters or fewer")
