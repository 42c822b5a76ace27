"""The carbon / decarbonisation score in the options appraisal: a fourth score with its
published weight, the four weights adding up to 100, older appraisals shown as "not
scored" with their totals unchanged, and the migration that brings them there."""

from __future__ import annotations

from fractions import Fraction

import pytest
import sqlalchemy as sa

from civic.errors import ValidationFailed
from civic.votes import services
from civic.votes.decision import weighted_total
from civic.votes.models import OptionKind, ProposalState
from tests.conftest import csrf_token, login, on_postgres
from tests.votes.helpers import complete_case, make_proposal


def _appraise(moderator, proposal, weights=(35, 25, 25, 15)):
    cost, quality, social, carbon = weights
    services.update_case(
        moderator,
        proposal,
        weight_cost=cost,
        weight_quality=quality,
        weight_social=social,
        weight_carbon=carbon,
    )
    services.set_options(
        moderator,
        proposal,
        [
            services.OptionInput(
                OptionKind.IN_HOUSE, "Council", 1_100_000_00, 70, 60, 80, carbon_score=90
            ),
            services.OptionInput(
                OptionKind.PRIVATE, "LeisureCo", 950_000_00, 90, 55, 30, carbon_score=20
            ),
        ],
    )


def test_the_carbon_score_counts_with_its_weight():
    proposal, moderator, _ = make_proposal()
    _appraise(moderator, proposal)
    rows = services.option_rows(proposal)
    # by hand: in-house (2450 + 1500 + 2000 + 1350) / 100 = 73;
    #          private (3150 + 1375 + 750 + 300) / 100 = 55.75
    assert [(r["option"].kind, r["total"]) for r in rows] == [
        (OptionKind.IN_HOUSE, Fraction(73)),
        (OptionKind.PRIVATE, Fraction(5575, 100)),
    ]
    assert [r["total_text"] for r in rows] == ["73.0", "55.8"]
    assert services.carbon_scored(proposal)


def test_the_four_weights_must_add_up_to_100():
    proposal, moderator, _ = make_proposal()
    with pytest.raises(ValidationFailed) as refused:
        services.update_case(
            moderator,
            proposal,
            weight_cost=40,
            weight_quality=30,
            weight_social=30,
            weight_carbon=10,
        )
    message = refused.value.errors["weight_cost"]
    assert "four weights" in message and "carbon" in message and "110" in message
    with pytest.raises(ValidationFailed):
        services.update_case(moderator, proposal, weight_carbon=-5, weight_cost=45)
    services.update_case(moderator, proposal, weight_cost=30, weight_carbon=10)
    assert (proposal.weight_cost, proposal.weight_carbon) == (30, 10)


def test_carbon_scores_out_of_range_are_reported_with_the_others():
    proposal, moderator, _ = make_proposal()
    options = [
        services.OptionInput(OptionKind.IN_HOUSE, "Council", 1, 70, 60, 80, carbon_score=101),
        services.OptionInput(OptionKind.PRIVATE, "LeisureCo", 1, 150, 55, 30, carbon_score=-1),
    ]
    with pytest.raises(ValidationFailed) as refused:
        services.set_options(moderator, proposal, options)
    assert set(refused.value.errors) == {
        "in_house-carbon_score",
        "private-carbon_score",
        "private-cost_score",
    }
    assert (
        "the carbon score must be between 0 and 100" in refused.value.errors["private-carbon_score"]
    )


def test_an_appraisal_from_before_carbon_says_not_scored_and_keeps_its_totals(client):
    proposal, _moderator, _ = make_proposal(ProposalState.CONSULTATION)
    # as migrated: weight 0 and every carbon score 0; the helper's 40/30/30 appraisal
    assert proposal.weight_carbon == 0 and all(o.carbon_score == 0 for o in proposal.options)
    assert not services.carbon_scored(proposal)
    totals = {r["option"].kind: r["total"] for r in services.option_rows(proposal)}
    assert totals[OptionKind.IN_HOUSE] == weighted_total((70, 60, 80), (40, 30, 30))
    page = client.get(f"/votes/{proposal.id}").get_data(as_text=True)
    assert 'id="carbon-not-scored"' in page and "not scored" in page
    assert page.count("Not scored</td>") == 2
    data = client.get(f"/api/v1/proposals/{proposal.id}").get_json()
    assert data["carbon_scored"] is False and data["weights"]["carbon"] == 0


def test_the_page_and_json_show_carbon(client):
    proposal, moderator, _ = make_proposal()
    complete_case(moderator, proposal)
    _appraise(moderator, proposal)
    services.open_consultation(moderator, proposal, 28)
    page = client.get(f"/votes/{proposal.id}").get_data(as_text=True)
    assert ">Carbon</th>" in page and "carbon 15%" in page
    assert 'id="carbon-not-scored"' not in page
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">90</td>' in page
    data = client.get(f"/api/v1/proposals/{proposal.id}").get_json()
    assert data["weights"] == {"cost": 35, "quality": 25, "social_value": 25, "carbon": 15}
    assert [o["carbon_score"] for o in data["options"]] == [90, 20]
    assert data["carbon_scored"] is True


