"""Right after `make run`: an invitation waits for the demo resident, and Millbrook TRA's
page names its organiser and the members who chose it, and counts the rest."""

from __future__ import annotations

import pytest

from tests.conftest import login


@pytest.fixture
def seeded(app, monkeypatch, tmp_path):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    result = app.test_cli_runner().invoke(args=["civic", "seed"])
    assert result.exit_code == 0, result.output
    assert "group invitations" in result.output


def test_the_demo_resident_has_an_invitation_to_answer(client, seeded):
    from civic.accounts.services import find_user_by_email

    resident = find_user_by_email("resident@civic.example")
    login(client, resident, "resident-demo-password")
    assert "Invitations (1)" in client.get("/").get_data(as_text=True)
    page = client.get("/accounts/invitations").get_data(as_text=True)
    assert "Millbrook Tenants and Residents Association" in page and "/accept" in page


def test_the_demo_group_page_names_only_who_chose_it(client, seeded):
    page = client.get("/accounts/groups/millbrook-tra").get_data(as_text=True)
    # 4 set up with the group, and 3 Millbrook residents who joined it (slice groups)
    assert "7 members." in page
    for named in ("Bridget Lowe", "Jamal Hussain", "Eileen Shaw"):
        assert named in page, named
    assert "Tomasz Nowak" not in page and "4 other members chose not to be named" in page
    assert "new.neighbour@civic.example" not in page  # invitations are for managers' eyes
    assert "/budgets/" in page  # the group's own round is linked
