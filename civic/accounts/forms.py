"""Forms for accounts, areas, groups and eligibility (GOV.UK widgets, CSRF from Flask-WTF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovPasswordInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    ValidationError,
)

from civic.accounts.models import GroupRole, Role
from civic.accounts.passwords import password_problem


class RegisterForm(FlaskForm):
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        validators=[DataRequired("Enter your email address"), Length(max=254)],
    )
    display_name = StringField(
        "Your name, as other residents will see it",
        widget=GovTextInput(),
        validators=[DataRequired("Enter your name"), Length(max=80)],
    )
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[DataRequired("Enter a password")],
        description="At least 10 characters. Several unrelated words are easy to remember.",
    )
    confirm = PasswordField(
        "Confirm password",
        widget=GovPasswordInput(),
        validators=[
            DataRequired("Enter the password again"),
            EqualTo("password", "The passwords do not match"),
        ],
    )
    submit = SubmitField("Create account", widget=GovSubmitInput())

    def validate_password(self, field: PasswordField) -> None:
        """Say at once if the password is weak, alongside any other errors on the form."""
        if problem := password_problem(
            field.data or "", email=self.email.data or "", name=self.display_name.data or ""
        ):
            raise ValidationError(problem)


class SignInForm(FlaskForm):
    email = StringField(
        "Email address", widget=GovTextInput(), validators=[DataRequired("Enter your email")]
    )
    password = PasswordField(
        "Password", widget=GovPasswordInput(), validators=[DataRequired("Enter your password")]
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class SignOutForm(FlaskForm):
    """Signing out is a POST with a CSRF token, so another site cannot sign you out."""

    submit = SubmitField("Sign out", widget=GovSubmitInput())


class RedeemCodeForm(FlaskForm):
    code = StringField(
        "Code from your letter",
        widget=GovTextInput(),
        description="12 letters and numbers, for example 7K2M-Q9XD-4HPA",
        validators=[Length(max=40, message="Codes are 12 letters and numbers")],
    )
    submit = SubmitField("Use code", widget=GovSubmitInput())


AREA_KINDS = [("ward", "Ward"), ("neighbourhood", "Neighbourhood"), ("estate", "Estate")]


class AreaForm(FlaskForm):
    name = StringField(
        "Name", widget=GovTextInput(), validators=[DataRequired("Enter a name"), Length(max=120)]
    )
    slug = StringField(
        "Short name for web addresses",
        widget=GovTextInput(),
        description="Lower-case letters, numbers and hyphens, e.g. north-ward",
        validators=[DataRequired("Enter a short name"), Length(max=64)],
    )
    kind = RadioField("Kind of area", choices=AREA_KINDS, default="ward", widget=GovRadioInput())
    postcode_districts = StringField(
        "Postcode districts",
        widget=GovTextInput(),
        description="Separated by spaces, e.g. LS6 LS16",
        validators=[Length(max=400)],
    )
    description = TextAreaField("Description", widget=GovTextArea(), validators=[Length(max=2000)])
    submit = SubmitField("Save area", widget=GovSubmitInput())


class GroupForm(FlaskForm):
    name = StringField(
        "Group name",
        widget=GovTextInput(),
        validators=[DataRequired("Enter a name"), Length(max=120)],
    )
    slug = StringField(
        "Short name for web addresses",
        widget=GovTextInput(),
        description="Lower-case letters, numbers and hyphens",
        validators=[DataRequired("Enter a short name"), Length(max=64)],
    )
    area = SelectField("Area", widget=GovSelect(), coerce=int)
    organiser_email = StringField(
        "Organiser's email address (optional)",
        widget=GovTextInput(),
        validators=[Length(max=254)],
    )
    description = TextAreaField(
        "What the group does", widget=GovTextArea(), validators=[Length(max=2000)]
    )
    submit = SubmitField("Create group", widget=GovSubmitInput())


class MemberForm(FlaskForm):
    email = StringField(
        "Member's email address",
        widget=GovTextInput(),
        validators=[DataRequired("Enter the member's email address"), Length(max=254)],
    )
    role = RadioField(
        "Role",
        choices=[(r.value, r.value.capitalize()) for r in GroupRole],
        default=GroupRole.MEMBER.value,
        widget=GovRadioInput(),
    )
    submit = SubmitField("Add member", widget=GovSubmitInput())


class CodeBatchForm(FlaskForm):
    count = IntegerField(
        "Number of letters",
        widget=GovTextInput(),
        validators=[
            InputRequired("Enter how many codes to make"),
            NumberRange(1, 5000, "Enter a number between 1 and 5,000"),
        ],
    )
    valid_days = IntegerField(
        "Days the codes stay valid",
        widget=GovTextInput(),
        default=90,
        validators=[
            InputRequired("Enter how many days the codes stay valid"),
            NumberRange(1, 730, "Enter a number of days between 1 and 730"),
        ],
    )
    note = StringField(
        "Note (e.g. which streets the letters go to)",
        widget=GovTextInput(),
        validators=[Length(max=200)],
    )
    fmt = RadioField(
        "Download as",
        choices=[("html", "Printable letters (one per page)"), ("csv", "CSV for a mail merge")],
        default="html",
        widget=GovRadioInput(),
    )
    submit = SubmitField("Generate and download", widget=GovSubmitInput())


class ConfirmEligibilityForm(FlaskForm):
    email = StringField(
        "Resident's email address",
        widget=GovTextInput(),
        validators=[DataRequired("Enter the resident's email address"), Length(max=254)],
    )
    area = SelectField("Area", widget=GovSelect(), coerce=int)
    note = StringField(
        "How residence was checked",
        widget=GovTextInput(),
        description="For example: council tax bill seen at the library drop-in",
        validators=[DataRequired("Say how residence was checked"), Length(max=200)],
    )
    submit = SubmitField("Confirm eligibility", widget=GovSubmitInput())


class RoleForm(FlaskForm):
    role = SelectField(
        "Role", choices=[(r.value, r.value.capitalize()) for r in Role], widget=GovSelect()
    )
    submit = SubmitField("Change role", widget=GovSubmitInput())
