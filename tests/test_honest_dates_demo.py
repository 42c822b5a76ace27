"""The demo shows honest dates: a vote and a consultation closed early and a round moved on
early, each with its reason, in its list and on its page."""

from __future__ import annotations

from sqlalchemy import select

from civic.budgets.models import BudgetRound
from civic.consultations.models import Consultation
from civic.extensions import db
from civic.votes.models import Proposal


def test_the_demo_has_an_early_close_of_each_kind_with_its_reason(
    app, client, monkeypatch, tmp_path
):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    assert app.test_cli_runner().invoke(args=["civic", "seed"]).exit_code == 0
    vote = db.session.scalar(select(Proposal).where(Proposal.close_reason != ""))
    consultation = db.session.scalar(select(Consultation).where(Consultation.close_reason != ""))
    round_ = db.session.scalar(
        select(BudgetRound).where(BudgetRound.slug == "northgate-trees-2027")
    )
    assert vote and consultation and round_ and round_.moved_early()
    assert "Closed early on" in client.get(f"/votes/{vote.id}").get_data(as_text=True)
    assert "Closed early on" in client.get("/votes").get_data(as_text=True)
    listed = client.get("/consultations").get_data(as_text=True)
    assert "Closed early on" in listed
    rounds = client.get("/budgets").get_data(as_text=True)
    assert "Review since" in rounds and "The tree officer can only survey" in rounds
    page = client.get(f"/budgets/{round_.slug}").get_data(as_text=True)
    assert "moved on early" in page
