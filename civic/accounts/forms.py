"""Forms for accounts, areas, groups and eligibility (GOV.UK widgets, CSRF from Flask-WTF)."""

from __future__ import annotations

from flask_login import current_user
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
from civic.accounts.services import email_problem
from civic.forms import WholeNumberField, max_length


def _new_password(label: str, missing: str) -> PasswordField:
    """A new password field: the same rules on registration and on a change of password."""
    return PasswordField(
        label,
        widget=GovPasswordInput(),
        validators=[DataRequired(missing)],
        description="At least 10 characters and at most 128. Several unrelated words are easy "
        "to remember.",
    )


def _confirm_password(label: str, missing: str, mismatch: str) -> PasswordField:
    return PasswordField(
        label,
        widget=GovPasswordInput(),
        validators=[DataRequired(missing), EqualTo("password", mismatch)],
    )


def _well_formed_email(_form: FlaskForm, field: StringField) -> None:
    """Check the address's shape in the form, with the other fields: left to the service
    it was reported only once everything else was right, one problem at a time. Whether
    an account uses the address is never said by a form (see services.register)."""
    if field.data and (problem := email_problem(field.data)):
        raise ValidationError(problem)


def _email_field(label: str, missing: str, called: str, description: str = "") -> StringField:
    """An email address field: required, at most 254 characters, checked for shape."""
    return StringField(
        label,
        widget=GovTextInput(),
        description=description,
        validators=[DataRequired(missing), max_length(254, called), _well_formed_email],
    )


class RegisterForm(FlaskForm):
    email = _email_field("Email address", "Enter your email address", "Your email address")
    display_name = StringField(
        "Your name, as other residents will see it",
        widget=GovTextInput(),
        validators=[DataRequired("Enter your name"), max_length(80, "Your name")],
    )
    password = _new_password("Password", "Enter a password")
    confirm = _confirm_password(
        "Confirm password", "Enter the password again", "The passwords do not match"
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


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password",
        widget=GovPasswordInput(),
        validators=[DataRequired("Enter your current password")],
    )
    password = _new_password("New password", "Enter a new password")
    confirm = _confirm_password(
        "Confirm new password", "Enter the new password again", "The new passwords do not match"
    )
    submit = SubmitField("Change password", widget=GovSubmitInput())

    def validate_password(self, field: PasswordField) -> None:
        """Say at once if the new password is weak, alongside any other errors on the form."""
        if problem := password_problem(
            field.data or "",
            email=getattr(current_user, "email", ""),
            name=getattr(current_user, "display_name", ""),
        ):
            raise ValidationError(problem)


class ForgotPasswordForm(FlaskForm):
    email = _email_field(
        "Email address",
        "Enter your email address",
        "Your email address",
        "The address you use to sign in to Civic.",
    )
    submit = SubmitField("Send the link", widget=GovSubmitInput())


class ResetPasswordForm(FlaskForm):
    password = _new_password("New password", "Enter a new password")
    confirm = _confirm_password(
        "Confirm new password", "Enter the new password again", "The new passwords do not match"
    )
    submit = SubmitField("Set new password", widget=GovSubmitInput())


class ChangeEmailForm(FlaskForm):
    email = _email_field(
        "New email address",
        "Enter your new email address",
        "Your new email address",
        "We will send a link to this address. Your address changes only when you follow it.",
    )
    current_password = PasswordField(
        "Current password",
        widget=GovPasswordInput(),
        validators=[DataRequired("Enter your current password")],
    )
    submit = SubmitField("Send the link", widget=GovSubmitInput())


