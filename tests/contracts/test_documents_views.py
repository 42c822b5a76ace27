"""The upload form, the download's headers and who may see what, over HTTP."""

from __future__ import annotations

import hashlib
import io
import json
import re

import pytest
from sqlalchemy import func, select, update

from civic.audit.models import AuditEntry
from civic.contracts import documents as services
from civic.contracts.document_models import ContractDocument, DocumentBlob
from civic.contracts.documents import Upload
from civic.contracts.models import ContractState
from civic.extensions import db
from tests.conftest import csrf_token, login
from tests.contracts import documents_helpers as files
from tests.factories import ContractFactory, ModeratorFactory, UserFactory


def _upload(client, contract, title, name, data, path=None):
    path = path or f"/contracts/{contract.id}/documents/new"
    return client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "title": title,
            "file": (io.BytesIO(data), name, "application/pdf"),
        },
        content_type="multipart/form-data",
    )


def _documents() -> int:
    return db.session.scalar(select(func.count()).select_from(ContractDocument))


def _published(name: str = "contract.pdf", data: bytes | None = None, **contract_fields):
    """A contract with one document a moderator added, committed for the requests."""
    contract = ContractFactory(**contract_fields)
    moderator = ModeratorFactory()
    document = services.add_document(
        moderator, contract, "Contract", Upload(name, files.pdf() if data is None else data)
    )
    db.session.commit()
    return contract, document, moderator


def test_a_moderator_uploads_and_the_page_shows_the_digest_and_its_audit_entry(client):
    contract = ContractFactory()
    login(client, ModeratorFactory())
    data = files.docx()
    response = _upload(client, contract, "Signed contract", "Signed contract.docx", data)
    assert response.status_code == 302
    document = db.session.scalars(select(ContractDocument)).one()
    page = client.get(f"/contracts/{contract.id}").get_data(as_text=True)
    digest = hashlib.sha256(data).hexdigest()
    assert digest in page
    assert f'href="/audit/entries/{document.audit_seq}"' in page
    assert "sha256sum" in page
    assert f"/contracts/{contract.id}/documents/{document.id}/Signed%20contract.docx" in page


def test_the_downloaded_bytes_match_the_digest_in_the_log(client):
    data = files.pdf()
    contract, document, _ = _published(data=data)
    response = client.get(f"/contracts/{contract.id}/documents/{document.id}/contract.pdf")
    assert response.status_code == 200
    logged = json.loads(db.session.get(AuditEntry, document.audit_seq).body)["data"]["sha256"]
    assert hashlib.sha256(response.data).hexdigest() == logged == document.sha256


def test_a_download_has_safe_headers(client):
    contract, document, _ = _published("Cytundeb ŵyn.csv", files.csv())
    url = f"/contracts/{contract.id}/documents/{document.id}/{document.filename}"
    response = client.get(url)
    headers = response.headers
    assert response.status_code == 200
    assert headers["Content-Type"] == "text/csv; charset=utf-8"
    disposition = headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert disposition == (
        "attachment; filename=\"Cytundeb wyn.csv\"; filename*=UTF-8''Cytundeb%20%C5%B5yn.csv"
    )
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert headers["ETag"] == f'"{document.sha256}"'
    assert headers["Cache-Control"] == "public, no-cache"
    again = client.get(url, headers={"If-None-Match": f'"{document.sha256}"'})
    assert again.status_code == 304
    assert again.data == b""


def test_a_plain_name_is_an_attachment_too(client):
    contract, document, _ = _published()
    response = client.get(f"/contracts/{contract.id}/documents/{document.id}/contract.pdf")
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"contract.pdf\"; filename*=UTF-8''contract.pdf"
    )


def test_a_wrong_name_in_the_address_redirects_to_the_real_one(client):
    contract, document, _ = _published()
    response = client.get(f"/contracts/{contract.id}/documents/{document.id}/other.exe")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/documents/{document.id}/contract.pdf")
    elsewhere = ContractFactory()
    db.session.commit()
    stray = client.get(f"/contracts/{elsewhere.id}/documents/{document.id}/contract.pdf")
    assert stray.status_code == 404


def test_a_refused_upload_shows_the_reason_by_the_file_field_and_keeps_the_title(client):
    contract = ContractFactory()
    login(client, ModeratorFactory())
    response = _upload(client, contract, "Signed contract", "contract.pdf", files.EXE)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "govuk-error-summary" in page
    assert 'href="#file"' in page
    assert re.search(r'id="file-error"[^>]*>.*Windows program', page, re.S)
    assert 'value="Signed contract"' in page
    assert _documents() == 0


