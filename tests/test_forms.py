"""Form messages in plain words, not WTForms' defaults ("Not a valid integer value.")."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from wtforms import Form, StringField
from wtforms.validators import InputRequired, NumberRange, Optional

from civic.budgets.models import Phase, Project
from civic.extensions import db
from civic.forms import DayMonthYearField, WholeNumberField, max_length
from tests.budgets.rounds_helpers import make_round, resident_of
from tests.conftest import csrf_token, login
from tests.consultations.helpers import post_new_consultation

COST_MESSAGE = "Enter the cost in whole pounds, like 1200"


class _Form(Form):
    cost = WholeNumberField(
        "Cost",
        invalid_message=COST_MESSAGE,
        validators=[InputRequired("Enter the cost"), NumberRange(1, 10**10, "Too big or small")],
    )
    optional = WholeNumberField("Optional", validators=[Optional(), NumberRange(1, 5, "1 to 5")])
    day = DayMonthYearField("Opens", format="%d %m %Y", error_name="The opening date")
    title = StringField("Title", validators=[max_length(200, "Title")])


def _form(cost="1", optional="", day=("1", "2", "2026"), title="t"):
    data = MultiDict([("cost", cost), ("optional", optional), ("title", title)])
    for part in day:
        data.add("day", part)
    form = _Form(data)
    form.validate()
    return form


@pytest.mark.parametrize("typed", ["1200", "1,200", "£1,200", " £ 1,200 ", "€1200"])
def test_whole_numbers_are_read_as_people_type_them(typed):
    form = _form(cost=typed)
    assert form.cost.data == 1200 and form.errors == {}


@pytest.mark.parametrize("typed", ["abc", "12.50", "1_000", "1,2x"])
def test_a_number_that_is_not_whole_says_so_once_in_plain_words(typed):
    form = _form(cost=typed)
    assert form.errors == {"cost": [COST_MESSAGE]}
    assert form.cost.raw_data == [typed]  # shown again as typed


def test_empty_numbers_are_left_to_the_required_and_optional_validators():
    assert _form(cost="").errors == {"cost": ["Enter the cost"]}
    assert _form(optional="  ").errors == {}
    assert _form(optional="x").errors == {"optional": ["Enter a whole number, like 1200"]}
    assert _form(optional="9").errors == {"optional": ["1 to 5"]}


def test_dates_say_what_is_wrong_in_plain_words():
    assert _form(day=("31", "2", "2026")).errors == {
        "day": ["The opening date must be a real date"]
    }
    assert _form(day=("1", "", "2026")).errors == {"day": ["The opening date must include a month"]}
    assert _form(day=("", "", "2026")).errors == {
        "day": ["The opening date must include a day and month"]
    }
    assert _form(day=("1", "2", "2026")).day.data.isoformat() == "2026-02-01"


def test_too_long_text_names_the_limit():
    assert _form(title="x" * 201).errors == {"title": ["Title must be 200 characters or fewer"]}
    assert _form(title="x" * 200).errors == {}


def _propose(client, cost, title="Benches by the river"):
    round_, _, _ = make_round(phase=Phase.IDEAS, amount_pounds=5000)
    login(client, resident_of(round_.area))
    url = f"/budgets/{round_.slug}/propose"
    data = {"csrf_token": csrf_token(client, url), "title": title, "description": "d"}
    return round_, client.post(url, data={**data, "cost": cost})


def test_a_cost_typed_with_a_comma_and_pound_sign_is_accepted(client):
    round_, response = _propose(client, "£1,200")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    project = db.session.scalars(
        select(Project).where(
            Project.round_id == round_.id, Project.title == "Benches by the river"
        )
    ).one()
    assert project.cost == 120000  # pence


def test_a_cost_in_words_shows_the_plain_message_next_to_the_field(client):
    _, response = _propose(client, "abc")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="cost-error"' in page and COST_MESSAGE in page
    assert "Not a valid integer value" not in page and 'value="abc"' in page


def test_a_long_idea_name_names_the_limit(client):
    _, response = _propose(client, "100", title="x" * 201)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The name must be 200 characters or fewer" in page
    assert "Field cannot be longer" not in page


def test_a_consultation_date_that_does_not_exist_is_named(client):
    response = post_new_consultation(client, "Dates", ["31", "2", "2030"], ["1", "", "2030"])
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The opening date must be a real date" in page
    assert "The closing date must include a month" in page
    assert "Not a valid date value" not in page
