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
from civic.i18n import ROLE_NAMES
from civic.i18n import lazy_gettext as _l
from civic.wording import AREA_KINDS as AREA_KIND_NAMES


def _new_password(label: str, missing: str) -> PasswordField:
    """A new password field: the same rules on registration and on a change of password."""
    return PasswordField(
        label,
        widget=GovPasswordInput(),
        validators=[DataRequired(missing)],
        description=_l(
            "At least 10 characters and at most 128. Several unrelated words are easy to remember."
        ),
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
    email = _email_field(
        _l("Email address"), _l("Enter your email address"), _l("Your email address")
    )
    display_name = StringField(
        _l("Your name, as other residents will see it"),
        widget=GovTextInput(),
        validators=[DataRequired(_l("Enter your name")), max_length(80, _l("Your name"))],
    )
    password = _new_password(_l("Password"), _l("Enter a password"))
    confirm = _confirm_password(
        _l("Confirm password"), _l("Enter the password again"), _l("The passwords do not match")
    )
    # only for a resident whose paper votes or forms an officer entered with their letter
    # code: the account made at the desk becomes theirs (civic.accounts.paper_residents)
    code = StringField(
        _l("Letter code, if a council officer entered a paper vote or form for you (optional)"),
        widget=GovTextInput(),
        description=_l(
            "Leave this empty unless you voted or answered on paper at a council desk or "
            "by phone with the code from your letter. Then give it here, and what was "
            "entered for you becomes part of your account."
        ),
        validators=[Length(max=40, message=_l("Codes are 12 letters and numbers"))],
    )
    submit = SubmitField(_l("Create account"), widget=GovSubmitInput())

    def validate_password(self, field: PasswordField) -> None:
        """Say at once if the password is weak, alongside any other errors on the form."""
        if problem := password_problem(
            field.data or "", email=self.email.data or "", name=self.display_name.data or ""
        ):
            raise ValidationError(problem)


class SignInForm(FlaskForm):
    email = StringField(
        _l("Email address"),
        widget=GovTextInput(),
        validators=[DataRequired(_l("Enter your email"))],
    )
    password = PasswordField(
        _l("Password"),
        widget=GovPasswordInput(),
        validators=[DataRequired(_l("Enter your password"))],
    )
    submit = SubmitField(_l("Sign in"), widget=GovSubmitInput())


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        widget=GovPasswordInput(),
        validators=[DataRequired(_l("Enter your current password"))],
    )
    password = _new_password(_l("New password"), _l("Enter a new password"))
    confirm = _confirm_password(
        _l("Confirm new password"),
        _l("Enter the new password again"),
        _l("The new passwords do not match"),
    )
    submit = SubmitField(_l("Change password"), widget=GovSubmitInput())

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
        _l("Email address"),
        _l("Enter your email address"),
        _l("Your email address"),
        _l("The address you use to sign in to Civic."),
    )
    submit = SubmitField(_l("Send the link"), widget=GovSubmitInput())


class ResetPasswordForm(FlaskForm):
    password = _new_password(_l("New password"), _l("Enter a new password"))
    confirm = _confirm_password(
        _l("Confirm new password"),
        _l("Enter the new password again"),
        _l("The new passwords do not match"),
    )
    submit = SubmitField(_l("Set new password"), widget=GovSubmitInput())


class ChangeEmailForm(FlaskForm):
    email = _email_field(
        _l("New email address"),
        _l("Enter your new email address"),
        _l("Your new email address"),
        _l("We will send a link to this address. Your address changes only when you follow it."),
    )
    current_password = PasswordField(
        _l("Current password"),
        widget=GovPasswordInput(),
        validators=[DataRequired(_l("Enter your current password"))],
    )
    submit = SubmitField(_l("Send the link"), widget=GovSubmitInput())


class ConfirmLinkForm(FlaskForm):
    """The button on a page an emailed link opens: following the link (a GET, which mail
    scanners also do) changes nothing; pressing the button (a POST) does."""

    submit = SubmitField(_l("Confirm"), widget=GovSubmitInput())