def test_a_file_just_over_the_limit_is_a_form_error(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_BYTES", 2048)
    contract = ContractFactory()
    login(client, ModeratorFactory())
    response = _upload(client, contract, "Big", "big.pdf", files.pdf() + b"%" * 3000)
    assert response.status_code == 422
    assert "documents can be at most 2 KB" in response.get_data(as_text=True)
    assert _documents() == 0


def test_a_request_far_over_the_limit_gets_a_clear_413_page(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_BYTES", 2048)
    contract = ContractFactory()
    login(client, ModeratorFactory())
    big = files.pdf() + b"%" * (200 * 1024)
    response = _upload(client, contract, "Huge", "huge.pdf", big)
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "Documents can be at most 2 KB" in page
    assert _documents() == 0


def test_the_upload_page_takes_more_than_the_site_wide_limit(client, app, monkeypatch):
    """A 2 MB document is fine on the upload page though every other page stops at 1 MB."""
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024 * 1024)
    contract = ContractFactory()
    login(client, ModeratorFactory())
    data = files.pdf() + b"%" + b"x" * (2 * 1024 * 1024)
    response = _upload(client, contract, "Large scan", "scan.pdf", data)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert _documents() == 1


@pytest.mark.parametrize("role", ["anonymous", "resident"])
def test_only_moderators_reach_the_upload_replace_and_withdraw_pages(client, role):
    contract, document, _ = _published("c.pdf")
    if role == "resident":
        login(client, UserFactory())
    base = f"/contracts/{contract.id}/documents"
    for path in (f"{base}/new", f"{base}/{document.id}/replace", f"{base}/{document.id}/withdraw"):
        response = client.get(path)
        assert response.status_code in ((403,) if role == "resident" else (302, 403)), path
    page = client.get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert "Add a document" not in page
    assert "Withdraw" not in page


def test_replacing_through_the_form_keeps_the_old_version_listed(client):
    contract, old, moderator = _published("c.pdf")
    login(client, moderator)
    path = f"/contracts/{contract.id}/documents/{old.id}/replace"
    assert 'value="Contract"' in client.get(path).get_data(as_text=True)
    response = _upload(client, contract, "Contract v2", "c2.odt", files.odf(), path=path)
    assert response.status_code == 302
    page = client.get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert "Earlier version" in page
    assert old.sha256 in page
    assert client.get(f"/contracts/{contract.id}/documents/{old.id}/c.pdf").status_code == 200


def test_withdrawing_through_the_form(client):
    contract, document, moderator = _published("c.pdf")
    login(client, moderator)
    path = f"/contracts/{contract.id}/documents/{document.id}/withdraw"
    empty = client.post(path, data={"csrf_token": csrf_token(client, path), "reason": ""})
    assert empty.status_code == 422
    done = client.post(
        path, data={"csrf_token": csrf_token(client, path), "reason": "Personal data on page 3"}
    )
    assert done.status_code == 302
    assert client.get(f"/contracts/{contract.id}/documents/{document.id}/c.pdf").status_code == 200
    client.post("/accounts/sign-out", data={"csrf_token": csrf_token(client, "/")})
    page = client.get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert "Personal data on page 3" in page
    assert f"/documents/{document.id}/c.pdf" not in page
    assert client.get(f"/contracts/{contract.id}/documents/{document.id}/c.pdf").status_code == 404


def test_a_drafts_documents_are_only_for_moderators(client):
    draft, document, moderator = _published("d.pdf", state=ContractState.DRAFT, published_at=None)
    url = f"/contracts/{draft.id}/documents/{document.id}/d.pdf"
    assert client.get(url).status_code == 404
    login(client, UserFactory())
    assert client.get(url).status_code == 404
    login(client, moderator)
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"


def test_a_stored_file_changed_behind_civics_back_is_not_served(client):
    contract, document, _ = _published()
    db.session.execute(
        update(DocumentBlob)
        .where(DocumentBlob.sha256 == document.sha256)
        .values(content=files.pdf() + b"% tampered")
    )
    db.session.commit()
    response = client.get(f"/contracts/{contract.id}/documents/{document.id}/contract.pdf")
    assert response.status_code == 409
    assert "does not match the SHA-256" in response.get_data(as_text=True)
