"""Our rules on the real Pabulib files against two independent references: pabutools'
winners, and the winners the cities published (the ``selected`` column)."""

from __future__ import annotations

import json

import pytest

from civic.budgets.pabulib import parse_file
from civic.budgets.tally import compute_for_file, tally_file

from .conftest import DATA, pb_files

EXPECTED = json.loads((DATA / "expected_pabutools.json").read_text(encoding="utf-8"))["files"]
LIVE_SECONDS = 0.3  # pabutools reruns live where it took less than this when stored

CITY_RULES = {
    "greedy": "greedy",
    "greedy-no-skip": "greedy-no-skip",
    "greedy-threshold": "greedy-threshold",
    "equalshares/add1": "mes-add1",
}

# Files whose published result departs from a rule we run, and why (checked below).
DEPARTURES = {
    # Poznań's "greedy-custom": greedy-no-skip, then a project the remaining money covers 80%
    # of is funded from a reserve (selected = 2), and extra money from other districts funds
    # the next highest-voted projects (selected = 3). greedy-no-skip gives exactly the 1s.
    "Poland_Poznan_2023_13_-_Jezyce_sw.Lazarz.pb": "greedy-no-skip",
    "Poland_Poznan_2023_3_-_Piatkowo_Polnoc_Piatkowo.pb": "greedy-no-skip",
    "Poland_Poznan_2023_6_-_Ogrody_Solacz_Winiary_Wola.pb": "greedy-no-skip",
    "Poland_Poznan_2025_9_-_Stare_Miasto__large.pb": "greedy-no-skip",
    "Poland_Poznan_2026_13_-_Jezyce_Sw.Lazarz__large.pb": "greedy-no-skip",
    "Poland_Poznan_2026_5_-_Grunwald_Polnoc_Grunwald_Poludnie_Stary_Grunwald__small.pb": (
        "greedy-no-skip"
    ),
    # Warszawa 2024's "greedy-exclusive" (greedy where some projects exclude each other):
    # no exclusion bit in these districts, so plain greedy gives the published result.
    "Poland_Warszawa_2024_Praga-Polnoc.pb": "greedy",
    "Poland_Warszawa_2024_Rembertow.pb": "greedy",
    "Poland_Warszawa_2024_Ursynow.pb": "greedy",
}


def _reference_cases():
    for name, rules in sorted(EXPECTED.items()):
        for rule, entry in sorted(rules.items()):
            marks = [] if entry.get("seconds", 0) < LIVE_SECONDS else [pytest.mark.slow]
            yield pytest.param(name, rule, entry, id=f"{name[:40]}-{rule}", marks=marks)


def test_every_approval_and_cumulative_file_has_a_pabutools_reference():
    covered = {
        p.name
        for p in pb_files()
        if parse_file(p).vote_type in ("approval", "choose-1", "cumulative")
    }
    assert covered == set(EXPECTED)
    assert all(set(rules) == {"greedy", "mes", "mes-add1"} for rules in EXPECTED.values())


@pytest.mark.parametrize(("name", "rule", "entry"), list(_reference_cases()))
def test_winners_match_pabutools(name, rule, entry):
    path = DATA / name
    if "final_step" in entry:
        _check_add1_final_step(path, entry["final_step"])
        if "selected" not in entry:  # the whole loop timed out: its deciding steps are checked
            return
    if "timeout" in entry:
        pytest.skip(f"pabutools did not finish {rule} on {name} in {entry['timeout']} s")
    outcome = compute_for_file(parse_file(path), rule)
    if entry.get("all_supported_fit"):
        # Every supported project fits: Add1 never overspends and funds them all (pabutools'
        # loop would run to its bound of budget x (voters + 1)).
        assert {p for p, r in outcome.projects.items() if r.votes} == set(outcome.selected)
        return
    if entry["seconds"] < LIVE_SECONDS:
        from .pabutools_ref import winners

        assert sorted(winners(path, rule)) == entry["selected"], "stale expected_pabutools.json"
    ties = {p: r.tied_with for p, r in outcome.projects.items() if r.tied_with}
    assert sorted(outcome.selected) == entry["selected"], f"ties broken along the way: {ties}"


def _check_add1_final_step(path, step: dict) -> None:
    """pabutools' whole Add1 loop did not finish here; the two steps that decide its answer
    did: at our final increment k its MES picks our winners within the budget, and at k + 1
    it overspends, so the loop would stop where ours did with the same winners (each earlier
    step fitting is what our own exact reruns check)."""
    outcome = compute_for_file(parse_file(path), "mes-add1")
    assert outcome.increment == step["increment"]
    assert sorted(outcome.selected) == step["selected"]
    assert outcome.cost == step["cost"] <= step["budget"] < step["next_cost"]


def _official_cases():
    for path in pb_files():
        pb = parse_file(path)
        if "selected" not in pb.project_columns:
            continue
        rule = DEPARTURES.get(path.name) or CITY_RULES.get(pb.meta.get("rule", ""))
        if rule:
            yield pytest.param(path, rule, id=path.stem[:50])


@pytest.mark.parametrize(("path", "rule"), list(_official_cases()))
def test_official_winners(path, rule):
    pb = parse_file(path)
    published = {p.project_id for p in pb.projects if p.fields["selected"] == "1"}
    extra = {p.project_id for p in pb.projects if p.fields["selected"] not in ("0", "1")}
    assert (path.name in DEPARTURES) == (pb.meta["rule"] not in CITY_RULES)
    assert not extra or path.name in DEPARTURES
    assert set(compute_for_file(pb, rule).selected) == published


def test_official_cases_cover_every_greedy_file_and_assen():
    names = {param.values[0].name for param in _official_cases()}
    assert "Netherlands_Assen_2024.pb" in names
    for path in pb_files():
        pb = parse_file(path)
        if pb.meta.get("rule") in CITY_RULES and "selected" in pb.project_columns:
            assert path.name in names


def test_tally_file_reports_selection_cost_and_time():
    result = tally_file(DATA / "Netherlands_Assen_2024.pb", "mes-add1")
    pb = parse_file(DATA / "Netherlands_Assen_2024.pb")
    cost = {p.project_id: p.cost for p in pb.projects}
    assert set(result) == {"selected", "cost", "rule", "seconds"}
    assert result["rule"] == "mes-add1" and result["seconds"] >= 0
    assert result["cost"] == sum(cost[p] for p in result["selected"]) <= pb.budget


def test_tally_file_on_a_malformed_file_gives_one_line_with_the_line_number(tmp_path):
    from civic.budgets.pabulib import PabulibError

    text = (DATA / "Netherlands_Assen_2024.pb").read_text(encoding="utf-8")
    bad = tmp_path / "bad.pb"
    bad.write_text(text.replace("3;7200;", "3;seven thousand;", 1), encoding="utf-8")
    with pytest.raises(PabulibError, match=r"^line 20: cost of project '3'") as caught:
        tally_file(bad, "greedy")
    assert "\n" not in str(caught.value)
