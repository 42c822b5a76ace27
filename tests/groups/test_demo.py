"""Right after `make run`: Millbrook TRA is open to join, publishes its rules, and shows
a passed motion with its count, the rule that decided it and its minutes."""

from __future__ import annotations

import pytest

from tests.races import log_of


@pytest.fixture
def seeded(app, monkeypatch, tmp_path):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    result = app.test_cli_runner().invoke(args=["civic", "seed"])
    assert result.exit_code == 0, result.output
    assert "a passed motion" in result.output


def test_the_demo_group_has_a_passed_minuted_motion(client, seeded):
    data = client.get("/api/v1/groups/millbrook-tra").get_json()
    assert data["rules"]["join_policy"] == "open"
    assert data["rules"]["quorum_rule"] == "share" and data["rules"]["quorum_value"] == 50
    passed = [m for m in data["motions"] if m["state"] == "closed"]
    assert len(passed) == 1
    result = passed[0]["result"]
    assert (result["outcome"], result["for"], result["against"], result["abstain"]) == (
        "passed",
        4,
        1,
        1,
    )
    assert passed[0]["electorate"] == 7
    assert "housing team" in passed[0]["minutes"]
    assert any(m["state"] == "discussion" for m in data["motions"])
    page = client.get(f"/groups/millbrook-tra/motions/{passed[0]['id']}").get_data(as_text=True)
    assert "Passed: 4 for, 1 against, 1 abstaining" in page
    assert "<li>Jamal to keep the log" in page  # the minutes, rendered from Markdown
    group_page = client.get("/accounts/groups/millbrook-tra").get_data(as_text=True)
    assert "Open: anyone who has shown Civic they live in Millbrook" in group_page


def test_one_demo_vote_on_the_motion_came_on_paper(client, seeded):
    """Entered by the organiser at the general meeting (civic.groups.paper)."""
    data = client.get("/api/v1/groups/millbrook-tra").get_json()
    (passed,) = [m for m in data["motions"] if m["state"] == "closed"]
    motion = client.get(f"/api/v1/groups/millbrook-tra/motions/{passed['id']}").get_json()
    # the test suite publishes any count (CIVIC_MIN_ELECTORATE 0); the demo's 10 withholds it
    assert motion["paper_and_online"] == {"paper": 1, "online": 5}
    entered = [e[2] for e in log_of("group", "millbrook-tra") if e[1] == "paper:enter"]
    # the other is the contested paper on the motion still voting (the one queue, /contests)
    assert {"motion": passed["id"], "paper": f"M{passed['id']}-0001"} in entered
    assert len(entered) == 2
