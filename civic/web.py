"""The request wrapper: one commit per request, error pages, security headers, htmx helpers."""

from __future__ import annotations

from typing import Any

from flask import (
    Flask,
    Response,
    abort,
    current_app,
    g,
    has_request_context,
    jsonify,
    render_template,
    request,
    url_for,
)
from flask_wtf.csrf import CSRFError
from jinja2_fragments.flask import render_block
from werkzeug.exceptions import HTTPException

from civic import wording
from civic.errors import NotEligible, ServiceError
from civic.extensions import db, htmx
from civic.i18n import _
from civic.i18n import lazy_gettext as _l
from civic.params import IdConverter

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)

ERROR_TITLES = {
    400: _l("Sorry, there is a problem with that request"),
    403: _l("You do not have permission to do this"),
    404: _l("Page not found"),
    405: _l("That action is not possible here"),
    409: _l("That cannot be done now"),
    413: _l("What you sent is too large"),
    422: _l("There is a problem with what you entered"),
    429: _l("Too many attempts"),
    500: _l("Sorry, there is a problem with the service"),
}
# the English reason JSON answers give under /api/ (scripts read it; not translated)
_API_REASONS = {
    400: "Sorry, there is a problem with that request",
    403: "You do not have permission to do this",
    404: "Page not found",
    405: "That action is not possible here",
    409: "That cannot be done now",
    413: "What you sent is too large",
    422: "There is a problem with what you entered",
    429: "Too many attempts",
    500: "Sorry, there is a problem with the service",
}


def wants_fragment() -> bool:
    """True for an htmx request that can take one block; history restores need a full page."""
    return bool(htmx) and not htmx.history_restore_request


def render(template: str, block: str | None = None, status: int = 200, **context: Any) -> Any:
    """Render the full page, or only `block` of the same template for htmx requests."""
    if block is not None and wants_fragment():
        return render_block(template, block, **context), status
    return render_template(template, **context), status


def error_response(
    status: int, message: str, *, reason: str | None = None, needs_eligibility: bool = False
) -> Response:
    """The site's error page, or JSON under /api/ (so scripts get a reason, not HTML).

    `needs_eligibility`: the refusal is for someone not (yet) eligible, so the page points
    to Your areas (older messages still say so in words, which only works in English)."""
    if request.path.startswith("/api/"):
        reason = reason or _API_REASONS.get(status, "Something went wrong")
        response = jsonify(error=reason, message=str(message), status=status)
    else:
        title = str(ERROR_TITLES.get(status, _l("Something went wrong")))
        needs_eligibility = needs_eligibility or "'Your areas' page" in str(message)
        response = current_app.make_response(
            render_template(
                "errors/error.html",
                status=status,
                title=title,
                message=message,
                needs_eligibility=needs_eligibility,
            )
        )
    response.status_code = status
    return response


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    message = exc.description or str(ERROR_TITLES.get(status, ""))
    if status == 404:
        message = _("If you typed the web address, check it is correct.")
    elif status == 405:
        message = _("This page does not accept that kind of request.")
    elif status == 413:
        limit = current_app.config["MAX_CONTENT_LENGTH"] // 1024
        message = _(
            "Requests to Civic can be at most %(limit)s KB. Send less and try again.", limit=limit
        )
        # a page that accepts more (a document upload) says its own limit
        message = g.get("too_large_message", message)
    elif status == 429:
        message = _(
            "You have tried this too often (%(limit)s). Wait and try again.",
            limit=exc.description,
        )
    response = error_response(status, message, reason=exc.name)
    if status == 405 and getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def _csrf_error(exc: CSRFError) -> Response:
    return error_response(
        400,
        _(
            "The form had expired or was not sent from a Civic page. "
            "Go back, reload the page and try again: nothing was saved."
        ),
        reason="CSRF token missing or invalid",
    )


def _service_error(exc: ServiceError) -> Response:
    return error_response(exc.status, exc.message, needs_eligibility=isinstance(exc, NotEligible))


def _server_error(exc: Exception) -> Response:
    current_app.logger.exception("unhandled error", exc_info=exc)
    return error_response(500, _("Try again later. Nothing you sent was saved."))


def _finish(response: Response) -> Response:
    """Commit once, only for a successful response: an error page never leaves a half-change."""
    if response.status_code < 400:
        db.session.commit()
    else:
        db.session.rollback()
    if htmx and response.status_code in (301, 302, 303) and "Location" in response.headers:
        # htmx would follow a redirect invisibly and swap a whole page into one element;
        # telling it to navigate gives the same result as the no-JavaScript form post.
        response.headers["HX-Redirect"] = response.headers.pop("Location")
        response.status_code = 200
        response.set_data(b"")
    static_security_headers(response.headers, https=request.is_secure)
    response.vary.add("HX-Request")
    if response.mimetype == "text/html":
        # a page's language comes from Accept-Language or the civic_lang cookie (civic.i18n)
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
    return response


def static_security_headers(headers: Any, *, https: bool) -> None:
    """The security headers every response carries, pages and static files alike.

    Static files are answered by WhiteNoise before Flask runs, once per file, so `https`
    there is the CIVIC_HTTPS setting rather than this request's scheme. `headers` is
    werkzeug's Headers for a page and wsgiref's for a static file.
    """
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
    if https:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"


def _refuse_nul_bytes() -> None:
    """A NUL byte anywhere in the path, the query or a form is a 400, before any view runs.

    No page needs one, PostgreSQL cannot store one in text (psycopg raises, which was a 500),
    and a NUL that reached a log or a CSV could hide what follows it.
    """
    pairs = list(request.args.items(multi=True))
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        pairs += request.form.items(multi=True)
    values = [request.path, *(part for pair in pairs for part in pair)]
    if any("\x00" in value for value in values):
        abort(400, _("The request contained a NUL character, which no Civic page accepts."))


def _rollback_on_error(exc: BaseException | None) -> None:
    if exc is not None:
        db.session.rollback()


def init_app(app: Flask) -> None:
    # Before any blueprint adds a rule: every `<int:...>` in a URL is then a bounded id.
    app.url_map.converters["int"] = IdConverter
    app.before_request(_refuse_nul_bytes)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(ServiceError, _service_error)
    app.register_error_handler(Exception, _server_error)
    app.after_request(_finish)
    app.teardown_request(_rollback_on_error)
    wording.init_app(app)
    from civic.forms import translate_widget_errors

    translate_widget_errors()


def path_for(endpoint: str, **values: Any) -> str:
    """`url_for`'s path, inside a request or not (`civic tick` builds links from cron).

    Outside a request it binds the URL map directly: pushing a test request context would
    run the request teardown on leaving it, which sends queued mail and commits mid-way.
    """
    if has_request_context():
        return url_for(endpoint, **values)
    return current_app.url_map.bind("localhost").build(endpoint, values)


def site_url(endpoint: str, **values: Any) -> str:
    """An absolute address on this site, for links in emails.

    It starts with CIVIC_SITE_URL, never with the request's own host: a password-reset
    request sent with a forged Host header must not mail the owner a link to the forger's
    site.
    """
    return current_app.config["SITE_URL"] + path_for(endpoint, **values)
