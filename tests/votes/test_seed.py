"""The demo's public votes: the decided library sale has a real options appraisal, and
seeding twice adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from civic.extensions import db
from civic.votes.models import OptionKind, Proposal, ProposalKind, ProposalOption, ProposalState


def test_decided_seed_proposal_has_an_options_appraisal(app, client, monkeypatch, tmp_path):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["civic", "seed"]).exit_code == 0
    decided = db.session.scalars(
        select(Proposal).where(Proposal.state == ProposalState.DECIDED)
    ).all()
    assert decided
    for proposal in decided:
        kinds = {o.kind for o in proposal.options}
        assert kinds == set(OptionKind), proposal.title
        weights = (proposal.weight_cost, proposal.weight_quality, proposal.weight_social)
        assert sum(weights) + proposal.weight_carbon == 100
        assert proposal.weight_carbon > 0  # the demo scores carbon (a duty to decarbonise)
        page = client.get(f"/votes/{proposal.id}").get_data(as_text=True)
        assert "No options appraised yet" not in page
        assert 'id="carbon-not-scored"' not in page
        if proposal.kind is ProposalKind.DISPOSAL:
            assert "Friends of Northgate Park (community asset transfer)" in page
    # consultation before outsourcing: the decided repairs vote's consultation, created from
    # the proposal, published its "you said, we did"; the leisure proposal links its own
    repairs = next(p for p in decided if p.service.startswith("Responsive repairs"))
    assert repairs.consultation is not None and repairs.consultation.replied_at is not None
    assert repairs.consultation.closed_at < repairs.voting_from
    page = client.get(f"/votes/{repairs.id}").get_data(as_text=True)
    assert "You said, we did" in page and "transfer the council" in page
    leisure = db.session.scalar(
        select(Proposal).where(Proposal.state == ProposalState.CONSULTATION)
    )
    assert leisure.consultation is not None
    assert leisure.consultation.area_id == leisure.area_id
    counts = (
        db.session.scalar(select(func.count()).select_from(Proposal)),
        db.session.scalar(select(func.count()).select_from(ProposalOption)),
    )
    second = runner.invoke(args=["civic", "seed"])
    assert second.exit_code == 0 and "already loaded" in second.output
    assert (
        db.session.scalar(select(func.count()).select_from(Proposal)),
        db.session.scalar(select(func.count()).select_from(ProposalOption)),
    ) == counts
