"""A closed vote's published ballots.json is built once and stored (issue 16, "frozen
things are built once"): served with a strong ETag, the same bytes ever after."""

from __future__ import annotations

import hashlib

from civic.votes import services as votes
from civic.votes import views
from civic.votes.models import ProposalState
from tests.votes.helpers import make_proposal, residents


def test_a_closed_votes_ballots_are_stored_once_and_never_change(client):
    proposal, moderator, area = make_proposal(ProposalState.VOTING, quorum=0)
    for n, voter in enumerate(residents(area, 5)):
        votes.cast_vote(voter, proposal, "for" if n % 2 else "against")
    url = f"/votes/{proposal.id}/ballots.json"
    assert client.get(url).status_code == 404  # still voting: nothing built, nothing stored
    votes.close_vote(moderator, proposal, reason="Closed early for the test")

    first = client.get(url)
    assert first.status_code == 200
    assert first.get_data() == views._ballots(proposal).encode()  # a fresh build
    assert first.get_json()["totals"] == {"for": 2, "against": 3}
    assert first.headers["ETag"] == f'"{hashlib.sha256(first.get_data()).hexdigest()}"'
    assert "immutable" in first.headers["Cache-Control"]
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304

    proposal.title = "Renamed after the close"  # an edit elsewhere after the freeze
    later = client.get(url)
    assert later.get_data() == first.get_data()
    assert later.headers["ETag"] == first.headers["ETag"]