class ResendConfirmationForm(FlaskForm):
    submit = SubmitField(_l("Send the link again"), widget=GovSubmitInput())


class SignOutForm(FlaskForm):
    """Signing out is a POST with a CSRF token, so another site cannot sign you out."""

    submit = SubmitField(_l("Sign out"), widget=GovSubmitInput())


class RedeemCodeForm(FlaskForm):
    code = StringField(
        _l("Code from your letter"),
        widget=GovTextInput(),
        description=_l("12 letters and numbers, for example 7K2M-Q9XD-4HPA"),
        validators=[Length(max=40, message=_l("Codes are 12 letters and numbers"))],
    )
    submit = SubmitField(_l("Use code"), widget=GovSubmitInput())


AREA_KINDS = list(AREA_KIND_NAMES.items())


class AreaForm(FlaskForm):
    name = StringField(
        _l("Name"),
        widget=GovTextInput(),
        validators=[DataRequired(_l("Enter a name")), max_length(120, _l("The name"))],
    )
    slug = StringField(
        _l("Short name for web addresses"),
        widget=GovTextInput(),
        description=_l("Lower-case letters, numbers and hyphens, e.g. north-ward"),
        validators=[DataRequired(_l("Enter a short name")), max_length(64, _l("The short name"))],
    )
    kind = RadioField(
        _l("Kind of area"), choices=AREA_KINDS, default="ward", widget=GovRadioInput()
    )
    postcode_districts = StringField(
        _l("Postcode districts"),
        widget=GovTextInput(),
        description=_l("Separated by spaces, e.g. LS6 LS16"),
        validators=[max_length(400, _l("The postcode districts"))],
    )
    description = TextAreaField(
        _l("Description"),
        widget=GovTextArea(),
        validators=[max_length(2000, _l("The description"))],
    )
    submit = SubmitField(_l("Save area"), widget=GovSubmitInput())


class GroupForm(FlaskForm):
    name = StringField(
        _l("Group name"),
        widget=GovTextInput(),
        validators=[DataRequired(_l("Enter a name")), max_length(120, _l("The group name"))],
    )
    slug = StringField(
        _l("Short name for web addresses"),
        widget=GovTextInput(),
        description=_l("Lower-case letters, numbers and hyphens"),
        validators=[DataRequired(_l("Enter a short name")), max_length(64, _l("The short name"))],
    )
    area = SelectField(_l("Area"), widget=GovSelect(), coerce=int)
    organiser_email = StringField(
        _l("Organiser's email address (optional)"),
        widget=GovTextInput(),
        validators=[max_length(254, _l("The organiser's email address"))],
    )
    description = TextAreaField(
        _l("What the group does"),
        widget=GovTextArea(),
        validators=[max_length(2000, _l("What the group does"))],
    )
    submit = SubmitField(_l("Create group"), widget=GovSubmitInput())


class MemberForm(FlaskForm):
    """Invite someone by email: they join only when they accept."""

    email = StringField(
        _l("Their email address"),
        widget=GovTextInput(),
        description=_l(
            "They will see the invitation when they sign in to Civic, or when they "
            "create an account with this address and confirm it."
        ),
        validators=[
            DataRequired(_l("Enter the email address of the person to invite")),
            max_length(254, _l("The email address")),
        ],
    )
    role = RadioField(
        _l("Invite them as"),
        choices=[
            (GroupRole.MEMBER.value, _l("Member")),
            (GroupRole.ORGANISER.value, _l("Organiser (their name is shown on the group page)")),
        ],
        default=GroupRole.MEMBER.value,
        widget=GovRadioInput(),
    )
    submit = SubmitField(_l("Send invitation"), widget=GovSubmitInput())


class ShowNameForm(FlaskForm):
    """A member's choice to have their name on the group's public page."""

    show_name = RadioField(
        _l("Show my name on the group page"),
        choices=[
            ("yes", _l("Yes, show my name to everyone")),
            ("no", _l("No, count me but do not show my name")),
        ],
        widget=GovRadioInput(),
        validators=[InputRequired(_l("Choose whether to show your name"))],
    )
    submit = SubmitField(_l("Save my choice"), widget=GovSubmitInput())


