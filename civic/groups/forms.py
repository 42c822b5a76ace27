"""Forms for joining, requests, rules, motions, votes and minutes."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, NumberRange, Optional

from civic.forms import CloseWording, WholeNumberField, max_length
from civic.groups.motions import CHOICES, MINUTES_MAX, TEXT_MAX, TITLE_MAX
from civic.groups.rules import MAX_DAYS
from civic.i18n import lazy_gettext as _l


class JoinForm(FlaskForm):
    message = TextAreaField(
        _l("Message to the organisers (optional)"),
        description=_l(
            "Say who you are or why you would like to join. Only the organisers see it."
        ),
        widget=GovTextArea(),
        validators=[max_length(1000, _l("The message"))],
    )
    submit = SubmitField(_l("Join this group"), widget=GovSubmitInput())


class LeaveForm(FlaskForm):
    submit = SubmitField(_l("Leave this group"), widget=GovSubmitInput())


class DecideRequestForm(FlaskForm):
    decision = RadioField(
        _l("Your answer"),
        choices=[("approve", _l("Approve: they become a member")), ("refuse", _l("Refuse"))],
        widget=GovRadioInput(),
        validators=[InputRequired(_l("Choose whether to approve or refuse the request"))],
    )
    reason = TextAreaField(
        _l("Reason for refusing"),
        description=_l("Needed when you refuse: the person who asked is told it."),
        widget=GovTextArea(),
        validators=[max_length(1000, _l("The reason"))],
    )
    submit = SubmitField(_l("Send the answer"), widget=GovSubmitInput())


class RulesForm(FlaskForm):
    join_policy = RadioField(
        _l("How people join"),
        choices=[
            ("open", _l("Open: residents of the group's area join at once")),
            ("request", _l("By request: anyone asks, an organiser approves or refuses")),
            ("closed", _l("Closed: by invitation only")),
        ],
        widget=GovRadioInput(),
        validators=[InputRequired(_l("Choose how people join"))],
    )
    proposers = RadioField(
        _l("Who may propose motions"),
        choices=[("members", _l("Any member")), ("organisers", _l("Only organisers"))],
        widget=GovRadioInput(),
        validators=[InputRequired(_l("Choose who may propose motions"))],
    )
    quorum_rule = RadioField(
        _l("Quorum: how many members must vote for a motion to be decided"),
        choices=[
            ("none", _l("No quorum")),
            ("share", _l("A share of the members (enter a percentage below)")),
            ("number", _l("A number of members (enter it below)")),
        ],
        widget=GovRadioInput(),
        validators=[InputRequired(_l("Choose a quorum rule"))],
    )
    quorum_value = WholeNumberField(
        _l("Quorum: percentage or number of members"),
        description=_l(
            "A percentage from 1 to 100 for a share; a number of members for a "
            "number. Leave empty for no quorum."
        ),
        widget=GovTextInput(),
        invalid_message=_l("Enter the quorum as a whole number, like 25"),
        validators=[Optional()],
    )
    majority_rule = RadioField(
        _l("Majority needed to pass"),
        choices=[
            ("simple", _l("More votes for than against")),
            ("two_thirds", _l("At least two thirds of the votes for and against")),
            ("all_members", _l("More than half of all members")),
        ],
        widget=GovRadioInput(),
        validators=[InputRequired(_l("Choose a majority rule"))],
    )
    discussion_days = WholeNumberField(
        _l("Days of discussion before voting opens"),
        widget=GovTextInput(),
        invalid_message=_l("Enter the days of discussion as a whole number, like 7"),
        validators=[
            InputRequired(_l("Enter the days of discussion")),
            NumberRange(
                0, MAX_DAYS, _l("Discussion must last from 0 to %(most)s days", most=MAX_DAYS)
            ),
        ],
    )
    voting_days = WholeNumberField(
        _l("Days of voting"),
        widget=GovTextInput(),
        invalid_message=_l("Enter the days of voting as a whole number, like 7"),
        validators=[
            InputRequired(_l("Enter the days of voting")),
            NumberRange(1, MAX_DAYS, _l("Voting must last from 1 to %(most)s days", most=MAX_DAYS)),
        ],
    )
    submit = SubmitField(_l("Publish these rules"), widget=GovSubmitInput())


class MotionForm(FlaskForm):
    title = StringField(
        _l("Title of the motion"),
        widget=GovTextInput(),
        validators=[
            InputRequired(_l("Enter the motion's title")),
            max_length(TITLE_MAX, _l("The title")),
        ],
    )
    text = TextAreaField(
        _l("What the motion proposes"),
        description=_l(
            "Write it as the group would resolve it, for example 'This group asks "
            "the council to ...'. Your name is not shown with it."
        ),
        widget=GovTextArea(),
        validators=[
            InputRequired(_l("Enter what the motion proposes")),
            max_length(TEXT_MAX, _l("The motion's text")),
        ],
    )
    submit = SubmitField(_l("Propose the motion"), widget=GovSubmitInput())


class VoteForm(FlaskForm):
    choice = RadioField(
        _l("Your vote"),
        choices=list(CHOICES.items()),
        widget=GovRadioInput(),
        validators=[InputRequired(_l("Choose for, against or abstain"))],
    )
    submit = SubmitField(_l("Cast my vote"), widget=GovSubmitInput())


class OpenVotingForm(FlaskForm):
    reason = TextAreaField(
        _l("Why open voting before the discussion's published end (published)"),
        description=_l("Needed only before that date. At least 10 characters."),
        widget=GovTextArea(),
        validators=[max_length(2000, _l("The reason"))],
    )
    submit = SubmitField(_l("Open voting now"), widget=GovSubmitInput())


class MinutesForm(FlaskForm):
    minutes = TextAreaField(
        _l("Minutes"),
        description=_l(
            "What was decided and anything the group agreed to do. Markdown "
            "(for example *emphasis* and lists) is allowed."
        ),
        widget=GovTextArea(),
        validators=[
            InputRequired(_l("Enter the minutes")),
            max_length(MINUTES_MAX, _l("The minutes")),
        ],
    )
    submit = SubmitField(_l("Publish the minutes"), widget=GovSubmitInput())


MOTION_CLOSE = CloseWording(
    confirm=_l("I understand the count is final: the vote cannot be reopened"),
    confirm_error=_l("Confirm that you understand the count is final"),
    reason=_l("Why close the vote before its published closing date (published)"),
    reason_hint=_l(
        "Members were told when voting ends. Say why it ends early; the reason is "
        "shown on the motion's page and in the audit log. At least 10 characters."
    ),
    submit=_l("Close the vote and count it"),
)
