"""Contract documents: the upload, replace and withdraw pages (moderators) and the
download (everyone, for public contracts). Views stay thin: load, parse, one service call.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from flask import abort, flash, g, redirect, request, send_file, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovFileInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from werkzeug.datastructures import FileStorage
from wtforms import StringField, SubmitField, TextAreaField

from civic.contracts import documents as services
from civic.contracts import filetypes
from civic.contracts.blueprint import bp
from civic.contracts.document_models import ContractDocument, DocumentState
from civic.contracts.models import Contract
from civic.contracts.sections import json_part, section
from civic.errors import ValidationFailed
from civic.extensions import db
from civic.forms import attach_errors
from civic.i18n import _
from civic.i18n import lazy_gettext as _l
from civic.permissions import require_moderator
from civic.web import render

# room for the title, the CSRF token and the multipart framing around the file
FORM_OVERHEAD = 64 * 1024
UPLOAD_ENDPOINTS = {"contracts.add_document", "contracts.replace_document"}


class DocumentForm(FlaskForm):
    title = StringField(
        _l("Title"),
        widget=GovTextInput(),
        description=_l("What the document is, for example: Signed contract, or KPI figures 2025"),
    )
    file = FileField(_l("File"), widget=GovFileInput())
    submit = SubmitField(_l("Upload"), widget=GovSubmitInput())


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        _l("Why is it withdrawn?"),
        widget=GovTextArea(),
        description=_l("Shown on the contract page beside the document."),
    )
    submit = SubmitField(_l("Withdraw the document"), widget=GovSubmitInput())


@bp.url_value_preprocessor
def _allow_large_uploads(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """The upload pages take a request as large as a document may be; everywhere else the
    site's own limit stands. Runs before the app's before-request checks read the form
    (CSRF, NUL bytes), which is when a too-large body is refused, with a 413 page saying
    the limit for documents."""
    if endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = services.max_bytes() + FORM_OVERHEAD
        g.too_large_message = _(
            "Documents can be at most %(limit)s. Nothing was saved: go back and choose a "
            "smaller file.",
            limit=services.size_words(services.max_bytes()),
        )


def _contract(contract_id: int) -> Contract:
    contract = db.session.get(Contract, contract_id)
    if contract is None or not (
        contract.is_public or (current_user.is_authenticated and current_user.is_moderator)
    ):
        abort(404)
    return contract


def _upload(field: Any) -> services.Upload | None:
    storage = field.data
    if not isinstance(storage, FileStorage) or not storage.filename:
        return None
    # the request is bounded; read one byte past the limit so the service can say "too big"
    return services.Upload(storage.filename, storage.stream.read(services.max_bytes() + 1))


@bp.route("/<int:contract_id>/documents/new", methods=["GET", "POST"])
def add_document(contract_id: int) -> Any:
    require_moderator(current_user)
    contract = _contract(contract_id)
    return _upload_page(
        contract,
        DocumentForm(),
        lambda title, upload: services.add_document(current_user, contract, title, upload),
        done=_("“%(title)s” was added. Its SHA-256 is in the audit log."),
        heading=_("Add a document"),
        replacing=None,
    )


@bp.route("/<int:contract_id>/documents/<int:document_id>/replace", methods=["GET", "POST"])
def replace_document(contract_id: int, document_id: int) -> Any:
    require_moderator(current_user)
    contract = _contract(contract_id)
    old = services.get_document(contract, document_id)
    form = DocumentForm(data=None if request.method == "POST" else {"title": old.title})
    form.submit.label.text = _("Upload the new version")
    return _upload_page(
        contract,
        form,
        lambda title, upload: services.replace_document(current_user, old, title, upload),
        done=_("The new version of “%(title)s” was added; the earlier one stays listed."),
        heading=_("Replace a document"),
        replacing=old,
    )


def _upload_page(
    contract: Contract,
    form: DocumentForm,
    save: Callable[[str, services.Upload | None], ContractDocument],
    *,
    done: str,
    heading: str,
    replacing: ContractDocument | None,
) -> Any:
    """The form, or on a valid post `save(title, upload)` (one service call) and back to
    the contract; a refusal re-renders the form with the title kept."""
    if form.validate_on_submit():
        try:
            document = save(form.title.data or "", _upload(form.file))
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            flash(done % {"title": document.title}, "success")
            return redirect(_on_page(contract))
    return render(
        "contracts/document_form.html",
        status=422 if form.errors or form.form_errors else 200,
        contract=contract,
        form=form,
        accepted=filetypes.accepted_names(),
        limit=services.size_words(services.max_bytes()),
        heading=heading,
        replacing=replacing,
    )


@bp.route("/<int:contract_id>/documents/<int:document_id>/withdraw", methods=["GET", "POST"])
def withdraw_document(contract_id: int, document_id: int) -> Any:
    require_moderator(current_user)
    contract = _contract(contract_id)
    document = services.get_document(contract, document_id)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            services.withdraw_document(current_user, document, form.reason.data or "")
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            flash(_("“%(title)s” was withdrawn.", title=document.title), "success")
            return redirect(_on_page(contract))
    return render(
        "contracts/document_withdraw.html",
        status=422 if form.errors else 200,
        contract=contract,
        document=document,
        form=form,
    )


@bp.get("/<int:contract_id>/documents/<int:document_id>/<path:filename>")
def download_document(contract_id: int, document_id: int, filename: str) -> Any:
    """The file, as a download only: a browser never renders it in Civic's origin (a PDF's
    scripts, an HTML file that claimed to be CSV), whatever it contains."""
    contract = _contract(contract_id)
    document = services.get_document(contract, document_id)
    if not services.can_download(document, current_user):
        abort(404)
    if filename != document.filename:
        return redirect(download_url(document), 301)
    data = services.content(document)
    response = send_file(
        io.BytesIO(data),
        mimetype=document.media_type,
        as_attachment=True,
        download_name=document.filename,
        etag=document.sha256,
        conditional=True,
        last_modified=document.uploaded_at,
        max_age=None,
    )
    public = contract.is_public and document.state is not DocumentState.WITHDRAWN
    # the bytes never change (the ETag is their digest), but a document can be withdrawn:
    # caches keep it and ask again each time, which costs a 304
    response.headers["Cache-Control"] = "public, no-cache" if public else "private, no-store"
    response.headers["Content-Disposition"] = content_disposition(document.filename)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Document-SHA256"] = document.sha256
    return response


def content_disposition(filename: str) -> str:
    """`attachment` with the name twice (RFC 6266): `filename*` in UTF-8 for browsers
    that read it, which all current ones do, and an ASCII `filename` for the rest (accents
    dropped, letters kept). The name is already safe (no quotes, slashes or controls)."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    ascii_name = ascii_name.replace('"', "").replace("\\", "") or "document"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def download_url(document: ContractDocument) -> str:
    return url_for(
        "contracts.download_document",
        contract_id=document.contract_id,
        document_id=document.id,
        filename=document.filename,
    )


