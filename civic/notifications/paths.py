"""Paths on this site for notifications, built inside or outside a request.

`feed.announce` stores a path ("/votes/12"), not an address: the mail adds CIVIC_SITE_URL
when it sends, so a notification made by `civic tick` (no request) and one made by a
moderator's click (a request with whatever Host header it came with) look the same.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, url_for


def path_for(endpoint: str, **values: Any) -> str:
    """The path of `endpoint` ("/votes/12"), in a request or not (cron, the CLI)."""
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context():
        return url_for(endpoint, **values)
