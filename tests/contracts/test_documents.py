"""Contract documents: stored once by SHA-256, the digest in the audit log, replacements
that keep the earlier version, withdrawals with a reason, permissions per role."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import func, select

from civic.audit.models import AuditEntry
from civic.contracts import documents as services
from civic.contracts import sections
from civic.contracts.document_models import ContractDocument, DocumentBlob, DocumentState
from civic.contracts.documents import Upload, safe_filename
from civic.errors import Conflict, PermissionDenied, ValidationFailed
from civic.extensions import db
from tests.contracts import documents_helpers as files
from tests.factories import AdminFactory, ContractFactory, ModeratorFactory, UserFactory


def _entry(seq: int) -> dict:
    entry = db.session.get(AuditEntry, seq)
    assert entry is not None
    return json.loads(entry.body)


def _counts() -> tuple[int, int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(DocumentBlob)),
        db.session.scalar(select(func.count()).select_from(ContractDocument)),
        db.session.scalar(select(func.count()).select_from(AuditEntry)),
    )


def test_the_audit_entry_carries_the_sha256_of_the_stored_bytes():
    contract = ContractFactory()
    data = files.pdf()
    document = services.add_document(
        ModeratorFactory(), contract, " Signed contract ", Upload("signed.pdf", data)
    )
    entry = _entry(document.audit_seq)
    stored = services.content(document)
    assert entry["action"] == "contract_document:add"
    assert entry["subject"] == {"type": "contract", "id": str(contract.id)}
    assert entry["data"]["sha256"] == hashlib.sha256(stored).hexdigest()
    assert entry["data"]["sha256"] == hashlib.sha256(data).hexdigest() == document.sha256
    assert entry["data"]["size"] == len(data) == document.size
    assert entry["data"]["media_type"] == "application/pdf"
    assert entry["data"]["title"] == "Signed contract"
    assert stored == data


def test_the_same_file_is_stored_once_however_often_it_is_added():
    moderator = ModeratorFactory()
    data = files.csv()
    first = services.add_document(moderator, ContractFactory(), "KPIs", Upload("k.csv", data))
    second = services.add_document(moderator, ContractFactory(), "KPIs", Upload("k.csv", data))
    assert first.sha256 == second.sha256
    assert first.id != second.id
    blobs = db.session.scalar(
        select(func.count()).select_from(DocumentBlob).where(DocumentBlob.sha256 == first.sha256)
    )
    assert blobs == 1


@pytest.mark.parametrize(
    ("upload", "words"),
    [
        (Upload("contract.pdf", files.EXE), "Windows program"),
        (Upload("contract.pdf", b""), "The file is empty"),
        (Upload("contract.docx", files.zipped({"x.txt": b"x"})), "not an OpenDocument"),
        (Upload("figures.csv", files.pdf()), "named .csv"),
    ],
)
def test_a_refused_file_writes_nothing(upload, words):
    contract = ContractFactory()
    moderator = ModeratorFactory()
    before = _counts()
    with pytest.raises(ValidationFailed) as failure:
        services.add_document(moderator, contract, "Contract", upload)
    assert words in failure.value.errors["file"]
    assert _counts() == before


def test_a_file_over_the_limit_is_refused_with_the_limit(app, monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_BYTES", 1024)
    before = _counts()
    big = files.pdf() + b"%" + b"x" * 1024
    with pytest.raises(ValidationFailed) as failure:
        services.add_document(ModeratorFactory(), ContractFactory(), "Big", Upload("b.pdf", big))
    assert "at most 1 KB" in failure.value.errors["file"]
    assert _counts() == before


def test_every_problem_is_reported_at_once():
    with pytest.raises(ValidationFailed) as failure:
        services.add_document(ModeratorFactory(), ContractFactory(), "  ", None)
    assert set(failure.value.errors) == {"title", "file"}


@pytest.mark.parametrize("make", [lambda: None, UserFactory])
def test_only_moderators_add_documents(make):
    contract = ContractFactory()
    before = _counts()
    with pytest.raises(PermissionDenied):
        services.add_document(make(), contract, "Contract", Upload("c.pdf", files.pdf()))
    assert _counts() == before


def test_administrators_may_add_documents():
    document = services.add_document(
        AdminFactory(), ContractFactory(), "Contract", Upload("c.pdf", files.pdf())
    )
    assert document.is_current


def test_a_replacement_is_a_new_version_and_the_old_one_stays():
    moderator = ModeratorFactory()
    contract = ContractFactory()
    old = services.add_document(moderator, contract, "Contract", Upload("c.pdf", files.pdf()))
    new = services.replace_document(
        moderator, old, "Contract (variation 1)", Upload("c2.docx", files.docx())
    )
    db.session.refresh(old)
    assert old.state is DocumentState.REPLACED
    assert old.replaced_by_id == new.id
    assert new.is_current and new.id != old.id
    assert services.content(old) == files.pdf()  # still there, unchanged
    entry = _entry(new.audit_seq)
    assert entry["action"] == "contract_document:replace"
    assert entry["data"]["replaces"] == old.id
    assert entry["data"]["replaces_sha256"] == old.sha256
    assert entry["data"]["sha256"] == hashlib.sha256(files.docx()).hexdigest()
    assert [d.id for d in services.documents_of(contract)] == [new.id, old.id]
    with pytest.raises(Conflict):
        services.replace_document(moderator, old, "Again", Upload("c3.pdf", files.pdf()))


def test_a_refused_replacement_leaves_the_current_version_alone():
    moderator = ModeratorFactory()
    old = services.add_document(
        moderator, ContractFactory(), "Contract", Upload("c.pdf", files.pdf())
    )
    with pytest.raises(ValidationFailed):
        services.replace_document(moderator, old, "Contract", Upload("c.pdf", files.EXE))
    db.session.refresh(old)
    assert old.is_current and old.replaced_by_id is None


def test_a_withdrawal_needs_a_reason_and_hides_the_file_from_the_public():
    moderator = ModeratorFactory()
    document = services.add_document(
        moderator, ContractFactory(), "Contract", Upload("c.pdf", files.pdf())
    )
    with pytest.raises(ValidationFailed) as failure:
        services.withdraw_document(moderator, document, "  ")
    assert "reason" in failure.value.errors
    with pytest.raises(PermissionDenied):
        services.withdraw_document(UserFactory(), document, "Wrong file")
    services.withdraw_document(moderator, document, "Wrong file: personal data on page 3")
    assert document.state is DocumentState.WITHDRAWN
    assert not services.can_download(document, None)
    assert not services.can_download(document, UserFactory())
    assert services.can_download(document, moderator)
    with pytest.raises(Conflict):
        services.withdraw_document(moderator, document, "Again")


def test_drafts_documents_are_only_for_moderators():
    from civic.contracts.models import ContractState

    draft = ContractFactory(state=ContractState.DRAFT, published_at=None)
    moderator = ModeratorFactory()
    document = services.add_document(moderator, draft, "Draft", Upload("d.pdf", files.pdf()))
    assert not services.can_download(document, None)
    assert not services.can_download(document, UserFactory())
    assert services.can_download(document, moderator)


def test_the_contract_json_lists_every_version_with_its_digest(app):
    moderator = ModeratorFactory()
    contract = ContractFactory()
    old = services.add_document(moderator, contract, "Contract", Upload("c.pdf", files.pdf()))
    new = services.replace_document(moderator, old, "Contract v2", Upload("c.csv", files.csv()))
    with app.test_request_context():
        listed = sections.json_parts(contract)["documents"]
    assert [(d["id"], d["state"], d["sha256"]) for d in listed] == [
        (new.id, "current", new.sha256),
        (old.id, "replaced", old.sha256),
    ]
    assert listed[1]["replaced_by"] == new.id
    assert listed[0]["url"].endswith(f"/documents/{new.id}/c.csv")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\clerk\\Cytundeb ŵyn.pdf", "Cytundeb ŵyn.pdf"),
        ('evil"; filename=x.exe.pdf', "evil- filename-x.exe.pdf"),
        ("line\r\nbreak.pdf", "line-break.pdf"),
        (".pdf", "document.pdf"),
        ("REPORT.PDF", "REPORT.pdf"),
        ("x" * 300 + ".pdf", "x" * 156 + ".pdf"),  # 160 in all
    ],
)
def test_file_names_are_made_safe(given, expected):
    assert safe_filename(given, "pdf") == expected
