"""The demo meets the minimum electorate (10, the production default): every vote, round
and consultation it opens has at least that many people who can take part, and `make run`
still shows every part: an open vote, a round in voting, an open consultation, a closed vote
with its result, published ballots and reviewed free text."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from civic.audit.models import AuditEntry, AuditPending
from civic.budgets.models import BudgetRound, Phase
from civic.consultations import services as consult
from civic.consultations.models import Consultation, ConsultationState
from civic.extensions import db
from civic.privacy import area_electorate
from civic.votes.models import Proposal, ProposalState


def test_the_demo_opens_only_electorates_of_at_least_the_minimum(
    app, client, monkeypatch, tmp_path
):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    monkeypatch.setitem(app.config, "MIN_ELECTORATE", 10)
    result = app.test_cli_runner().invoke(args=["civic", "seed"])
    assert result.exit_code == 0, result.output

    proposals = db.session.scalars(select(Proposal).order_by(Proposal.id)).all()
    states = {p.state for p in proposals}
    assert {ProposalState.VOTING, ProposalState.DECIDED} <= states
    for proposal in proposals:
        if proposal.state is not ProposalState.CONSULTATION:
            assert area_electorate(proposal.area_id) >= 10, proposal.title
    voting = next(p for p in proposals if p.state is ProposalState.VOTING)
    page = client.get(f"/votes/{voting.id}").get_data(as_text=True)
    assert "At least 10</span>" in page and " for, " not in page
    decided = next(p for p in proposals if p.state is ProposalState.DECIDED)
    assert " for, " in client.get(f"/votes/{decided.id}").get_data(as_text=True)
    # receipts can be tried at once: a closed vote and a counted round of Civic's own,
    # each published by receipt, and a demo voter's codes printed
    published = [
        client.get(f"/votes/{p.id}/ballots.json").get_json().get("ballots", [])
        for p in proposals
        if p.state is ProposalState.DECIDED
    ]
    assert max(map(len, published)) >= 10
    park = client.get("/budgets/northgate-park-2026/ballots.json")
    assert park.status_code == 200 and len(park.get_json()) >= 10
    counted = re.search(r"counted: (\S+)   replaced: (\S+)", result.output)
    assert counted, result.output
    assert client.get(f"/receipts/{counted[1]}.json").get_json()["status"] == "counted"
    assert client.get(f"/receipts/{counted[2]}.json").get_json()["status"] == "replaced"

    rounds = db.session.scalars(select(BudgetRound)).all()
    assert any(r.phase is Phase.VOTING for r in rounds)
    for round_ in rounds:
        if round_.phase is not Phase.IDEAS and round_.slug != "assen-top-idee-2024":
            assert area_electorate(round_.area_id) >= 10, round_.slug
    assert client.get("/budgets/assen-top-idee-2024/ballots.json").status_code == 200

    consultations = db.session.scalars(select(Consultation).order_by(Consultation.id)).all()
    assert {c.state for c in consultations} >= {
        ConsultationState.OPEN,
        ConsultationState.RESPONDED,
    }
    for consultation in consultations:
        assert consult.electorate(consultation)[0] >= 10, consultation.title
    # the bins consultation: answered, and its free text had an address in it
    replied = next(c for c in consultations if c.title.startswith("Bin collections"))
    assert replied.state is ConsultationState.RESPONDED
    assert client.get(f"/consultations/{replied.id}/responses.csv").status_code == 200
    free = client.get(f"/consultations/{replied.id}/free-text").get_data(as_text=True)
    assert "[Address removed]" in free and "Cardigan Road" not in free and "Dave" not in free

    # the demo's private acts reach the public log in one batch, as `civic tick` would
    # release them, so the log shows them; none waits in the queue
    assert db.session.scalar(select(func.count()).select_from(AuditPending)) == 0
    casts = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "proposal:vote_cast")
    ).all()
    assert casts and all(e.shown.time.minute == e.shown.time.second == 0 for e in casts)
