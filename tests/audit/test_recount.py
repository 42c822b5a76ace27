"""Recounts from published data: `/budgets/<slug>/ballots.pb`, the verifier's `--recount`
(a round or a vote, through a `Site` whose `get` is the Flask test client), `flask civic
tally URL`, and the pages that explain how to check."""

from __future__ import annotations

import json

import pytest
from pabutools.election.pabulib import parse_pabulib_from_string

from civic.audit import verifier
from civic.audit.verifier import FetchError, recount
from civic.budgets import services
from civic.budgets.models import BallotKind, Phase
from civic.budgets.pabulib import parse
from civic.consultations import services as consultation_services
from civic.votes import services as vote_services
from civic.votes.models import ProposalState
from tests.budgets.rounds_helpers import KINDS, enter_paper, make_round, resident_of
from tests.consultations.helpers import make_consultation
from tests.votes.helpers import make_proposal, residents

BASE = "http://localhost"


def closed_round(kind=BallotKind.APPROVAL, rule="greedy", **extra):
    """A round in its results phase with 12 ballots of `kind`, a quarter on paper."""
    settings, votes = KINDS[kind]
    round_, moderator, projects = make_round(kind, rule=rule, **settings, **extra)
    for n, (indexes, points) in enumerate(votes * 3):
        choice = [(projects[i].id, p) for i, p in zip(indexes, points or [1] * 3, strict=False)]
        voter = resident_of(round_.area)
        if n % 4 == 0:
            enter_paper(moderator, round_, choice, voter)
        else:
            services.cast_ballot(voter, round_, choice)
    services.advance_phase(moderator, round_, Phase.RESULTS, reason="Counted early for the test")
    return round_


def fetcher(client, tamper=None):
    """A `Site.get` answered by the Flask test client; `tamper(path, body)` may alter a file
    on its way, as a dishonest or broken site would."""

    def get(path: str) -> bytes:
        response = client.get(path)
        if response.status_code != 200:
            raise FetchError(f"{BASE}{path}: HTTP {response.status_code}")
        return tamper(path, response.data) if tamper else response.data

    return get


def edit_json(suffix, change):
    def tamper(path, body):
        if not path.endswith(suffix):
            return body
        data = json.loads(body)
        change(data)
        return json.dumps(data).encode()

    return tamper


