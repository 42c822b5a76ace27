"""What issue 16's "frozen things are built once" adds to the round downloads: a
consultation's responses.csv, full audit tiles, a round's replaced.json, and the stored
compressed copies (brotli and gzip) served in place of a per-request recompression."""

from __future__ import annotations

import gzip
import hashlib

import brotli
import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from civic import audit, frozen
from civic.audit import merkle
from civic.audit.models import AuditEntry
from civic.budgets import downloads
from civic.budgets import services as budgets
from civic.budgets.models import Phase
from civic.consultations import services as consultations
from civic.consultations.models import Answer
from civic.extensions import db
from civic.frozen import FrozenDownload
from tests.budgets.rounds_helpers import make_round, resident_of
from tests.consultations.helpers import make_consultation

DECODE = {"br": brotli.decompress, "gzip": gzip.decompress}
ROUND_NAMES = [
    "results.json",
    "results.csv",
    "ballots.json",
    "ballots.csv",
    "ballots.pb",
    "replaced.json",
]


@pytest.fixture(autouse=True)
def few_voters_publish(app, monkeypatch):
    monkeypatch.setitem(app.config, "MIN_ELECTORATE", 0)


def _frozen_round():
    round_, moderator, projects = make_round(rule="mes")
    for choice in [(0, 1), (1, 2), (0, 2), (3,), (1, 3), (2, 3)]:
        voter = resident_of(round_.area)
        budgets.cast_ballot(voter, round_, [(projects[0].id, 1)])
        budgets.cast_ballot(voter, round_, [(projects[i].id, 1) for i in choice])  # replaces
    budgets.advance_phase(moderator, round_, Phase.RESULTS, reason="Counted early in this test")
    return round_


def _closed_consultation(answers: int = 3, before_close=lambda: None):
    consultation, moderator, q = make_consultation()
    for n in range(answers):
        consultations.save_response(
            resident_of(consultation.area),
            consultation,
            {q["single"].id: str(n % 2), q["scale"].id: "4", q["free_text"].id: f"Idea {n}"},
            submit=True,
        )
    before_close()
    consultations.close_consultation(moderator, consultation, reason="Closed early in a test")
    return consultation, moderator, q


