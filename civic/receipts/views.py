"""`/receipts`: anyone enters a receipt code and sees the ballot as counted (or why not);
`/receipts/<code>.json` says the same to scripts and the verifier; and the text file a
voter downloads as their receipt."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from babel.dates import format_datetime
from flask import Blueprint, Response, jsonify, render_template, request

from civic.audit.verifier import (
    _RECEIPT_LOOKALIKES,
    RECEIPT_ALPHABET,
    RECEIPT_CHARS,
    ReceiptError,
    parse_receipt,
)
from civic.clock import aware
from civic.errors import NotFound
from civic.i18n import _, current_language, format_day, ngettext
from civic.receipts import lookup
from civic.web import render

bp = Blueprint("receipts", __name__, url_prefix="/receipts")


@bp.get("")
def index() -> Any:
    """The check form; with `?code=` the answer below it (a GET form: no JavaScript, and
    the answer can be bookmarked)."""
    typed = request.args.get("code")
    if typed is None:
        return render("receipts/index.html", typed="", errors={}, found=None, asked=False)
    try:
        code = parse_receipt(typed)
    except ReceiptError:
        errors = {"code": why_not_a_code(typed)}
        return render(
            "receipts/index.html", status=422, typed=typed, errors=errors, found=None, asked=True
        )
    found = lookup.find(code)
    return render(
        "receipts/index.html",
        status=200 if found else 404,
        typed=code,
        code=code,
        errors={},
        found=found,
        asked=True,
        message=lookup.describe(found) if found else "",
    )


def _json_error(status: int, error: str, message: str) -> Response:
    response = jsonify(error=error, message=message, status=status)
    response.status_code = status
    return response


@bp.get("/<code>.json")
def as_json(code: str) -> Any:
    try:
        parsed = parse_receipt(code)
    except ReceiptError as refused:
        return _json_error(400, "Not a receipt code", str(refused))
    found = lookup.find(parsed)
    if found is None:
        return _json_error(
            404, "Unknown receipt", f"No ballot on this site was given the receipt {parsed}."
        )
    return jsonify(lookup.as_json(found))


def download(code: str | None) -> Response:
    """The voter's receipt as a small text file: site, vote or round, code, the hour it was
    cast, and how to check it. `code` is the signed-in voter's own (looked up by their
    voter key by the calling view); None means they have no ballot there."""
    found = lookup.find(code) if code else None
    if found is None:
        raise NotFound(_("You have no ballot here, so there is no receipt to download."))
    cast_at = aware(found.cast_at) if found.cast_at else None
    body = render_template(
        "receipts/receipt.txt",
        found=found,
        site=request.host_url.rstrip("/"),
        hour=_to_the_hour(cast_at),
    )
    response = Response(body, mimetype="text/plain")
    name = f"civic-receipt-{found.code}.txt"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def why_not_a_code(typed: str) -> str:
    """Why `typed` is not a receipt code, in the page's language (the verifier's own
    ReceiptError says the same in English: it runs without Civic, so without catalogues)."""
    squeezed = "".join(str(typed or "").split()).replace("-", "").upper()
    if not squeezed:
        return _("Enter the receipt code, like %(example)s", example="7KQ2-M9XD-4HVA-0TNE")
    bad = sorted({c for c in squeezed.translate(_RECEIPT_LOOKALIKES) if c not in RECEIPT_ALPHABET})
    if bad:
        return _(
            "A receipt code has only digits and the letters A to Z without I, L, O and U; "
            "yours has %(shown)s",
            shown=", ".join(repr(c) for c in bad[:3]),
        )
    return ngettext(
        "A receipt code has %(chars)s letters and digits; yours has %(num)s",
        "A receipt code has %(chars)s letters and digits; yours has %(num)s",
        len(squeezed),
        chars=RECEIPT_CHARS,
    )


def _to_the_hour(moment: datetime | None) -> str:
    """The time to the hour only: the exact minute, set against the log, says more."""
    if moment is None:
        return _("unknown")
    hour = aware(moment).replace(minute=0, second=0, microsecond=0)
    locale = {"en": "en_GB", "cy": "cy_GB"}[current_language()]
    return _(
        "%(day)s, %(time)s UTC",
        day=format_day(hour),
        time=format_datetime(hour, "HH:mm", tzinfo=hour.tzinfo, locale=locale),
    )
