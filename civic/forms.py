"""Form helpers shared by every domain."""

from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import DateField, ValidationError

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

    def process_formdata(self, valuelist: list[str]) -> None:
        parts = [*list(valuelist)[:3], "", "", ""][:3]
        self.raw_data = parts
        super().process_formdata([" ".join(p.strip() for p in parts)] if any(parts) else [])
