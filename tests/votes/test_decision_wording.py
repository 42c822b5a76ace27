"""A decision speaks of what the proposal is about: a service kept in-house or outsourced,
an asset kept in public hands or disposed of. Every kind, every outcome of the vote, and
both decisions, in the pure wording and on the public and moderators' pages."""

from __future__ import annotations

import pytest

from civic.votes import decision as rules
from civic.votes import services
from civic.votes.models import ProposalKind, ProposalState, Standard
from tests.conftest import login
from tests.votes.helpers import make_proposal, residents

OUTSOURCING, DISPOSAL = ProposalKind.OUTSOURCING, ProposalKind.DISPOSAL
SERVICE_WORDS = ("in-house", "outsourc")
ASSET_WORDS = ("asset", "public hands", "dispos")


def test_the_pure_wording_follows_the_kind_for_every_decision():
    assert rules.decision_headline("outsourcing", "in_house") == "The service stays in-house."
    assert rules.decision_headline("outsourcing", "proceed") == (
        "The council will outsource the service."
    )
    assert rules.decision_headline("disposal", "in_house") == "The asset stays in public hands."
    assert rules.decision_headline("disposal", "proceed") == (
        "The council will dispose of the asset."
    )
    assert rules.rule_wording("outsourcing", "in_house") == "the service stays in-house"
    assert rules.rule_wording("outsourcing", "proceed") == "outsourcing may go ahead"
    assert rules.rule_wording("disposal", "in_house") == "the asset stays in public hands"
    assert rules.rule_wording("disposal", "proceed") == "the disposal may go ahead"
    with pytest.raises(ValueError, match="unknown proposal kind"):
        rules.rule_wording("lease", "proceed")


@pytest.mark.parametrize("kind", ["outsourcing", "disposal"])
def test_no_disposal_sentence_speaks_of_a_service_and_the_reverse(kind):
    sentences = [rules.decision_headline(kind, d) for d in (rules.IN_HOUSE, rules.PROCEED)] + [
        rules.rule_wording(kind, d) for d in (rules.IN_HOUSE, rules.PROCEED)
    ]
    sentences += [label for _, label in rules.decision_choices(kind) + rules.vote_choices(kind)]
    sentences.append(rules.standards_wording(kind))
    wrong = ("service", "in-house", "outsourc") if kind == "disposal" else ("asset", "dispos")
    for sentence in sentences:
        assert not any(word in sentence.lower() for word in wrong), sentence
    assert [value for value, _ in rules.decision_choices(kind)] == ["in_house", "proceed"]
    assert [value for value, _ in rules.vote_choices(kind)] == ["against", "for"]


def _counted(kind: ProposalKind, outcome: str, *, standards_ok: bool = True):
    """A proposal of `kind` closed with `outcome` (5 residents, quorum 40%)."""
    standards = None
    if not standards_ok:
        missed = {"fair_wage": ("no", "The bidder pays the minimum wage only")}
        standards = {s.value: ("yes", "") for s in Standard} | missed
    proposal, moderator, area = make_proposal(
        ProposalState.VOTING, kind=kind, quorum=40, standards=standards
    )
    voters = residents(area, 5)
    choices = {
        "passed": ["for", "for", "against"],
        "rejected": ["for", "against", "against"],
        "quorum_not_met": ["for"],
    }[outcome]
    for voter, choice in zip(voters, choices, strict=False):
        services.cast_vote(voter, proposal, choice)
    proposal.voting_until = proposal.voting_from  # due: closes without an early reason
    services.close_vote(moderator, proposal, by_date=True)
    assert proposal.outcome == outcome
    return proposal, moderator


EXPECTED_RULE = {
    (OUTSOURCING, True): "outsourcing may go ahead",
    (OUTSOURCING, False): "the service stays in-house",
    (DISPOSAL, True): "the disposal may go ahead",
    (DISPOSAL, False): "the asset stays in public hands",
}


@pytest.mark.parametrize("kind", [OUTSOURCING, DISPOSAL])
@pytest.mark.parametrize("outcome", ["passed", "rejected", "quorum_not_met"])
def test_every_outcome_and_decision_is_worded_for_the_kind(client, kind, outcome):
    proposal, moderator = _counted(kind, outcome)
    proceeds = outcome == "passed"
    page = client.get(f"/votes/{proposal.id}").get_data(as_text=True)
    assert f"So by Civic's rule: {EXPECTED_RULE[kind, proceeds]}." in page
    login(client, moderator)
    manage = client.get(f"/votes/{proposal.id}/manage").get_data(as_text=True)
    assert f"By Civic's rule, {EXPECTED_RULE[kind, proceeds]}." in manage
    for _, label in rules.decision_choices(kind.value):
        assert label in manage
    wrong = "in-house" if kind is DISPOSAL else "public hands"
    assert wrong not in manage.split('id="result"', 1)[-1].split("</main>", 1)[0]

    decision = "proceed" if proceeds else "in_house"
    services.record_decision(moderator, proposal, decision, "As the vote said.")
    public = client.get(f"/votes/{proposal.id}").get_data(as_text=True)
    banner = public.split('id="decision-title"', 1)[1].split("</div>\n  </div>", 1)[0]
    assert rules.decision_headline(kind.value, decision) in banner
    never = "The service stays in-house." if kind is DISPOSAL else "public hands"
    assert never not in banner


@pytest.mark.parametrize("kind", [OUTSOURCING, DISPOSAL])
def test_a_missed_standard_says_what_stays(client, kind):
    proposal, _ = _counted(kind, "passed", standards_ok=False)
    page = client.get(f"/votes/{proposal.id}").get_data(as_text=True)
    stays = (
        "the service stays in-house" if kind is OUTSOURCING else "the asset stays in public hands"
    )
    assert f"<strong>Not every standard is met</strong>, so {stays} whatever the vote." in page
    assert f"So by Civic's rule: {stays}, because not every minimum standard is met." in page


@pytest.mark.parametrize("kind", [OUTSOURCING, DISPOSAL])
def test_the_ballot_offers_choices_in_the_words_of_the_kind(client, kind):
    proposal, _, area = make_proposal(ProposalState.VOTING, kind=kind)
    login(client, residents(area, 1)[0])
    page = client.get(f"/votes/{proposal.id}/vote").get_data(as_text=True)
    for _, label in rules.vote_choices(kind.value):
        assert label in page
    assert ("public hands" in page) is (kind is DISPOSAL)
