"""The round page offers "Propose an idea" and "Vote" only to people the service accepts
(and to visitors, whom the button takes to sign in); others are told how to qualify."""

from __future__ import annotations

from civic.budgets.models import Phase
from tests.budgets.rounds_helpers import make_round, resident_of
from tests.conftest import login
from tests.factories import UserFactory

VOTE = '">Vote</a>'
PROPOSE = '">Propose an idea</a>'
HOW = "To show you live there, enter the code from your letter"


def _page(client, round_) -> str:
    return client.get(f"/budgets/{round_.slug}").get_data(as_text=True)


def test_vote_button_only_for_those_who_may_vote(client):
    round_ = make_round()[0]
    assert VOTE in _page(client, round_) and HOW not in _page(client, round_)
    login(client, UserFactory())  # signed in, no letter code: the ballot would refuse
    page = _page(client, round_)
    assert VOTE not in page and HOW in page and "can vote here" in page
    login(client, resident_of(round_.area))
    page = _page(client, round_)
    assert VOTE in page and HOW not in page


def test_propose_button_only_for_those_who_may_propose(client):
    round_, moderator, _ = make_round(phase=Phase.IDEAS)
    assert PROPOSE in _page(client, round_)
    login(client, UserFactory())
    page = _page(client, round_)
    assert PROPOSE not in page and "can propose ideas here" in page
    login(client, moderator)  # managers may propose though they live elsewhere
    assert PROPOSE in _page(client, round_)
    login(client, resident_of(round_.area))
    assert PROPOSE in _page(client, round_)