# --- ballots.pb -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(KINDS))
def test_ballots_pb_holds_the_published_ballots(client, kind):
    round_ = closed_round(kind, rule="mes-add1")
    response = client.get(f"/budgets/{round_.slug}/ballots.pb")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{round_.slug}.pb"'
    text = response.get_data(as_text=True)
    ballots = client.get(f"/budgets/{round_.slug}/ballots.json").get_json()
    published = client.get(f"/budgets/{round_.slug}/results.json").get_json()

    pb = parse(text)  # our parser: the same ballots, in the same order, numbered 1, 2, 3...
    points = kind is BallotKind.CUMULATIVE
    assert [v.voter_id for v in pb.votes] == [str(n) for n in range(1, len(ballots) + 1)]
    assert [(list(v.vote), list(v.points) if points else None) for v in pb.votes] == [
        (b["projects"], b["points"] if points else None) for b in ballots
    ]
    assert [v.fields["paper"] for v in pb.votes] == [str(int(b["paper"])) for b in ballots]
    assert [(p.project_id, p.cost * 100) for p in pb.projects] == [
        (p["id"], p["cost"]) for p in published["projects"]
    ]
    assert pb.meta["rule"] == "equalshares/add1"
    assert pb.meta["budget"] == str(round_.amount // 100)
    assert pb.meta["vote_type"] == published["recount"]["vote_type"]
    assert pb.meta["num_votes"] == str(len(ballots))

    # pabutools reads it too, with the same projects, costs and ballots
    instance, profile = parse_pabulib_from_string(text)
    assert {p.name: int(p.cost) for p in instance} == {p.project_id: p.cost for p in pb.projects}
    assert int(instance.budget_limit) == round_.amount // 100
    assert len(profile) == len(ballots)
    if kind is BallotKind.RANKED:
        assert [[p.name for p in b] for b in profile] == [b["projects"] for b in ballots]
    elif points:
        assert [{p.name: int(v) for p, v in b.items()} for b in profile] == [
            dict(zip(b["projects"], b["points"], strict=True)) for b in ballots
        ]
    else:
        assert [sorted(p.name for p in b) for b in profile] == [
            sorted(b["projects"]) for b in ballots
        ]


def test_ballots_pb_is_withheld_like_ballots_json(client, app, monkeypatch):
    round_ = closed_round()
    monkeypatch.setitem(app.config, "MIN_ELECTORATE", 20)  # 12 ballots are too few
    response = client.get(f"/budgets/{round_.slug}/ballots.pb")
    assert response.status_code == 404
    assert "published" in response.get_data(as_text=True)
    assert client.get(f"/budgets/{round_.slug}/ballots.json").status_code == 404


# --- recounting a round -----------------------------------------------------------------

RULE_CASES = [
    (BallotKind.APPROVAL, "greedy", {}),
    (BallotKind.RANKED, "greedy", {}),
    (BallotKind.K_OF_N, "greedy-no-skip", {}),
    (BallotKind.CUMULATIVE, "greedy-threshold", {"threshold": 20}),
    (BallotKind.APPROVAL, "mes", {}),
    (BallotKind.CUMULATIVE, "mes", {}),
    (BallotKind.RANKED, "mes-add1", {}),
    (BallotKind.APPROVAL, "mes-add1", {}),
]


@pytest.mark.parametrize(("kind", "rule", "extra"), RULE_CASES)
def test_recount_agrees_with_an_honest_round(client, capsys, kind, rule, extra):
    round_ = closed_round(kind, rule, **extra)
    published = client.get(f"/budgets/{round_.slug}/results.json").get_json()
    assert published["selected"]  # somebody won, so agreeing is not trivial

    assert recount(f"{BASE}/budgets/{round_.slug}", fetcher(client)) == 0
    out = capsys.readouterr().out
    assert out.strip().endswith("Recount agrees with the published results.")
    assert f"input fingerprint {published['input_digest']}" in out
    assert f"winners: {', '.join(published['selected'])}" in out
    assert "DIFFERS" not in out
    if rule.startswith("mes"):
        share = published["equal_shares"]["share"]
        assert f"final share per voter {share}" in out


def test_a_swapped_winner_is_named(client, capsys):
    round_ = closed_round(BallotKind.APPROVAL, "mes-add1")
    published = client.get(f"/budgets/{round_.slug}/results.json").get_json()
    winner = published["selected"][0]
    loser = next(p["id"] for p in published["projects"] if not p["selected"])

    def swap(data):
        data["selected"] = [loser if p == winner else p for p in data["selected"]]

    url = f"{BASE}/budgets/{round_.slug}/results"
    assert recount(url, fetcher(client, edit_json("results.json", swap))) == 1
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("Recount differs from the published results: winners differ")
    assert f"published as funded but not by the recount: {loser}" in last
    assert f"funded by the recount but not published: {winner}" in last


def test_a_wrong_fingerprint_is_caught(client, capsys):
    round_ = closed_round(BallotKind.CUMULATIVE, "greedy")

    def forge(data):
        data["input_digest"] = "0" * 64

    url = f"{BASE}/budgets/{round_.slug}"
    assert recount(url, fetcher(client, edit_json("results.json", forge))) == 1
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("Recount differs from the published results: input fingerprint")
    assert "published " + "0" * 64 in last


def test_a_changed_cost_is_named(client, capsys):
    round_ = closed_round(BallotKind.APPROVAL, "mes")
    published = client.get(f"/budgets/{round_.slug}/results.json").get_json()
    second = published["projects"][1]

    def raise_cost(data):
        data["projects"][1]["cost"] += 10_000

    assert (
        recount(f"{BASE}/budgets/{round_.slug}", fetcher(client, edit_json(".json", raise_cost)))
        == 1
    )
    out = capsys.readouterr().out
    pounds = second["cost"] // 100
    assert (
        f"DIFFERS  project #2: results.json has {second['id']} costing {pounds + 100}, "
        f"ballots.pb has {second['id']} costing {pounds}"
    ) in out


def test_a_ballot_missing_from_the_file_is_caught(client, capsys):
    round_ = closed_round(BallotKind.APPROVAL, "greedy")

    def drop_last_ballot(path, body):
        if not path.endswith("ballots.pb"):
            return body
        return body[: body.rstrip(b"\n").rfind(b"\n") + 1]

    assert recount(f"{BASE}/budgets/{round_.slug}", fetcher(client, drop_last_ballot)) == 1
    out = capsys.readouterr().out
    assert "number of ballots: published 12, recounted 11" in out
    assert "DIFFERS  input fingerprint" in out


def test_a_round_without_results_cannot_be_recounted(client, capsys):
    round_, _, _ = make_round()
    assert recount(f"{BASE}/budgets/{round_.slug}", fetcher(client)) == 2
    assert capsys.readouterr().out == (
        f"could not recount: {BASE}/budgets/{round_.slug}/results.json: HTTP 404\n"
    )


def test_recount_refuses_an_address_that_is_not_a_round_or_vote(capsys):
    assert recount(f"{BASE}/consultations/3", lambda path: b"") == 2
    assert "give a round's page" in capsys.readouterr().out


# --- recounting a vote ------------------------------------------------------------------


def closed_vote(votes_for=8, votes_against=4):
    proposal, moderator, area = make_proposal(ProposalState.VOTING, quorum=50)
    voters = residents(area, votes_for + votes_against)
    for n, voter in enumerate(voters):
        vote_services.cast_vote(voter, proposal, "for" if n < votes_for else "against")
    vote_services.close_vote(moderator, proposal, reason="Closed early in this test")
    return proposal


def test_recount_of_a_vote_from_the_ballots_the_site_publishes(client, capsys):
    proposal = closed_vote()
    assert recount(f"{BASE}/votes/{proposal.id}", fetcher(client)) == 0
    out = capsys.readouterr().out
    assert "12 published ballots" in out
    assert "outcome passed (50% quorum of 12, simple majority)" in out


def test_recount_of_a_vote_whose_ballots_are_withheld(app, client, capsys, monkeypatch):
    """Under the privacy minimum no ballot list is published (404): the recount then
    recomputes the outcome from the published counts, and says so."""
    proposal = closed_vote()
    monkeypatch.setitem(app.config, "MIN_ELECTORATE", 13)
    assert client.get(f"/votes/{proposal.id}/ballots.json").status_code == 404
    assert recount(f"{BASE}/votes/{proposal.id}", fetcher(client)) == 0
    out = capsys.readouterr().out
    assert "no ballots are published for this vote" in out
    assert "outcome passed (50% quorum of 12, simple majority)" in out


def test_recount_of_a_vote_from_its_ballots(client, capsys):
    """With the ballots published by receipt (each with its choice), the recount counts
    them; one choice changed in the file is caught."""
    proposal = closed_vote()

    def ballots(choices):
        def get(path):
            if path == f"/votes/{proposal.id}/ballots.json":
                return json.dumps(
                    [{"receipt": f"r{n}", "choice": c} for n, c in enumerate(choices)]
                ).encode()
            return fetcher(client)(path)

        return get

    honest = ["for"] * 8 + ["against"] * 4
    assert recount(f"{BASE}/votes/{proposal.id}", ballots(honest)) == 0
    assert "12 published ballots" in capsys.readouterr().out
    assert recount(f"{BASE}/votes/{proposal.id}", ballots([*honest[1:], "against"])) == 1
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last == "Recount differs from the published results: votes for: published 8, recounted 7"


def test_a_changed_vote_outcome_is_caught(client, capsys):
    proposal = closed_vote(votes_for=5, votes_against=7)

    def forge(data):
        data["vote"]["outcome"] = "passed"

    url = f"{BASE}/votes/{proposal.id}"
    assert recount(url, fetcher(client, edit_json(f"/{proposal.id}", forge))) == 1
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.endswith("outcome: published passed, recounted rejected")


# --- flask civic tally URL --------------------------------------------------------------


@pytest.fixture
def site_via_client(client, monkeypatch):
    """Point `Site.at` (used by `civic tally URL`) at the test client; returns a setter for
    a tampering function."""
    state = {"tamper": None}

    def at(cls, base, timeout=30.0):
        return cls(base, fetcher(client, lambda p, b: (state["tamper"] or (lambda p, b: b))(p, b)))

    monkeypatch.setattr(verifier.Site, "at", classmethod(at))
    return state


def test_tally_url_agrees_with_an_honest_round(app, site_via_client):
    round_ = closed_round(BallotKind.CUMULATIVE, "mes-add1")
    result = app.test_cli_runner().invoke(args=["civic", "tally", f"{BASE}/budgets/{round_.slug}"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("Agrees with the published results.")
    published = json.loads(
        app.test_client().get(f"/budgets/{round_.slug}/results.json").get_data(as_text=True)
    )
    for project in published["selected"]:
        assert f"  {project}\n" in result.output


def test_tally_url_exits_1_on_a_swapped_winner(app, site_via_client):
    round_ = closed_round(BallotKind.APPROVAL, "greedy")

    def swap(data):
        data["selected"] = [*data["selected"][1:], "not-a-project"]

    site_via_client["tamper"] = edit_json("results.json", swap)
    result = app.test_cli_runner().invoke(args=["civic", "tally", f"{BASE}/budgets/{round_.slug}"])
    assert result.exit_code == 1
    assert "Differs from the published results: the count funds" in result.output
    assert "not-a-project" in result.output.splitlines()[-1]


def test_tally_url_with_nothing_published_is_one_line(app, site_via_client):
    round_, _, _ = make_round()
    result = app.test_cli_runner().invoke(args=["civic", "tally", f"{BASE}/budgets/{round_.slug}"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"could not tally {BASE}/budgets/{round_.slug}: "
        f"{BASE}/budgets/{round_.slug}/results.json: HTTP 404"
    ]


def test_tally_of_a_file_still_needs_a_rule(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["civic", "tally", str(tmp_path / "x.pb")])
    assert result.exit_code == 2
    assert "give --rule to tally a file" in result.output


# --- pages ------------------------------------------------------------------------------


def test_how_to_check_page_explains_each_check(client):
    page = client.get("/audit/how-to-check")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for heading in ("Save today's checkpoint", "Check your receipt", "Recount a round or a vote"):
        assert f">{heading}<" in text.replace("</h2>", "<").replace('">1. ', '">').replace(
            '">2. ', '">'
        ).replace('">3. ', '">')
    assert text.count("What it proves:") == text.count("What it does not prove:") == 3
    assert 'href="/audit/verifier.py"' in text and 'href="/receipts"' in text
    assert "python3 verifier.py --recount http://localhost/budgets/ROUND" in text


def test_every_results_page_links_to_how_to_check(client):
    round_ = closed_round(BallotKind.APPROVAL, "mes-add1")
    proposal = closed_vote()
    consultation, moderator, _ = make_consultation()
    consultation_services.close_consultation(moderator, consultation, reason="Closed early here")
    pages = [
        f"/budgets/{round_.slug}/results",
        f"/votes/{proposal.id}",
        f"/consultations/{consultation.id}/analysis",
        "/audit",
    ]
    for path in pages:
        page = client.get(path).get_data(as_text=True)
        assert 'href="/audit/how-to-check' in page, path


def test_results_page_names_the_measure_and_add1_share(client):
    round_ = closed_round(BallotKind.APPROVAL, "mes-add1")
    published = client.get(f"/budgets/{round_.slug}/results.json").get_json()
    page = client.get(f"/budgets/{round_.slug}/results").get_data(as_text=True)
    assert "How benefit is measured: cost utilities." in page
    share = published["equal_shares"]
    numerator, denominator = map(int, share["share"].split("/"))
    final = numerator * 100 // denominator  # the round's shares are whole pence here
    assert f"Each voter's final share: £{final // 100:,}" in page
    assert f"raised every share {share['increment']} times" in page
    assert f'href="/budgets/{round_.slug}/ballots.pb"' in page
    assert f"--recount http://localhost/budgets/{round_.slug}" in page
    assert "How the fingerprint is computed" in page