def _on_page(contract: Contract) -> str:
    return url_for("contracts.contract_detail", contract_id=contract.id) + "#documents"


@section("documents", "contracts/_documents.html", order=60)
def _documents_section(contract: Contract, viewer: Any) -> dict[str, Any]:
    rows = services.documents_of(contract)
    return {
        "documents": [
            {
                "document": d,
                "size": services.size_words(d.size),
                "kind": filetypes.BY_MEDIA_TYPE[d.media_type].label,
                "url": download_url(d) if services.can_download(d, viewer) else None,
            }
            for d in rows
        ],
        "can_manage": bool(viewer is not None and viewer.is_authenticated and viewer.is_moderator),
        "contract": contract,
    }


@json_part("documents")
def _documents_json(contract: Contract) -> list[dict[str, Any]]:
    return [
        {
            "id": d.id,
            "title": d.title,
            "filename": d.filename,
            "media_type": d.media_type,
            "size": d.size,
            "sha256": d.sha256,
            "state": d.state.value,
            "replaced_by": d.replaced_by_id,
            "reason": d.reason or None,
            "uploaded_at": d.uploaded_at.isoformat(),
            "audit_seq": d.audit_seq,
            "url": url_for(
                "contracts.download_document",
                contract_id=contract.id,
                document_id=d.id,
                filename=d.filename,
                _external=True,
            )
            if d.state is not DocumentState.WITHDRAWN
            else None,
        }
        for d in services.documents_of(contract)
    ]