def _sha(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


# --- a round: replaced.json joins the frozen downloads ----------------------------------


def test_replaced_json_is_stored_with_the_ballots_and_served_as_built(client):
    round_ = _frozen_round()
    assert frozen.stored(downloads.subject(round_), "replaced.json") is not None  # at freeze
    response = client.get(f"/budgets/{round_.slug}/replaced.json")
    assert response.status_code == 200
    _, _, build = downloads.download(round_, "replaced.json")
    assert response.get_data() == build().encode()
    assert len(response.get_json()["replaced"]) == 6  # each voter's first ballot
    assert response.headers["ETag"] == f'"{_sha(response.get_data())}"'
    assert response.headers["Cache-Control"] == frozen.CACHE_CONTROL
    again = client.get(
        f"/budgets/{round_.slug}/replaced.json", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304


# --- compressed copies ---------------------------------------------------------------


@pytest.mark.parametrize("coding", ["br", "gzip"])
def test_each_round_download_is_served_from_its_stored_compressed_copy(client, coding):
    round_ = _frozen_round()
    for name in ROUND_NAMES:
        row = frozen.stored(downloads.subject(round_), name)
        stored_copy = row.body_br if coding == "br" else row.body_gzip
        assert DECODE[coding](stored_copy) == row.body, name  # the same bytes, compressed
        response = client.get(f"/budgets/{round_.slug}/{name}", headers={"Accept-Encoding": coding})
        assert response.headers["Content-Encoding"] == coding, name
        assert response.get_data() == stored_copy, name  # sent as stored, not recompressed
        assert response.headers["ETag"] == f'"{row.sha256}:{coding}"', name
        assert "Accept-Encoding" in response.headers["Vary"], name
        for held in (f'"{row.sha256}:{coding}"', f'"{row.sha256}"'):
            again = client.get(
                f"/budgets/{round_.slug}/{name}",
                headers={"Accept-Encoding": coding, "If-None-Match": held},
            )
            assert again.status_code == 304 and again.get_data() == b"", (name, held)
            assert again.headers["ETag"] == f'"{row.sha256}:{coding}"'


def test_the_client_s_preference_picks_the_copy_and_none_means_the_bytes(client):
    round_ = _frozen_round()
    path = f"/budgets/{round_.slug}/ballots.json"
    prefers_gzip = client.get(path, headers={"Accept-Encoding": "br;q=0.5, gzip"})
    assert prefers_gzip.headers["Content-Encoding"] == "gzip"
    plain = client.get(path, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert gzip.decompress(prefers_gzip.get_data()) == plain.get_data()


def test_a_row_stored_before_copies_were_kept_gets_them_on_first_compressed_request(client):
    round_ = _frozen_round()
    subject = downloads.subject(round_)
    db.session.execute(update(FrozenDownload).values(body_br=None, body_gzip=None))
    db.session.commit()
    response = client.get(f"/budgets/{round_.slug}/results.json", headers={"Accept-Encoding": "br"})
    assert response.headers["Content-Encoding"] == "br"
    db.session.expire_all()
    row = frozen.stored(subject, "results.json")
    assert row.body_br == response.get_data()
    assert brotli.decompress(row.body_br) == row.body
    assert row.body_gzip is None  # only what was asked for


# --- a consultation's responses.csv ----------------------------------------------------


def test_responses_csv_is_stored_at_the_close_and_served_as_a_fresh_computation(client):
    consultation, _, _ = _closed_consultation()
    subject = consultations.frozen_subject(consultation)
    assert frozen.stored(subject, "responses.csv") is not None  # in the close's transaction
    response = client.get(f"/consultations/{consultation.id}/responses.csv")
    assert response.status_code == 200
    assert response.get_data() == consultations.responses_csv(consultation).encode()
    assert response.headers["ETag"] == f'"{_sha(response.get_data())}"'
    assert response.headers["Cache-Control"] == frozen.CACHE_CONTROL
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="consultation-{consultation.id}-responses.csv"'
    )
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    held = client.get(
        f"/consultations/{consultation.id}/responses.csv",
        headers={"If-None-Match": response.headers["ETag"]},
    )
    assert held.status_code == 304


def test_what_moderators_do_after_the_close_never_changes_responses_csv(client):
    consultation, moderator, q = _closed_consultation()
    before = client.get(f"/consultations/{consultation.id}/responses.csv")
    answer_id = db.session.scalar(select(Answer.id).where(Answer.question_id == q["free_text"].id))
    consultations.tag_answer(moderator, answer_id, ["Repairs"])
    consultations.publish_reply(moderator, consultation, "We heard you; bins stay weekly.")
    db.session.commit()
    after = client.get(f"/consultations/{consultation.id}/responses.csv")
    assert after.headers["ETag"] == before.headers["ETag"]
    assert after.get_data() == before.get_data()
    assert after.get_data() == consultations.responses_csv(consultation).encode()
    # the results JSON, which shows themes and the reply, is computed per request instead
    data = client.get(f"/api/v1/consultations/{consultation.id}/results").get_json()
    assert [t["name"] for t in data["themes"]] == ["Repairs"]


def test_withheld_responses_are_neither_stored_nor_served(app, client, monkeypatch):
    def require_ten() -> None:
        monkeypatch.setitem(app.config, "MIN_ELECTORATE", 10)

    consultation, _, _ = _closed_consultation(answers=2, before_close=require_ten)
    assert frozen.stored(consultations.frozen_subject(consultation), "responses.csv") is None
    assert client.get(f"/consultations/{consultation.id}/responses.csv").status_code == 404
    assert frozen.stored(consultations.frozen_subject(consultation), "responses.csv") is None


# --- audit tiles -----------------------------------------------------------------------


def _log(n: int) -> list[bytes]:
    for i in range(n):
        audit.record(None, "area:create", audit.Subject("area", f"a{i}"), {"i": i})
    db.session.commit()
    return [bytes(b) for b in db.session.scalars(select(AuditEntry.body).order_by(AuditEntry.seq))]


def test_a_full_tile_is_stored_by_its_first_request_and_served_from_storage(client):
    bodies = _log(300)
    expected = b"".join(merkle.leaf_hash(b) for b in bodies[:256])
    first = client.get("/audit/log/tile/0/000")
    assert first.status_code == 200 and first.get_data() == expected
    assert first.headers["ETag"] == f'"{_sha(expected)}"'
    assert first.headers["Cache-Control"] == frozen.CACHE_CONTROL
    assert first.headers["Content-Type"] == "application/octet-stream"
    row = frozen.stored("audit_log:tiles", "0/000")
    assert row is not None and row.body == expected
    assert row.body_br is None  # hashes do not compress: no copy kept, none sent
    assert (
        "Content-Encoding"
        not in client.get("/audit/log/tile/0/000", headers={"Accept-Encoding": "br, gzip"}).headers
    )
    assert (
        client.get(
            "/audit/log/tile/0/000", headers={"If-None-Match": first.headers["ETag"]}
        ).status_code
        == 304
    )
    bundle = client.get("/audit/log/tile/entries/000")
    assert frozen.stored("audit_log:tiles", "entries/000").body == bundle.get_data()
    _log(10)  # the log grows: a stored full tile's bytes do not move
    assert client.get("/audit/log/tile/0/000").headers["ETag"] == first.headers["ETag"]


def test_a_partial_tile_is_computed_not_stored(client):
    bodies = _log(300)
    partial = client.get("/audit/log/tile/0/001.p/44")
    assert partial.get_data() == b"".join(merkle.leaf_hash(b) for b in bodies[256:300])
    names = db.session.scalars(
        select(FrozenDownload.name).where(FrozenDownload.subject == "audit_log:tiles")
    ).all()
    assert names == []


def test_a_get_refused_the_sqlite_write_lock_serves_the_bytes_unstored(client, monkeypatch):
    """On SQLite a GET starts as a reader; when another writer committed meanwhile, its
    INSERT is refused at once. The tile is then served as built, not stored: no 500."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only: PostgreSQL readers take the write lock when they write")
    bodies = _log(256)

    def locked(*args, **kwargs):
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(frozen, "store", locked)
    response = client.get("/audit/log/tile/0/000")
    assert response.status_code == 200
    expected = b"".join(merkle.leaf_hash(b) for b in bodies)
    assert response.get_data() == expected
    assert response.headers["ETag"] == f'"{_sha(expected)}"'
    monkeypatch.undo()
    assert frozen.stored("audit_log:tiles", "0/000") is None  # a later request stores it
    client.get("/audit/log/tile/0/000")
    assert frozen.stored("audit_log:tiles", "0/000").body == expected