class ConfirmLinkForm(FlaskForm):
    """The button on a page an emailed link opens: following the link (a GET, which mail
    scanners also do) changes nothing; pressing the button (a POST) does."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())


class ResendConfirmationForm(FlaskForm):
    submit = SubmitField("Send the link again", widget=GovSubmitInput())


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
        "Name",
        widget=GovTextInput(),
        validators=[DataRequired("Enter a name"), max_length(120, "The name")],
    )
    slug = StringField(
        "Short name for web addresses",
        widget=GovTextInput(),
        description="Lower-case letters, numbers and hyphens, e.g. north-ward",
        validators=[DataRequired("Enter a short name"), max_length(64, "The short name")],
    )
    kind = RadioField("Kind of area", choices=AREA_KINDS, default="ward", widget=GovRadioInput())
    postcode_districts = StringField(
        "Postcode districts",
        widget=GovTextInput(),
        description="Separated by spaces, e.g. LS6 LS16",
        validators=[max_length(400, "The postcode districts")],
    )
    description = TextAreaField(
        "Description", widget=GovTextArea(), validators=[max_length(2000, "The description")]
    )
    submit = SubmitField("Save area", widget=GovSubmitInput())


class GroupForm(FlaskForm):
    name = StringField(
        "Group name",
        widget=GovTextInput(),
        validators=[DataRequired("Enter a name"), max_length(120, "The group name")],
    )
    slug = StringField(
        "Short name for web addresses",
        widget=GovTextInput(),
        description="Lower-case letters, numbers and hyphens",
        validators=[DataRequired("Enter a short name"), max_length(64, "The short name")],
    )
    area = SelectField("Area", widget=GovSelect(), coerce=int)
    organiser_email = StringField(
        "Organiser's email address (optional)",
        widget=GovTextInput(),
        validators=[max_length(254, "The organiser's email address")],
    )
    description = TextAreaField(
        "What the group does",
        widget=GovTextArea(),
        validators=[max_length(2000, "What the group does")],
    )
    submit = SubmitField("Create group", widget=GovSubmitInput())


class MemberForm(FlaskForm):
    """Invite someone by email: they join only when they accept."""

    email = StringField(
        "Their email address",
        widget=GovTextInput(),
        description="They will see the invitation when they sign in to Civic, or when they "
        "create an account with this address and confirm it.",
        validators=[
            DataRequired("Enter the email address of the person to invite"),
            max_length(254, "The email address"),
        ],
    )
    role = RadioField(
        "Invite them as",
        choices=[
            (GroupRole.MEMBER.value, "Member"),
            (GroupRole.ORGANISER.value, "Organiser (their name is shown on the group page)"),
        ],
        default=GroupRole.MEMBER.value,
        widget=GovRadioInput(),
    )
    submit = SubmitField("Send invitation", widget=GovSubmitInput())


class ShowNameForm(FlaskForm):
    """A member's choice to have their name on the group's public page."""

    show_name = RadioField(
        "Show my name on the group page",
        choices=[
            ("yes", "Yes, show my name to everyone"),
            ("no", "No, count me but do not show my name"),
        ],
        widget=GovRadioInput(),
        validators=[InputRequired("Choose whether to show your name")],
    )
    submit = SubmitField("Save my choice", widget=GovSubmitInput())


class CodeBatchForm(FlaskForm):
    count = WholeNumberField(
        "Number of letters",
        widget=GovTextInput(),
        invalid_message="Enter the number of letters as a whole number, like 200",
        validators=[
            InputRequired("Enter how many codes to make"),
            NumberRange(1, 5000, "Enter a number between 1 and 5,000"),
        ],
    )
    valid_days = WholeNumberField(
        "Days the codes stay valid",
        widget=GovTextInput(),
        invalid_message="Enter the days as a whole number, like 90",
        default=90,
        validators=[
            InputRequired("Enter how many days the codes stay valid"),
            NumberRange(1, 730, "Enter a number of days between 1 and 730"),
        ],
    )
    note = StringField(
        "Note (e.g. which streets the letters go to)",
        widget=GovTextInput(),
        validators=[max_length(200, "The note")],
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
        validators=[
            DataRequired("Enter the resident's email address"),
            max_length(254, "The resident's email address"),
        ],
    )
    area = SelectField("Area", widget=GovSelect(), coerce=int)
    note = StringField(
        "How residence was checked",
        widget=GovTextInput(),
        description="For example: council tax bill seen at the library drop-in",
        validators=[
            DataRequired("Say how residence was checked"),
            max_length(200, "How residence was checked"),
        ],
    )
    submit = SubmitField("Confirm eligibility", widget=GovSubmitInput())


class RoleForm(FlaskForm):
    role = SelectField(
        "Role", choices=[(r.value, r.value.capitalize()) for r in Role], widget=GovSelect()
    )
    submit = SubmitField("Change role", widget=GovSubmitInput())


ERASE_COMMENT_CHOICES = [
    ("remove", "Remove them: each shows \u201cRemoved at the author\u2019s request\u201d"),
    ("anonymise", "Keep them, shown as from \u201cA former resident\u201d"),
]


class DeleteAccountForm(FlaskForm):
    """The first step of deleting your own account: the choice for comments and the
    password (a borrowed, signed-in computer cannot delete the account)."""

    comments = RadioField(
        "What should happen to your public comments?",
        choices=ERASE_COMMENT_CHOICES,
        widget=GovRadioInput(),
        validators=[InputRequired("Choose what happens to your public comments")],
    )
    password = PasswordField(
        "Your password",
        widget=GovPasswordInput(),
        validators=[DataRequired("Enter your password")],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class ConfirmDeleteForm(FlaskForm):
    """The second step: the signed confirmation from the first, and one button."""

    confirmation = StringField(validators=[DataRequired("Start again")])
    submit = SubmitField("Delete my account", widget=GovSubmitInput())


class EraseAccountForm(FlaskForm):
    """An administrator erasing an account on the person's written request."""

    comments = RadioField(
        "What should happen to their public comments?",
        choices=ERASE_COMMENT_CHOICES,
        widget=GovRadioInput(),
        validators=[InputRequired("Choose what happens to their public comments")],
    )
    submit = SubmitField("Erase this account", widget=GovSubmitInput())
