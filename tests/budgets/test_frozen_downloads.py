"""A round's results and ballots downloads are built once, when its results freeze, and
served from the stored bytes with a strong ETag (issue 16, "frozen things are built once")."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import delete, func, select

from civic import frozen
from civic.budgets import downloads, services
from civic.budgets.models import DeliveryStatus, Phase, ProjectStatus
from civic.discussions import services as discussions
from civic.extensions import db
from civic.frozen import FrozenDownload
from tests.budgets.rounds_helpers import make_round, resident_of
from tests.races import all_at_once, skip_without_postgres

NAMES = [
    "results.json",
    "results.csv",
    "ballots.json",
    "ballots.csv",
    "ballots.pb",
    "replaced.json",
]
CHOICES = [(0, 1), (1, 2), (0, 2), (3,), (1, 3), (2, 3)]


@pytest.fixture(autouse=True)
def few_voters_publish(app, monkeypatch):
    monkeypatch.setitem(app.config, "MIN_ELECTORATE", 0)


def _voted_round():
    round_, moderator, projects = make_round(rule="mes")
    for choice in CHOICES:
        services.cast_ballot(
            resident_of(round_.area), round_, [(projects[i].id, 1) for i in choice]
        )
    return round_, moderator, projects


def _freeze(round_, moderator) -> None:
    services.advance_phase(moderator, round_, Phase.RESULTS, reason="Counted early in this test")


def _frozen_round():
    round_, moderator, projects = _voted_round()
    _freeze(round_, moderator)
    return round_, moderator, projects


def _fresh(round_, name: str) -> bytes:
    _, _, build = downloads.download(round_, name)
    return build().encode()


def test_each_download_is_stored_when_the_results_freeze_and_served_as_built(client):
    round_, _, _ = _frozen_round()
    rows = db.session.scalars(
        select(FrozenDownload).where(FrozenDownload.subject == downloads.subject(round_))
    ).all()
    assert sorted(r.name for r in rows) == sorted(NAMES)  # in the freeze's transaction
    for name in NAMES:
        response = client.get(f"/budgets/{round_.slug}/{name}")
        assert response.status_code == 200, name
        body = response.get_data()
        assert body == _fresh(round_, name), name  # what a fresh computation gives
        digest = hashlib.sha256(body).hexdigest()
        assert response.headers["ETag"] == f'"{digest}"', name  # strong: no W/
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get(f"/budgets/{round_.slug}/ballots.pb").headers["Content-Disposition"] == (
        f'attachment; filename="{round_.slug}.pb"'
    )
    assert client.get(f"/budgets/{round_.slug}/results.json").get_json()["ballots"] == 6


def test_a_client_holding_the_bytes_gets_304(client):
    round_, _, _ = _frozen_round()
    first = client.get(f"/budgets/{round_.slug}/ballots.json")
    again = client.get(
        f"/budgets/{round_.slug}/ballots.json", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    other = client.get(f"/budgets/{round_.slug}/ballots.json", headers={"If-None-Match": '"x"'})
    assert other.status_code == 200 and other.get_data() == first.get_data()


@pytest.mark.parametrize("coding", ["br", "gzip"])
def test_a_client_holding_the_compressed_bytes_gets_304_too(client, coding):
    """Compressed, the ETag carries its coding ("<sha256>:br"): sent back, it still names
    the stored bytes, so the client is not sent megabytes of ballots again."""
    round_, _, _ = _frozen_round()
    path = f"/budgets/{round_.slug}/ballots.json"
    first = client.get(path, headers={"Accept-Encoding": coding})
    assert first.headers.get("Content-Encoding") == coding
    again = client.get(
        path, headers={"Accept-Encoding": coding, "If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304 and again.get_data() == b""


def test_nothing_after_the_freeze_changes_the_bytes_or_the_etag(client):
    round_, moderator, projects = _frozen_round()
    before = {name: client.get(f"/budgets/{round_.slug}/{name}") for name in NAMES}
    # later acts elsewhere: a comment on the round, a delivery update, a retitled project
    discussions.post_comment(
        resident_of(round_.area), "budget_round", round_.slug, "When does building start?"
    )
    funded = next(p for p in projects if p.status is ProjectStatus.SELECTED)
    services.update_delivery(moderator, funded, DeliveryStatus.IN_PROGRESS, "Work has begun")
    round_.title = "Riverside 2027 (renamed)"
    db.session.flush()
    assert b"renamed" in _fresh(round_, "results.json")  # a recount now would differ...
    for name in NAMES:
        after = client.get(f"/budgets/{round_.slug}/{name}")
        assert after.headers["ETag"] == before[name].headers["ETag"], name  # ...the file not
        assert after.get_data() == before[name].get_data(), name


def test_a_round_frozen_before_storage_is_built_by_the_first_request_and_kept(client):
    round_, _, _ = _frozen_round()
    db.session.execute(delete(FrozenDownload))  # as for a round frozen before this existed
    first = client.get(f"/budgets/{round_.slug}/results.csv")
    assert first.status_code == 200 and first.get_data() == _fresh(round_, "results.csv")
    assert frozen.stored(downloads.subject(round_), "results.csv") is not None
    assert (
        client.get(f"/budgets/{round_.slug}/results.csv").headers["ETag"] == (first.headers["ETag"])
    )


def test_while_voting_is_open_nothing_is_computed_or_stored(client):
    round_, _, projects = make_round(rule="mes")
    services.cast_ballot(resident_of(round_.area), round_, [(projects[0].id, 1)])
    for name in NAMES:
        response = client.get(f"/budgets/{round_.slug}/{name}")
        assert response.status_code == 404, name
        assert (
            "Cache-Control" not in response.headers
            or "immutable" not in (response.headers["Cache-Control"])
        )
    assert db.session.scalar(select(func.count()).select_from(FrozenDownload)) == 0


def test_withheld_ballots_are_neither_stored_nor_served(app, client, monkeypatch):
    round_, moderator, _ = _voted_round()
    monkeypatch.setitem(app.config, "MIN_ELECTORATE", 10)
    _freeze(round_, moderator)  # 6 ballots, fewer than 10
    names = set(
        db.session.scalars(
            select(FrozenDownload.name).where(FrozenDownload.subject == downloads.subject(round_))
        )
    )
    assert names == {"results.json", "results.csv"}
    assert client.get(f"/budgets/{round_.slug}/ballots.json").status_code == 404
    assert client.get(f"/budgets/{round_.slug}/ballots.pb").status_code == 404


@pytest.mark.commits
def test_two_first_builders_at_once_store_one_copy_and_serve_it(app):
    skip_without_postgres()
    subject, name = "budget_round:race-test", "ballots.json"
    got: dict[int, str] = {}

    def build(n: int) -> None:
        # each writes different bytes: the unique index, not a Python check, decides
        got[n] = frozen.store(subject, name, "application/json", f'{{"copy": {n}}}').sha256

    assert all_at_once(app, 6, build) == []
    with app.app_context():
        rows = db.session.scalars(
            select(FrozenDownload).where(FrozenDownload.subject == subject)
        ).all()
        assert len(rows) == 1
        assert set(got.values()) == {rows[0].sha256}  # every builder serves the stored copy
        assert rows[0].sha256 == hashlib.sha256(rows[0].body).hexdigest()
