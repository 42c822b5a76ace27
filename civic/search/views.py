"""/search (a GET form that works without JavaScript; htmx swaps the results as a
person types) and /api/v1/search (the same results as JSON, under the same rules)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request, url_for
from flask_login import current_user
from sqlalchemy import select

from civic.accounts.models import Area
from civic.errors import ValidationFailed
from civic.extensions import db
from civic.i18n import _, ngettext
from civic.search import registry, services
from civic.search.query import MAX_QUERY_LENGTH
from civic.web import render, wants_fragment

bp = Blueprint("search", __name__, url_prefix="/search")
api = Blueprint("search_api", __name__, url_prefix="/api/v1/search")


def _viewer() -> Any:
    return current_user if current_user.is_authenticated else None


def _run() -> tuple[services.Results | None, dict[str, str], dict[str, Any]]:
    """Results for the request's query and filters, or the errors to show beside them."""
    args = request.args
    chosen = {
        "q": args.get("q", ""),
        "area": args.get("area", ""),
        "kind": [k for k in args.getlist("kind") if k],
        "state": args.get("state", ""),
    }
    try:
        filters = services.parse_filters(
            area=chosen["area"], kinds=chosen["kind"], state=chosen["state"], page=args.get("page")
        )
        results = services.search(
            chosen["q"],
            viewer=_viewer(),
            area=filters.area,
            kinds=filters.kinds,
            state=filters.state,
            page=filters.page,
        )
    except ValidationFailed as failure:
        return None, failure.errors, chosen
    return results, {}, chosen


def _page_url(chosen: dict[str, Any], page: int) -> str:
    return url_for(
        "search.index",
        q=chosen["q"] or None,
        area=chosen["area"] or None,
        kind=chosen["kind"] or None,
        state=chosen["state"] or None,
        page=page if page > 1 else None,
    )


@bp.get("")
def index() -> Any:
    results, errors, chosen = _run()
    return render(
        "search/index.html",
        block="results",
        status=422 if errors else 200,
        results=results,
        errors=errors,
        chosen=chosen,
        areas=db.session.scalars(select(Area).order_by(Area.name)).all(),
        kinds=registry.kinds(),
        max_length=MAX_QUERY_LENGTH,
        page_url=lambda page: _page_url(chosen, page),
        fragment=wants_fragment(),
        status_text=_status_text(results, errors),
    )


def _status_text(results: services.Results | None, errors: dict[str, str]) -> str:
    """What the live region announces after each search (and the results heading)."""
    if errors:
        return _("There is a problem: %(problems)s", problems="; ".join(errors.values()))
    if results is None or not results.terms:
        return ""
    words = results.query.strip()
    if not results.total:
        return _("No results for “%(words)s”", words=words)
    total = f"{results.total:,}"
    if results.pages > 1:
        return ngettext(
            "%(total)s result for “%(words)s”, page %(page)s of %(pages)s",
            "%(total)s results for “%(words)s”, page %(page)s of %(pages)s",
            results.total,
            total=total,
            words=words,
            page=results.page,
            pages=results.pages,
        )
    return ngettext(
        "%(total)s result for “%(words)s”",
        "%(total)s results for “%(words)s”",
        results.total,
        total=total,
        words=words,
    )


@api.get("")
def api_search() -> Any:
    results, errors, _ = _run()
    if results is None:
        response = jsonify(
            error="Invalid search", message="; ".join(errors.values()), fields=errors, status=400
        )
        response.status_code = 400
        return response
    return jsonify(
        query=results.query,
        words=list(results.terms.words),
        total=results.total,
        page=results.page,
        pages=results.pages,
        per_page=services.PER_PAGE,
        results=[
            {
                "kind": hit.kind,
                # plain text for programs, and the page's escaped HTML with <mark> around
                # the matching words for those who show it
                "title": hit.title.striptags(),
                "title_html": str(hit.title),
                "snippet": hit.snippet.striptags(),
                "snippet_html": str(hit.snippet),
                "url": url_for("pages.home", _external=True).rstrip("/") + hit.url,
                "area": hit.area,
                "state": hit.state,
                "rank": hit.rank,
            }
            for hit in results.hits
        ],
    )
