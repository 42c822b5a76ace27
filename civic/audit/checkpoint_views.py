"""Signed checkpoints, the log key and witnesses' cosignatures, on the audit blueprint.

The text endpoints speak the C2SP formats (signed-note, tlog-checkpoint,
tlog-cosignature), so any client of those specifications, not only Civic's own verifier,
can fetch and check them. The pages say the same for people.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response, abort, request, url_for

from civic.audit import checkpoints, signing
from civic.audit.views import _int_arg, _page_size, bp
from civic.errors import ServiceError
from civic.extensions import csrf, db, limiter
from civic.web import render

TEXT = "text/plain"
COSIGN_RATE_LIMIT = "30 per minute;300 per hour"


def _text(body: str, status: int = 200) -> Response:
    return Response(body, status=status, mimetype=TEXT)


@bp.app_template_global("audit_log_key")
def audit_log_key() -> str:
    """The log's verifier key, shown on the audit pages."""
    return signing.log_verifier().vkey


@bp.get("/key")
def key() -> Any:
    """The log's verifier key, to pin in a verifier or witness."""
    return _text(signing.log_verifier().vkey + "\n")


@bp.get("/log/checkpoint")
def checkpoint() -> Any:
    """The newest checkpoint with every accepted cosignature (tlog-tiles' `checkpoint`).

    Never cached: a cache serving an old checkpoint would hide the log's growth."""
    response = _text(checkpoints.newest_or_first().with_cosignatures())
    response.headers["Cache-Control"] = "no-cache"
    return response


def _page() -> checkpoints.PageOfCheckpoints:
    return checkpoints.page(before=_int_arg("before"), after=_int_arg("after"), size=_page_size())


@bp.get("/checkpoints")
def checkpoint_list() -> Any:
    return render("audit/checkpoints.html", page=_page())


@bp.get("/checkpoints/<int:checkpoint_id>")
def checkpoint_detail(checkpoint_id: int) -> Any:
    found = db.session.get(checkpoints.AuditCheckpoint, checkpoint_id)
    if found is None:
        abort(404)
    return render("audit/checkpoint.html", checkpoint=found)


def _as_json(checkpoint: checkpoints.AuditCheckpoint) -> dict[str, Any]:
    return {
        "id": checkpoint.id,
        "size": checkpoint.size,
        "root": checkpoint.root_base64,
        "root_hex": bytes(checkpoint.root).hex(),
        "created_at": checkpoint.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "trigger": checkpoint.trigger,
        "cosigners": [
            {
                "name": c.witness,
                "key_id": c.key_id,
                "time": c.timestamp,
                "signature": c.signature.rstrip("\n"),
            }
            for c in checkpoint.cosignatures
        ],
        "note": checkpoint.with_cosignatures(),
        "url": url_for("audit.checkpoint_detail", checkpoint_id=checkpoint.id, _external=True),
    }


@bp.get("/checkpoints.json")
def checkpoints_json() -> Any:
    found = _page()
    body = {
        "origin": signing.origin(),
        "key": signing.log_verifier().vkey,
        "checkpoints": [_as_json(c) for c in found.checkpoints],
        "newer": (
            url_for("audit.checkpoints_json", after=found.newer, _external=True)
            if found.newer is not None
            else None
        ),
        "older": (
            url_for("audit.checkpoints_json", before=found.older, _external=True)
            if found.older is not None
            else None
        ),
    }
    return Response(json.dumps(body, indent=2, ensure_ascii=False), mimetype="application/json")


@bp.post("/checkpoints/cosign")
@csrf.exempt  # machine to machine: the cosignature itself authenticates the request
@limiter.limit(COSIGN_RATE_LIMIT)
def cosign() -> Any:
    """A witness submits its cosignature(s) on a checkpoint Civic signed.

    Answers JSON: 200 {"status": "accepted", ...} (also for a cosignature already held),
    or {"error": reason} with 400 (malformed), 403 (no verifying cosignature by a
    configured witness) or 409 (a checkpoint Civic never signed)."""
    try:
        accepted = checkpoints.accept_cosignatures(request.get_data(cache=False))
    except ServiceError as exc:
        return Response(
            json.dumps({"error": exc.message, "status": exc.status}),
            status=exc.status,
            mimetype="application/json",
        )
    first = accepted[0].checkpoint
    body = {
        "status": "accepted",
        "checkpoint": {"id": first.id, "size": first.size, "root": first.root_base64},
        "cosignatures": [
            {
                "witness": a.cosignature.witness,
                "key_id": a.cosignature.key_id,
                "time": a.cosignature.timestamp,
                "new": a.new,
            }
            for a in accepted
        ],
    }
    return Response(json.dumps(body), mimetype="application/json")
