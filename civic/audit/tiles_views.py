"""The log as C2SP tlog-tiles files, and JSON proofs, on the `audit` blueprint.

    GET /audit/log/tile/<L>/<N>[.p/<W>]        concatenated 32-byte hashes
    GET /audit/log/tile/entries/<N>[.p/<W>]    entry bundle of the exact stored bodies
    GET /audit/proof/inclusion?index=&size=    JSON, hashes in standard base64
    GET /audit/proof/consistency?old=&new=     JSON, hashes in standard base64

Any tlog-tiles client, mirror or plain HTTP cache can fetch these. A tile's bytes never
change once the tree holds it (every hash in it is the root of a complete subtree, and a
partial tile is a prefix of the full one), so both are served as immutable; a tile the
tree does not hold yet is a 404 that no cache keeps. Errors are one plain line (tiles) or
JSON with a reason (proofs), since their readers are programs.

A full tile (256 hashes or entries) is built by its first request and stored
(`civic.frozen`): later requests are one row read with a strong ETag and 304. A partial
tile is computed per request, from at most 255 hashes or entries, so it stays bounded; it
is not stored, since every new entry makes a new partial tile.
"""

from __future__ import annotations

import base64

from flask import Response, jsonify, request

from civic import frozen
from civic.audit import tiles
from civic.audit.verifier import parse_tile_path
from civic.audit.views import bp
from civic.params import parse_int

IMMUTABLE = frozen.CACHE_CONTROL
TILE_TYPE = "application/octet-stream"
TILES = "audit_log:tiles"  # the stored tiles' subject; each is named by its path
NAME_LENGTH = 40  # FrozenDownload.name; a log would need 256**6 entries to pass it
PROOF_CACHE = "public, max-age=3600"  # a proof between fixed sizes never changes either


def _tile_error(status: int, reason: str) -> Response:
    response = Response(reason + "\n", status=status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/log/tile/<path:path>")
def tile(path: str) -> Response:
    """A hash tile or an entry bundle; 400 for a non-canonical path, 404 past the tree."""
    try:
        level, index, width = parse_tile_path("tile/" + path)
    except ValueError as exc:
        return _tile_error(400, f"bad tile path: {exc}")
    found = tiles.Tile(level, index, width)
    size = tiles.tree_size()
    if not found.exists_in(size):
        return _tile_error(404, f"the log of {size} entries does not hold this tile yet")
    if width == tiles.TILE_WIDTH and len(path) <= NAME_LENGTH:  # full: final, so stored
        return frozen.serve(TILES, (path, TILE_TYPE, found.content))
    response = Response(found.content(), mimetype=TILE_TYPE)
    response.headers["Cache-Control"] = IMMUTABLE
    return response


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


def _proof_error(reason: str) -> Response:
    response = jsonify(error=reason, status=400)
    response.status_code = 400
    response.headers["Cache-Control"] = "no-store"
    return response


def _size_arg(name: str, minimum: int, maximum: int) -> int | str:
    """The query parameter as an int in [minimum, maximum], or the reason it is not."""
    raw = request.args.get(name)
    if raw is None or not raw.strip():
        return f"give {name}, a whole number"
    value = parse_int(raw)
    if value is None:
        return f"{name} must be a whole number of ASCII digits (0 or more)"
    if not minimum <= value <= maximum:
        return f"{name} must be between {minimum} and {maximum}, not {value}"
    return value


def _proof_response(**fields: int | bytes | list[bytes]) -> Response:
    """The JSON answer: numbers as they are, hashes (and lists of them) in base64."""
    body = {
        name: _b64(value)
        if isinstance(value, bytes)
        else [_b64(h) for h in value]
        if isinstance(value, list)
        else value
        for name, value in fields.items()
    }
    response = jsonify(body)
    response.headers["Cache-Control"] = PROOF_CACHE
    return response


def _two_sizes(small: str, small_min: int, large: str) -> tuple[int, int] | Response:
    """(small, large) from the query, with 1 <= large <= the tree size and small_min <=
    small <= large (or large - 1 for an index); else the 400 answer saying why."""
    current = tiles.tree_size()
    if current == 0:
        return _proof_error("the log is empty: there is nothing to prove yet")
    high = _size_arg(large, 1, current)
    if isinstance(high, str):
        return _proof_error(high)
    low = _size_arg(small, small_min, high - 1 if small_min == 0 else high)
    if isinstance(low, str):
        return _proof_error(low)
    return low, high


@bp.get("/proof/inclusion")
def inclusion_proof() -> Response:
    """RFC 6962 inclusion proof of entry `index` in the tree of `size` entries."""
    sizes = _two_sizes("index", 0, "size")
    if isinstance(sizes, Response):
        return sizes
    index, size = sizes
    leaf = tiles.level_hashes(0, index, index + 1)[0]
    proof = tiles.inclusion_proof(index, size)
    return _proof_response(
        index=index, size=size, leaf_hash=leaf, root=tiles.root(size), proof=proof
    )


@bp.get("/proof/consistency")
def consistency_proof() -> Response:
    """RFC 6962 consistency proof from the tree of `old` entries to that of `new`."""
    sizes = _two_sizes("old", 1, "new")
    if isinstance(sizes, Response):
        return sizes
    old, new = sizes
    proof = tiles.consistency_proof(old, new)
    return _proof_response(
        old=old, new=new, old_root=tiles.root(old), new_root=tiles.root(new), proof=proof
    )
