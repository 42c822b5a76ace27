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


class JoinForm(FlaskForm):
    message = TextAreaField(
        "Message to the organisers (optional)",
        description="Say who you are or why you would like to join. Only the organisers see it.",
        widget=GovTextArea(),
        validators=[max_length(1000, "The message")],
    )
    submit = SubmitField("Join this group", widget=GovSubmitInput())


class LeaveForm(FlaskForm):
    submit = SubmitField("Leave this group", widget=GovSubmitInput())


class DecideRequestForm(FlaskForm):
    decision = RadioField(
        "Your answer",
        choices=[("approve", "Approve: they become a member"), ("refuse", "Refuse")],
        widget=GovRadioInput(),
        validators=[InputRequired("Choose whether to approve or refuse the request")],
    )
    reason = TextAreaField(
        "Reason for refusing",
        description="Needed when you refuse: the person who asked is told it.",
        widget=GovTextArea(),
        validators=[max_length(1000, "The reason")],
    )
    submit = SubmitField("Send the answer", widget=GovSubmitInput())


class RulesForm(FlaskForm):
    join_policy = RadioField(
        "How people join",
        choices=[
            ("open", "Open: residents of the group's area join at once"),
            ("request", "By request: anyone asks, an organiser approves or refuses"),
            ("closed", "Closed: by invitation only"),
        ],
        widget=GovRadioInput(),
        validators=[InputRequired("Choose how people join")],
    )
    proposers = RadioField(
        "Who may propose motions",
        choices=[("members", "Any member"), ("organisers", "Only organisers")],
        widget=GovRadioInput(),
        validators=[InputRequired("Choose who may propose motions")],
    )
    quorum_rule = RadioField(
        "Quorum: how many members must vote for a motion to be decided",
        choices=[
            ("none", "No quorum"),
            ("share", "A share of the members (enter a percentage below)"),
            ("number", "A number of members (enter it below)"),
        ],
        widget=GovRadioInput(),
        validators=[InputRequired("Choose a quorum rule")],
    )
    quorum_value = WholeNumberField(
        "Quorum: percentage or number of members",
        description="A percentage from 1 to 100 for a share; a number of members for a "
        "number. Leave empty for no quorum.",
        widget=GovTextInput(),
        invalid_message="Enter the quorum as a whole number, like 25",
        validators=[Optional()],
    )
    majority_rule = RadioField(
        "Majority needed to pass",
        choices=[
            ("simple", "More votes for than against"),
            ("two_thirds", "At least two thirds of the votes for and against"),
            ("all_members", "More than half of all members"),
        ],
        widget=GovRadioInput(),
        validators=[InputRequired("Choose a majority rule")],
    )
    discussion_days = WholeNumberField(
        "Days of discussion before voting opens",
        widget=GovTextInput(),
        invalid_message="Enter the days of discussion as a whole number, like 7",
        validators=[
            InputRequired("Enter the days of discussion"),
            NumberRange(0, MAX_DAYS, f"Discussion must last from 0 to {MAX_DAYS} days"),
        ],
    )
    voting_days = WholeNumberField(
        "Days of voting",
        widget=GovTextInput(),
        invalid_message="Enter the days of voting as a whole number, like 7",
        validators=[
            InputRequired("Enter the days of voting"),
            NumberRange(1, MAX_DAYS, f"Voting must last from 1 to {MAX_DAYS} days"),
        ],
    )
    submit = SubmitField("Publish these rules", widget=GovSubmitInput())


class MotionForm(FlaskForm):
    title = StringField(
        "Title of the motion",
        widget=GovTextInput(),
        validators=[
            InputRequired("Enter the motion's title"),
            max_length(TITLE_MAX, "The title"),
        ],
    )
    text = TextAreaField(
        "What the motion proposes",
        description="Write it as the group would resolve it, for example 'This group asks "
        "the council to ...'. Your name is not shown with it.",
        widget=GovTextArea(),
        validators=[InputRequired("Enter what the motion proposes"), max_length(TEXT_MAX, "It")],
    )
    submit = SubmitField("Propose the motion", widget=GovSubmitInput())


class VoteForm(FlaskForm):
    choice = RadioField(
        "Your vote",
        choices=list(CHOICES.items()),
        widget=GovRadioInput(),
        validators=[InputRequired("Choose for, against or abstain")],
    )
    submit = SubmitField("Cast my vote", widget=GovSubmitInput())


class OpenVotingForm(FlaskForm):
    reason = TextAreaField(
        "Why open voting before the discussion's published end (published)",
        description="Needed only before that date. At least 10 characters.",
        widget=GovTextArea(),
        validators=[max_length(2000, "The reason")],
    )
    submit = SubmitField("Open voting now", widget=GovSubmitInput())


class MinutesForm(FlaskForm):
    minutes = TextAreaField(
        "Minutes",
        description="What was decided and anything the group agreed to do. Markdown "
        "(for example *emphasis* and lists) is allowed.",
        widget=GovTextArea(),
        validators=[InputRequired("Enter the minutes"), max_length(MINUTES_MAX, "The minutes")],
    )
    submit = SubmitField("Publish the minutes", widget=GovSubmitInput())


MOTION_CLOSE = CloseWording(
    confirm="I understand the count is final: the vote cannot be reopened",
    confirm_error="Confirm that you understand the count is final",
    reason="Why close the vote before its published closing date (published)",
    reason_hint="Members were told when voting ends. Say why it ends early; the reason is "
    "shown on the motion's page and in the audit log. At least 10 characters.",
    submit="Close the vote and count it",
)
