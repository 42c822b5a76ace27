"""Forms for naming constituencies, proving membership and opening a subject to them."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired

from civic.accounts.constituencies import KIND_LABELS
from civic.forms import max_length
from civic.i18n import lazy_gettext as _l


class ConstituencyForm(FlaskForm):
    name = StringField(
        _l("Name"),
        widget=GovTextInput(),
        description=_l("Who they are, as residents would say it: “Leisure centre staff”"),
        validators=[
            DataRequired(_l("Give the constituency a name")),
            max_length(120, _l("The name")),
        ],
    )
    slug = StringField(
        _l("Short name for web addresses"),
        widget=GovTextInput(),
        description=_l("Lower-case letters, numbers and hyphens, like leisure-staff"),
        validators=[DataRequired(_l("Give a short name")), max_length(64, _l("The short name"))],
    )
    kind = RadioField(
        _l("Who belongs"),
        choices=[(kind.value, label) for kind, label in KIND_LABELS.items()],
        default="staff",
        widget=GovRadioInput(),
    )
    area = SelectField(_l("Area"), widget=GovSelect(), coerce=int)
    group = SelectField(
        _l("Group (only for members of a group)"), widget=GovSelect(), coerce=int, default=0
    )
    description = TextAreaField(
        _l("Description"),
        widget=GovTextArea(),
        description=_l("Who counts as a member and how they can show it"),
        validators=[max_length(2000, _l("The description"))],
    )
    submit = SubmitField(_l("Create the constituency"), widget=GovSubmitInput())


class ConfirmMemberForm(FlaskForm):
    email = StringField(
        _l("Their email address"),
        widget=GovTextInput(),
        validators=[
            DataRequired(_l("Enter the person's email address")),
            max_length(254, _l("The email address")),
        ],
    )
    note = StringField(
        _l("How membership was checked"),
        widget=GovTextInput(),
        description=_l("For example: staff pass seen at the leisure centre"),
        validators=[
            DataRequired(_l("Say how membership was checked")),
            max_length(200, _l("How membership was checked")),
        ],
    )
    submit = SubmitField(_l("Confirm membership"), widget=GovSubmitInput())


class OpenToForm(FlaskForm):
    constituencies = SelectMultipleField(
        _l("Who can take part"),
        widget=GovCheckboxesInput(),
        coerce=int,
        description=_l(
            "Tick none to keep it open to the residents of the area only. Tick "
            "“Residents of the area” as well to mix residents with staff or users."
        ),
    )
    submit = SubmitField(_l("Save who can take part"), widget=GovSubmitInput())