def test_the_case_form_takes_the_carbon_weight(client):
    proposal, moderator, _ = make_proposal()
    login(client, moderator)
    url = f"/votes/{proposal.id}/manage"
    assert 'name="case-weight_carbon"' in client.get(url).get_data(as_text=True)
    case = {
        "case-title": proposal.title,
        "case-service": proposal.service,
        "case-weight_cost": "40",
        "case-weight_quality": "30",
        "case-weight_social": "30",
        "case-weight_carbon": "20",
        "case-submit": "Save the case",
    }
    refused = client.post(f"{url}/case", data={"case-csrf_token": csrf_token(client, url), **case})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "they add up to 120" in page
    assert 'value="20"' in page  # the input stays
    case["case-weight_cost"] = "20"
    saved = client.post(f"{url}/case", data={"case-csrf_token": csrf_token(client, url), **case})
    assert saved.status_code == 302
    assert (proposal.weight_cost, proposal.weight_carbon) == (20, 20)


def test_the_options_form_reads_the_carbon_score(client):
    proposal, moderator, _ = make_proposal()
    login(client, moderator)
    url = f"/votes/{proposal.id}/manage"
    row = zip(
        ("provider", "annual_cost", "cost_score", "quality_score", "social_value_score"),
        ("Council", "900000", "70", "60", "80"),
        strict=True,
    )
    fields = {f"in_house-{name}": value for name, value in row}
    response = client.post(
        f"{url}/options",
        data={
            "csrf_token": csrf_token(client, url),
            "in_house-included": "1",
            "in_house-carbon_score": "85",
            **fields,
        },
    )
    assert response.status_code == 302
    assert [o.carbon_score for o in proposal.options] == [85]


def _carbon_migration() -> tuple[str, str]:
    """The migration that adds the carbon score, and the one before it (by file, so the
    test follows the chain when migrations are renumbered)."""
    import re
    from pathlib import Path

    versions = Path(__file__).resolve().parents[2] / "migrations" / "versions"
    (path,) = versions.glob("*_outsourcing.py")
    text = path.read_text()
    revision = re.search(r'^revision = "([^"]+)"', text, re.M)
    before = re.search(r'^down_revision = "([^"]+)"', text, re.M)
    assert revision and before
    return revision.group(1), before.group(1)


def test_the_migration_gives_older_proposals_weight_0_and_scores_0(tmp_path):
    if on_postgres():
        pytest.skip("runs the migrations on a fresh SQLite file; CI's PostgreSQL is shared")
    from flask_migrate import upgrade

    from civic import create_app

    url = f"sqlite:///{tmp_path / 'migrate.db'}"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        revision, before = _carbon_migration()
        upgrade(revision=before)
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            _insert_minimal(connection, "area", {"id": 1})
            _insert_minimal(connection, "user_account", {"id": 1})
            _insert_minimal(connection, "proposal", {"id": 1, "weight_social": 30})
            _insert_minimal(connection, "proposal_option", {"proposal_id": 1, "cost_score": 70})
        upgrade(revision=revision)
        with engine.connect() as connection:
            proposal = connection.execute(
                sa.text("select weight_carbon, weight_social, consultation_id from proposal")
            ).one()
            option = connection.execute(
                sa.text("select carbon_score, cost_score from proposal_option")
            ).one()
        engine.dispose()
    assert tuple(proposal) == (0, 30, None)
    assert tuple(option) == (0, 70)


def _insert_minimal(connection, table: str, values: dict) -> None:
    """A row with every NOT NULL column filled (the model of this revision is not at hand)."""
    columns = sa.inspect(connection).get_columns(table)
    row = dict(values)
    for column in columns:
        if column["name"] in row or column["nullable"] or column.get("autoincrement") is True:
            continue
        if column["name"] == "id":
            continue
        kind = str(column["type"]).upper()
        if "INT" in kind:
            row[column["name"]] = 1
        elif "BOOL" in kind:
            row[column["name"]] = False
        elif "DATE" in kind or "TIME" in kind:
            row[column["name"]] = "2025-01-01 00:00:00"
        elif column["name"] == "kind" and table in ("proposal", "proposal_option"):
            row[column["name"]] = "outsourcing" if table == "proposal" else "in_house"
        elif column["name"] == "role":
            row[column["name"]] = "moderator"
        elif column["name"] == "state":
            row[column["name"]] = "consultation"
        else:
            row[column["name"]] = "x"
    names = ", ".join(row)
    marks = ", ".join(f":{n}" for n in row)
    connection.execute(sa.text(f"insert into {table} ({names}) values ({marks})"), row)
