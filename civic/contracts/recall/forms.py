"""Forms for signing and withdrawing from a recall petition, and starting a review."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSubmitInput
from wtforms import BooleanField, SubmitField
from wtforms.validators import DataRequired

from civic.i18n import lazy_gettext as _l


class SignForm(FlaskForm):
    confirm = BooleanField(
        _l(
            "I live in this area and I want the council to review this contract, with "
            "bringing the service in-house as the default"
        ),
        widget=GovCheckboxInput(),
        validators=[DataRequired(_l("Tick the box to confirm you want to sign the petition"))],
    )
    submit = SubmitField(_l("Sign the recall petition"), widget=GovSubmitInput())


class WithdrawForm(FlaskForm):
    submit = SubmitField(_l("Withdraw my signature"), widget=GovSubmitInput())


class StartReviewForm(FlaskForm):
    submit = SubmitField(_l("Start the review"), widget=GovSubmitInput())