class CodeBatchForm(FlaskForm):
    count = WholeNumberField(
        _l("Number of letters"),
        widget=GovTextInput(),
        invalid_message=_l("Enter the number of letters as a whole number, like 200"),
        validators=[
            InputRequired(_l("Enter how many codes to make")),
            NumberRange(1, 5000, _l("Enter a number between 1 and 5,000")),
        ],
    )
    valid_days = WholeNumberField(
        _l("Days the codes stay valid"),
        widget=GovTextInput(),
        invalid_message=_l("Enter the days as a whole number, like 90"),
        default=90,
        validators=[
            InputRequired(_l("Enter how many days the codes stay valid")),
            NumberRange(1, 730, _l("Enter a number of days between 1 and 730")),
        ],
    )
    note = StringField(
        _l("Note (e.g. which streets the letters go to)"),
        widget=GovTextInput(),
        validators=[max_length(200, _l("The note"))],
    )
    fmt = RadioField(
        _l("Download as"),
        choices=[
            ("html", _l("Printable letters (one per page)")),
            ("csv", _l("CSV for a mail merge")),
        ],
        default="html",
        widget=GovRadioInput(),
    )
    submit = SubmitField(_l("Generate and download"), widget=GovSubmitInput())


class ConfirmEligibilityForm(FlaskForm):
    email = StringField(
        _l("Resident's email address"),
        widget=GovTextInput(),
        validators=[
            DataRequired(_l("Enter the resident's email address")),
            max_length(254, _l("The resident's email address")),
        ],
    )
    area = SelectField(_l("Area"), widget=GovSelect(), coerce=int)
    note = StringField(
        _l("How residence was checked"),
        widget=GovTextInput(),
        description=_l("For example: council tax bill seen at the library drop-in"),
        validators=[
            DataRequired(_l("Say how residence was checked")),
            max_length(200, _l("How residence was checked")),
        ],
    )
    submit = SubmitField(_l("Confirm eligibility"), widget=GovSubmitInput())


class RoleForm(FlaskForm):
    role = SelectField(
        _l("Role"), choices=[(r.value, ROLE_NAMES[r.value]) for r in Role], widget=GovSelect()
    )
    submit = SubmitField(_l("Change role"), widget=GovSubmitInput())


ERASE_COMMENT_CHOICES = [
    ("remove", _l("Remove them: each shows \u201cRemoved at the author\u2019s request\u201d")),
    ("anonymise", _l("Keep them, shown as from \u201cA former resident\u201d")),
]


class DeleteAccountForm(FlaskForm):
    """The first step of deleting your own account: the choice for comments and the
    password (a borrowed, signed-in computer cannot delete the account)."""

    comments = RadioField(
        _l("What should happen to your public comments?"),
        choices=ERASE_COMMENT_CHOICES,
        widget=GovRadioInput(),
        validators=[InputRequired(_l("Choose what happens to your public comments"))],
    )
    password = PasswordField(
        _l("Your password"),
        widget=GovPasswordInput(),
        validators=[DataRequired(_l("Enter your password"))],
    )
    submit = SubmitField(_l("Continue"), widget=GovSubmitInput())


class ConfirmDeleteForm(FlaskForm):
    """The second step: the signed confirmation from the first, and one button."""

    confirmation = StringField(validators=[DataRequired(_l("Start again"))])
    submit = SubmitField(_l("Delete my account"), widget=GovSubmitInput())


class EraseAccountForm(FlaskForm):
    """An administrator erasing an account on the person's written request."""

    comments = RadioField(
        _l("What should happen to their public comments?"),
        choices=ERASE_COMMENT_CHOICES,
        widget=GovRadioInput(),
        validators=[InputRequired(_l("Choose what happens to their public comments"))],
    )
    submit = SubmitField(_l("Erase this account"), widget=GovSubmitInput())
