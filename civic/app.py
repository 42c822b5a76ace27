"""The Flask application factory: settings, extensions, blueprints and CLI commands.

Kept out of `civic/__init__.py` so that importing a pure part of the package (the audit
log's stand-alone verifier, the budget rules) does not import Flask.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from werkzeug.middleware.proxy_fix import ProxyFix

from civic import ROOT


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application: settings, extensions, blueprints and CLI commands."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    from civic import config

    if test_config is None:
        app.config.from_mapping(config.from_environment(Path(app.instance_path)))
    else:
        app.config.from_mapping(config.defaults_for_tests())
        app.config.from_mapping(test_config)
        if "CIVIC_HTTPS" in test_config:
            app.config.from_mapping(config.https_settings(bool(test_config["CIVIC_HTTPS"])))
    config.check_production(app.config)
    config.check_contract_settings(app.config)
    config.check_petition_settings(app.config)
    from civic.audit import signing

    signing.init_app(app)

    _init_templates(app)
    _init_extensions(app)
    _register_blueprints(app)
    from civic import static_files

    static_files.init_app(app)  # WhiteNoise: wraps app.wsgi_app, so before the proxy layers

    if app.config.get("CIVIC_HTTPS"):
        app.wsgi_app = ServedOverHttps(app.wsgi_app)  # type: ignore[method-assign]
    if hops := app.config.get("PROXY_HOPS"):
        # Behind nginx or a load balancer: trust exactly that many X-Forwarded-* hops.
        # ProxyFix runs first; ServedOverHttps (inside it) still has the last word.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    return app


class ServedOverHttps:
    """WSGI middleware for CIVIC_HTTPS=1: every request counts as https.

    The operator has said the public site is only reached over HTTPS (TLS ending at a
    proxy that may send no X-Forwarded-Proto, or CIVIC_PROXY_HOPS left at 0), so
    request.is_secure is true: HSTS is sent and Flask-WTF's strict referrer check is on,
    whatever the proxy reports.
    """

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        environ["wsgi.url_scheme"] = "https"
        return self.wsgi_app(environ, start_response)


def _init_templates(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(ROOT / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True


def _init_extensions(app: Flask) -> None:
    from govuk_frontend_wtf.main import WTFormsHelpers

    from civic import web
    from civic.accounts.session import init_login
    from civic.database import configure_engine
    from civic.extensions import csrf, db, htmx, limiter, migrate
    from civic.notifications import outbox

    _init_compression(app)  # first: its after_request then runs last, on the final body
    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    from civic.forms import use_lazy_csrf_tokens

    use_lazy_csrf_tokens()  # anonymous public pages set no session cookie
    htmx.init_app(app)
    limiter.init_app(app)
    init_login(app)
    WTFormsHelpers(app)
    web.init_app(app)
    from civic import i18n

    i18n.init_app(app)  # after web: its `day` and `money` filters format for the language
    outbox.init_app(app)  # Flask-Mailman, and sending what a request queued once it commits
    from civic import page_cache

    page_cache.init_app(app)  # last: its lookup runs after the NUL check and rate limits
    # Form macros are globals, not per-template imports: htmx renders single blocks
    # (jinja2-fragments), which never run a template's top-level imports.
    forms = app.jinja_env.get_template("_macros/forms.html").module
    app.jinja_env.globals["error_summary"] = forms.error_summary
    app.jinja_env.globals["close_fields"] = forms.close_fields


# Pages and downloads compressed for clients that accept it (static files are compressed
# ahead of time, see civic.static_files). Brotli at quality 4 costs about what gzip -6 does
# and is smaller; responses under 500 bytes (redirects, htmx fragments, 204s) are not worth
# it. Streamed downloads are left as they are, so they stay streamed.
COMPRESSION = {
    "COMPRESS_ALGORITHM": ["br", "gzip"],
    "COMPRESS_MIN_SIZE": 500,
    "COMPRESS_STREAMS": False,
    "COMPRESS_MIMETYPES": [
        "text/html",
        "text/plain",
        "text/csv",
        "text/css",
        "text/javascript",
        "application/json",
        "application/ld+json",
        "application/xml",
        "image/svg+xml",
    ],
}


def _init_compression(app: Flask) -> None:
    from civic.extensions import compress

    for key, value in COMPRESSION.items():
        app.config.setdefault(key, value)
    compress.init_app(app)


def _register_blueprints(app: Flask) -> None:
    import civic.audit.tiles_views  # noqa: F401  (adds the tile and proof routes to audit_bp)
    from civic.accounts.views import bp as accounts_bp
    from civic.audit import checkpoint_views  # noqa: F401  (adds its routes to audit_bp)
    from civic.audit.views import bp as audit_bp
    from civic.budgets.views import bp as budgets_bp
    from civic.cli import civic_cli
    from civic.constituencies.views import bp as constituencies_bp
    from civic.consultations.views import api as consultations_api
    from civic.consultations.views import bp as consultations_bp
    from civic.contests.views import bp as contests_bp
    from civic.contracts import routes as contract_routes  # noqa: F401  (attaches the routes)
    from civic.contracts.blueprint import api as contracts_api
    from civic.contracts.blueprint import bp as contracts_bp
    from civic.contracts.cli import contracts_cli
    from civic.discussions.views import bp as discussions_bp
    from civic.groups.election_views import bp as group_elections_bp
    from civic.groups.paper_views import bp as group_paper_bp
    from civic.groups.views import api as groups_api
    from civic.groups.views import bp as groups_bp
    from civic.notifications.views import bp as notifications_bp
    from civic.pages import bp as pages_bp
    from civic.paper.views import bp as paper_bp
    from civic.petitions.views import bp as petitions_bp
    from civic.receipts.views import bp as receipts_bp
    from civic.search import setup as setup_search
    from civic.search.cli import search_cli
    from civic.search.views import api as search_api
    from civic.search.views import bp as search_bp
    from civic.site_pages.views import bp as site_pages_bp
    from civic.votes.views import api as votes_api
    from civic.votes.views import bp as votes_bp

    app.register_blueprint(pages_bp)
    app.register_blueprint(site_pages_bp)
    app.register_blueprint(accounts_bp)
    from civic.accounts.language import bp as language_bp

    app.register_blueprint(language_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(discussions_bp)
    app.register_blueprint(budgets_bp)
    app.register_blueprint(votes_bp)
    app.register_blueprint(votes_api)
    app.register_blueprint(consultations_bp)
    app.register_blueprint(consultations_api)
    app.register_blueprint(contracts_bp)
    app.register_blueprint(contracts_api)
    app.register_blueprint(receipts_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(search_api)
    app.register_blueprint(constituencies_bp)
    app.register_blueprint(groups_bp)  # groups run by their members (issue 15)
    app.register_blueprint(groups_api)
    app.register_blueprint(petitions_bp)
    from civic.content import text as content_text
    from civic.content.views import bp as content_bp

    app.register_blueprint(content_bp)  # translations and easy read (issue 17)
    content_text.init_app(app)
    app.register_blueprint(group_elections_bp)
    app.register_blueprint(paper_bp)  # paper and assisted participation (issue 17)
    app.register_blueprint(group_paper_bp)  # paper votes in groups' motions and elections
    app.register_blueprint(contests_bp)  # one queue of contested paper entries
    setup_search()
    civic_cli.add_command(search_cli)
    civic_cli.add_command(contracts_cli)
    app.cli.add_command(civic_cli)
