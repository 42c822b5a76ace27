"""Form helpers shared by every domain."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError, _FlaskFormCSRF, validate_csrf
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSubmitInput, GovTextArea
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.csrf.core import CSRFTokenField
from wtforms.validators import DataRequired, Length, StopValidation

from civic.errors import ValidationFailed
from civic.i18n import _
from civic.i18n import lazy_gettext as _l


class LazyCSRFTokenField(CSRFTokenField):
    """A CSRF field that makes its token when the form is rendered, not when it is built.

    WTForms makes the token as soon as a form is constructed, and Flask-WTF keeps it in the
    session: a public page whose view builds a form it then does not show (a comment form
    for someone not signed in) would set a session cookie, and no proxy could cache it.
    """

    def process(self, *args: Any, **kwargs: Any) -> None:
        HiddenField.process(self, *args, **kwargs)  # no token yet: see current_token

    @property  # type: ignore[override]
    def current_token(self) -> str:
        token = self.__dict__.get("_token")
        if token is None:
            token = self.__dict__["_token"] = self.csrf_impl.generate_csrf_token(self)
        return token

    @current_token.setter
    def current_token(self, value: str) -> None:
        self.__dict__["_token"] = value


class LazyFlaskFormCSRF(_FlaskFormCSRF):
    """Flask-WTF's form CSRF check, unchanged, with the token made on first render."""

    field_class = LazyCSRFTokenField


def use_lazy_csrf_tokens() -> None:
    """Make every FlaskForm's token lazily (called once by the app factory).

    Set on FlaskForm's Meta rather than on a Civic base class, so that every form in every
    domain (and any added later) gets it without each importing something new.
    """
    FlaskForm.Meta.csrf_class = LazyFlaskFormCSRF


def translate_widget_errors() -> None:
    """Give every GOV.UK form widget's error message its hidden "Error:" in the page's
    language (called once by civic.web.init_app).

    govuk-frontend-wtf hands the GOV.UK error-message macro only the text, and the macro
    falls back to the English "Error" for what screen readers hear first; this adds
    `visuallyHiddenText`, made per render, to the params the widgets build.
    """
    from govuk_frontend_wtf.gov_form_base import GovFormBase, GovIterableBase

    for widget in (GovFormBase, GovIterableBase):
        original = widget.__dict__["map_gov_params"]
        if getattr(original, "civic_translated", False):
            continue

        def map_gov_params(self: Any, field: Any, _original: Any = original, **kwargs: Any) -> Any:
            params = _original(self, field, **kwargs)
            if params.get("errorMessage"):
                params["errorMessage"].setdefault("visuallyHiddenText", _("Error"))
            return params

        map_gov_params.civic_translated = True  # type: ignore[attr-defined]
        widget.map_gov_params = map_gov_params


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


_PART_NAMES = {"day": _l("day"), "month": _l("month"), "year": _l("year")}


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
        name = str(self.error_name or self.label.text)
        missing = [part for part, value in zip(self.PARTS, parts, strict=True) if not value.strip()]
        if missing and len(missing) < len(self.PARTS):
            self.data = None
            words = [str(_PART_NAMES[part]) for part in missing]
            if len(words) == 2:
                what = _("%(first)s and %(second)s", first=words[0], second=words[1])
            else:
                what = words[0]
            raise ValueError(_("%(name)s must include a %(parts)s", name=name, parts=what))
        try:
            super().process_formdata([" ".join(p.strip() for p in parts)])
        except ValueError:  # WTForms would say "Not a valid date value."
            raise ValueError(_("%(name)s must be a real date", name=name)) from None


_WHOLE_NUMBER = re.compile(r"[+-]?\d+")


class WholeNumberField(IntegerField):
    """A whole number as people type it: "1200", "1,200", "£1,200" and "€ 1 200" all mean 1200.

    Anything else fails with `invalid_message` (WTForms would say "Not a valid integer value.").
    """

    def __init__(self, *args: Any, invalid_message: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invalid_message = invalid_message or _l("Enter a whole number, like 1200")

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist:
            return
        cleaned = re.sub(r"[\s,£€]", "", str(valuelist[0]))
        if not cleaned:
            self.data = None  # InputRequired or Optional decides whether that is allowed
            return
        if not _WHOLE_NUMBER.fullmatch(cleaned):
            self.data = None
            raise ValueError(str(self.invalid_message))
        self.data = int(cleaned)

    def pre_validate(self, form: Any) -> None:
        if self.process_errors:  # one message: not also the range's
            raise StopValidation()


def max_length(limit: int, name: str) -> Length:
    """A Length validator that says "Title must be 200 characters or fewer".

    `name` may be a lazy string (`_l("The title")`): the message is made in the language
    of the request that shows it, not when the form class is defined.
    """
    grouped = f"{limit:,}"
    return Length(
        max=limit,
        message=_l("%(name)s must be %(limit)s characters or fewer", name=name, limit=grouped),
    )


@dataclass(frozen=True)
class CloseWording:
    """What a close form says, for one kind of thing (a vote, a consultation)."""

    confirm: str  # the box the officer ticks: what cannot be undone
    confirm_error: str  # when it is not ticked
    reason: str  # the reason's label
    reason_hint: str  # the reason's hint: who was told what, where the reason is shown
    submit: str


class CloseForm(FlaskForm):
    """Closing a vote or a consultation by hand: the officer confirms the close is final and,
    before the published closing date, gives the reason that is published with it.

    One form for both, so residents and officers meet the same confirmation everywhere;
    each caller passes its own `wording`. The reason's rules (10 characters at least, only
    when early) belong to the services (civic.clock.early_reason); the form keeps only the
    length cap, so a too-long paste is refused before it reaches them.
    """

    confirm = BooleanField(widget=GovCheckboxInput())
    reason = TextAreaField(widget=GovTextArea(), validators=[max_length(2000, _l("The reason"))])
    submit = SubmitField(widget=GovSubmitInput())

    def __init__(self, *args: Any, wording: CloseWording, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.confirm.label.text = wording.confirm
        self.confirm.validators = [DataRequired(wording.confirm_error)]
        self.confirm.flags.required = True
        self.reason.label.text = wording.reason
        self.reason.description = wording.reason_hint
        self.submit.label.text = wording.submit
