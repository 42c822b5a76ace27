"""Uploads at once on PostgreSQL, with real threads and connections: the same file added
by several moderators is stored once and every upload succeeds; a document replaced by two
moderators at once gets exactly one new version, the other told it was replaced."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from civic.accounts.models import User
from civic.contracts import documents as services
from civic.contracts.document_models import ContractDocument, DocumentBlob, DocumentState
from civic.contracts.models import Contract
from civic.errors import Conflict
from civic.extensions import db
from tests.contracts import documents_helpers as files
from tests.factories import ContractFactory, ModeratorFactory
from tests.races import all_at_once, skip_without_postgres


@pytest.mark.commits
def test_the_same_file_uploaded_at_once_is_stored_once(app):
    skip_without_postgres()
    moderator = ModeratorFactory()
    contract = ContractFactory()
    db.session.commit()
    data = files.pdf()

    def upload(i: int) -> None:
        services.add_document(
            db.session.get(User, moderator.id),
            db.session.get(Contract, contract.id),
            f"Copy {i}",
            services.Upload("contract.pdf", data),
        )

    assert all_at_once(app, 10, upload) == []
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(DocumentBlob)) == 1
    assert db.session.scalar(select(func.count()).select_from(ContractDocument)) == 10


@pytest.mark.commits
def test_two_replacements_at_once_make_one_new_version(app):
    skip_without_postgres()
    moderator = ModeratorFactory()
    contract = ContractFactory()
    old = services.add_document(
        moderator, contract, "Contract", services.Upload("c.pdf", files.pdf())
    )
    db.session.commit()
    versions = [files.docx(), files.odf()]
    names = ["c.docx", "c.odt"]

    def replace(i: int) -> None:
        services.replace_document(
            db.session.get(User, moderator.id),
            db.session.get(ContractDocument, old.id),
            f"Version {i}",
            services.Upload(names[i], versions[i]),
        )

    errors = all_at_once(app, 2, replace)
    assert len(errors) == 1 and isinstance(errors[0], Conflict)
    db.session.expire_all()
    rows = db.session.scalars(
        select(ContractDocument).where(ContractDocument.contract_id == contract.id)
    ).all()
    assert sorted(r.state for r in rows) == sorted([DocumentState.REPLACED, DocumentState.CURRENT])
