"""Forms of the notifications pages: the settings form is built per person, since
moderators choose about kinds that residents never see."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput
from wtforms import RadioField, SubmitField

from civic.i18n import lazy_gettext as _l
from civic.notifications.inbox import DELIVERY_LABELS
from civic.notifications.kinds import KINDS, Delivery, Kind


class PreferencesForm(FlaskForm):
    """One radio group per kind (fields named by the kind's value), added by `preferences_form`."""

    submit = SubmitField(_l("Save settings"), widget=GovSubmitInput())


def preferences_form(kinds: list[Kind], chosen: dict[Kind, Delivery]) -> PreferencesForm:
    """The settings form for one person: a class per call, since the kinds (fields) differ
    between residents and moderators; each starts at the person's current choice."""

    class Form(PreferencesForm):
        pass

    for kind in kinds:
        setattr(
            Form,
            kind.value,
            RadioField(
                KINDS[kind].label,
                choices=[(delivery.value, DELIVERY_LABELS[delivery]) for delivery in Delivery],
                default=chosen[kind].value,
                validate_choice=False,  # the service names the problem instead
                widget=GovRadioInput(),
            ),
        )
    return Form()


class PlainForm(FlaskForm):
    """No fields: the CSRF token is the whole form (mark all read, follow buttons)."""
