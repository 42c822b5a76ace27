"""The demo's public votes: the decided library sale has a real options appraisal, and
seeding twice adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from civic.extensions import db
from civic.votes.models import OptionKind, Proposal, ProposalOption, ProposalState


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
        assert proposal.weight_cost + proposal.weight_quality + proposal.weight_social == 100
        page = client.get(f"/votes/{proposal.id}").get_data(as_text=True)
        assert "No options appraised yet" not in page
        if proposal.kind.value == "disposal":  # the library sale
            assert "Friends of Northgate Park (community asset transfer)" in page
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
