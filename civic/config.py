"""Settings read from environment variables, with defaults that are safe to run."""

from __future__ import annotations

import functools
import math
import os
import secrets
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import click

REDIS_EXAMPLE = "redis://127.0.0.1:6379/0"


class ConfigurationError(click.ClickException, RuntimeError):
    """A setting that would make Civic unsafe to run. A ClickException, so `flask ...`
    prints it as one line ("Error: ...") instead of a traceback; gunicorn shows it as the
    reason the worker did not boot."""


def _secret_key(instance_path: Path) -> str:
    """Use SECRET_KEY if given, else one generated once into instance/ (never a constant).

    Sessions and CSRF tokens stay valid across restarts because the file is reused.
    """
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    path.parent.mkdir(parents=True, exist_ok=True)
    # written to a private file, then linked into place: two processes starting together
    # (CI runs two suites side by side) agree on one key and never read half a file
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        try:
            os.link(temporary, path)
        except FileExistsError:
            return path.read_text().strip()
    finally:
        temporary.unlink(missing_ok=True)
    return key


def _database_url(instance_path: Path) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return f"sqlite:///{instance_path / 'civic.db'}"
    # Heroku-style URLs name the dialect "postgres"; SQLAlchemy wants the driver spelled out.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _digest_hour() -> int:
    """CIVIC_DIGEST_HOUR: the hour (0-23, council time) from which daily digests go out."""
    raw = os.environ.get("CIVIC_DIGEST_HOUR", "7").strip()
    if not raw.isdigit() or not 0 <= int(raw) <= 23:
        raise ConfigurationError(
            f"CIVIC_DIGEST_HOUR must be a whole hour from 0 to 23 (council time), not {raw!r}."
        )
    return int(raw)


def _base() -> dict[str, Any]:
    """Settings that are the same wherever Civic runs."""
    return {
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_ENABLED": True,
        "MAX_FORM_MEMORY_SIZE": 512 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "AUDIT_PAGE_SIZE": 50,
        # private acts reach the log in batches of at least this many, or after this long
        "AUDIT_BATCH_MIN": int(os.environ.get("CIVIC_AUDIT_BATCH_MIN", 5)),
        "AUDIT_BATCH_MAX_HOURS": int(os.environ.get("CIVIC_AUDIT_BATCH_MAX_HOURS", 24)),
        "FLAGS_TO_HIDE": int(os.environ.get("CIVIC_FLAGS_TO_HIDE", 3)),
        # reports open this long are listed in the moderators' daily "overdue" notice
        "FLAG_OVERDUE_HOURS": max(1, int(os.environ.get("CIVIC_FLAG_OVERDUE_HOURS", 48))),
        "COMMENTS_PER_MINUTE": int(os.environ.get("CIVIC_COMMENTS_PER_MINUTE", 5)),
        "COMMENT_EDIT_MINUTES": 15,
        "MIN_CONSULTATION_DAYS": int(os.environ.get("CIVIC_MIN_CONSULTATION_DAYS", 28)),
        # information requests: the bank holiday table their deadlines count (GOV.UK's shape)
        "BANK_HOLIDAYS_FILE": os.environ.get("CIVIC_BANK_HOLIDAYS_FILE", ""),
        # the scorecard's stated minimum social value weight in an options appraisal (%)
        "MIN_SOCIAL_VALUE_WEIGHT": int(os.environ.get("CIVIC_MIN_SOCIAL_VALUE_WEIGHT", 20)),
        # daily notification digests go out at or after this hour, Europe/London time
        "DIGEST_HOUR": _digest_hour(),
        "SESSION_MAX_HOURS": float(os.environ.get("CIVIC_SESSION_MAX_HOURS", 12)),
        # how long an emailed password-reset link works, and a link confirming an address
        # (a new account's, or the new address of an email change)
        "PASSWORD_RESET_MINUTES": max(1, int(os.environ.get("CIVIC_PASSWORD_RESET_MINUTES", 60))),
        "EMAIL_CONFIRM_HOURS": max(1, int(os.environ.get("CIVIC_EMAIL_CONFIRM_HOURS", 72))),
        "CIVIC_HTTPS": False,
        # the smallest electorate a secret vote, round or consultation may open with, and
        # the fewest ballots (or responses) whose ballot-level data may be published
        "MIN_ELECTORATE": max(1, int(os.environ.get("CIVIC_MIN_ELECTORATE", 10))),
        # days a proof of residence keeps its evidence (letter code link, a moderator's
        # check note and who checked); after that only the area, method and date remain
        "ELIGIBILITY_EVIDENCE_DAYS": max(
            1, int(os.environ.get("CIVIC_ELIGIBILITY_EVIDENCE_DAYS", 365))
        ),
        # the largest document a moderator can attach to a contract (its upload page alone
        # accepts a request this large; MAX_CONTENT_LENGTH stays the limit everywhere else)
        "DOCUMENT_MAX_BYTES": int(os.environ.get("CIVIC_DOCUMENT_MAX_BYTES", 20 * 1024 * 1024)),
        # a contract KPI's value is due this many days after its period ends (then overdue)
        "KPI_REPORT_DAYS": max(0, int(os.environ.get("CIVIC_KPI_REPORT_DAYS", 30))),
        # contracts ending within this many months are listed as due for review (recall slice)
        "CONTRACT_REVIEW_MONTHS": os.environ.get("CIVIC_CONTRACT_REVIEW_MONTHS", "12"),
        # share of a contract area's eligible residents whose signatures trigger a recall
        # review; a string, so "2.5" is read exactly (civic.contracts.recall.services)
        "RECALL_THRESHOLD_PERCENT": os.environ.get("CIVIC_RECALL_THRESHOLD_PERCENT", "5"),
        # petitions (issue 15): days a moderator has to check a new petition against the
        # published rules, days an accepted petition collects signatures, days the council
        # has to publish its response once the first threshold is reached, and the default
        # thresholds (a number of signatures, or a share of eligible residents like "2%")
        "PETITION_MODERATION_DAYS": max(
            1, int(os.environ.get("CIVIC_PETITION_MODERATION_DAYS", 10))
        ),
        "PETITION_OPEN_DAYS": max(1, int(os.environ.get("CIVIC_PETITION_OPEN_DAYS", 180))),
        "PETITION_RESPONSE_DAYS": max(1, int(os.environ.get("CIVIC_PETITION_RESPONSE_DAYS", 30))),
        "PETITION_THRESHOLD": os.environ.get("CIVIC_PETITION_THRESHOLD", "2%"),
        "PETITION_HIGHER_THRESHOLD": os.environ.get("CIVIC_PETITION_HIGHER_THRESHOLD", "5%"),
        # the OCDS export: the ocid prefix of contracts made in Civic, and who publishes
        "OCDS_PREFIX": os.environ.get("CIVIC_OCDS_PREFIX", "ocds-civic0"),
        "OCDS_PUBLISHER": os.environ.get("CIVIC_OCDS_PUBLISHER", "The council (Civic)"),
        # the privacy notice's default text: who the data controller is, and whom residents
        # contact about their data (an administrator can replace the whole text instead)
        "DATA_CONTROLLER": os.environ.get(
            "CIVIC_DATA_CONTROLLER", "The council that runs this site"
        ),
        "PRIVACY_CONTACT": os.environ.get(
            "CIVIC_PRIVACY_CONTACT", "the council's data protection officer"
        ),
        # the same in Welsh, for the Welsh pages (empty: the English setting, or the Welsh
        # of the built-in wording when the English is left at its default)
        "DATA_CONTROLLER_CY": os.environ.get("CIVIC_DATA_CONTROLLER_CY", ""),
        "PRIVACY_CONTACT_CY": os.environ.get("CIVIC_PRIVACY_CONTACT_CY", ""),
        # the site's public address, which links in emails start with (never the request's
        # Host header, which a forger controls: see civic.web.site_url)
        "SITE_URL": os.environ.get("CIVIC_SITE_URL", "http://127.0.0.1:5000").rstrip("/"),
    }


def https_settings(https: bool) -> dict[str, Any]:
    """What serving over HTTPS changes: Secure cookies, https links, and Flask-WTF's check
    that a form was posted from this site's own https pages (the strict referrer check).
    create_app also marks every request as https (request.is_secure, hence HSTS)."""
    return {
        "CIVIC_HTTPS": https,
        "SESSION_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_SECURE": https,
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        "WTF_CSRF_SSL_STRICT": https,
    }


def rate_limits() -> dict[str, str]:
    """Limits on guessing and on account creation, in Flask-Limiter's notation
    ("5 per minute;30 per hour"). Settings, because one public address can stand for many
    people: a library's or a council drop-in's computers share one, and a day of residents
    signing up there must not look like an attack (README, "Many residents, one address")."""
    login = os.environ.get("CIVIC_LOGIN_RATE_LIMIT", "5 per minute;30 per hour")
    return {
        # per account and per trusted device
        "LOGIN_RATE_LIMIT": login,
        # per address, across accounts: the one to raise for a shared address
        "LOGIN_ADDRESS_RATE_LIMIT": os.environ.get("CIVIC_LOGIN_ADDRESS_RATE_LIMIT", login),
        # new accounts per address
        "REGISTER_RATE_LIMIT": os.environ.get("CIVIC_REGISTER_RATE_LIMIT", "20 per hour"),
        # letter codes tried per account
        "CODE_RATE_LIMIT": os.environ.get("CIVIC_CODE_RATE_LIMIT", "10 per hour"),
        # account mail asked for (password resets per address typed, confirmation links
        # sent again per account), so nobody can fill a resident's inbox from the site
        "ACCOUNT_MAIL_RATE_LIMIT": os.environ.get(
            "CIVIC_ACCOUNT_MAIL_RATE_LIMIT", "3 per hour;10 per day"
        ),
    }


MAIL_FILE_BACKEND = "civic.notifications.eml.EmailBackend"
SMTP_EXAMPLE = "smtp://user:password@mail.example.org:587?starttls=1"


def _number_setting(name: str, default: str, *, least: float) -> float:
    raw = os.environ.get(name, default).strip()
    try:
        value = float(raw)
    except ValueError:
        value = least - 1
    if not math.isfinite(value) or value < least:
        raise ConfigurationError(
            f"Civic will not start: {name} is {raw!r}; set it to a number of at least {least:g}."
        )
    return value


def smtp_settings(url: str) -> dict[str, Any]:
    """Flask-Mailman's SMTP settings from one URL: `smtp://` (plain, or STARTTLS with
    `?starttls=1`, port 587 then) or `smtps://` (TLS from the start, port 465), with the
    user and password URL-encoded in it. One setting, so a secret store holds one value."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    query = {key.lower(): values[-1] for key, values in parse_qs(parts.query).items()}
    starttls = query.get("starttls", "0").lower() in {"1", "true", "yes"}
    try:
        port = parts.port
    except ValueError:
        port = -1
    problem = ""
    if scheme not in {"smtp", "smtps"}:
        problem = "it must start smtp:// or smtps://"
    elif not parts.hostname:
        problem = "it names no mail server"
    elif port == -1:
        problem = "its port is not a number from 1 to 65535"
    elif scheme == "smtps" and starttls:
        problem = "smtps:// is TLS already; drop ?starttls=1 or use smtp://"
    if problem:
        raise ConfigurationError(
            f"Civic will not start: CIVIC_MAIL_URL is not usable ({problem}); "
            f"for example {SMTP_EXAMPLE}"
        )
    return {
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": parts.hostname,
        "MAIL_PORT": port or (465 if scheme == "smtps" else 587 if starttls else 25),
        "MAIL_USERNAME": unquote(parts.username) if parts.username else None,
        "MAIL_PASSWORD": unquote(parts.password) if parts.password else None,
        "MAIL_USE_TLS": starttls,
        "MAIL_USE_SSL": scheme == "smtps",
    }


def mail_settings(instance_path: Path) -> dict[str, Any]:
    """How mail leaves the outbox: SMTP when CIVIC_MAIL_URL is set, otherwise each message
    is written as an .eml file under instance/mail/ (so `make run` needs no mail server)."""
    url = os.environ.get("CIVIC_MAIL_URL", "").strip()
    transport = (
        smtp_settings(url)
        if url
        else {"MAIL_BACKEND": MAIL_FILE_BACKEND, "MAIL_FILE_PATH": str(instance_path / "mail")}
    )
    return transport | {
        "MAIL_DEFAULT_SENDER": os.environ.get("CIVIC_MAIL_FROM", "Civic <civic@localhost>"),
        # seconds an SMTP connection may take to answer before the attempt counts as failed
        "MAIL_TIMEOUT": _number_setting("CIVIC_MAIL_TIMEOUT", "10", least=1),
        # attempts before a message is marked failed (and shown to administrators)
        "MAIL_MAX_ATTEMPTS": int(_number_setting("CIVIC_MAIL_MAX_ATTEMPTS", "6", least=1)),
        # the wait after the first failed attempt; it doubles after each further failure
        "MAIL_RETRY_SECONDS": int(_number_setting("CIVIC_MAIL_RETRY_SECONDS", "60", least=1)),
    }


def from_environment(instance_path: Path) -> dict[str, Any]:
    """Build the Flask config mapping from the process environment."""
    https = os.environ.get("CIVIC_HTTPS", "").lower() in {"1", "true", "yes"}
    several_processes = https or _database_url(instance_path).startswith("postgresql")
    return (
        _base()
        | {
            "SECRET_KEY": _secret_key(instance_path),
            "AUDIT_PSEUDONYM_KEY": os.environ.get("CIVIC_AUDIT_PSEUDONYM_KEY", ""),
            "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
            "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
            **rate_limits(),
            "MAX_CONTENT_LENGTH": int(os.environ.get("CIVIC_MAX_CONTENT_LENGTH", 1024 * 1024)),
            "PROXY_HOPS": int(os.environ.get("CIVIC_PROXY_HOPS", 0)),
            "ARGON2_PROFILE": "RFC_9106_LOW_MEMORY",
            # the log's identity: its origin line, and the key that signs its checkpoints
            # (generated into instance/audit-signing.key when not given; civic.audit.signing)
            "AUDIT_ORIGIN": os.environ.get("CIVIC_AUDIT_ORIGIN", ""),
            "AUDIT_SIGNING_KEY": os.environ.get("CIVIC_AUDIT_SIGNING_KEY", ""),
            "AUDIT_WITNESS_KEYS": os.environ.get("CIVIC_AUDIT_WITNESS_KEYS", ""),
        }
        | mail_settings(instance_path)
        | https_settings(https)
        | page_cache_settings(production=several_processes)
    )


def page_cache_settings(*, production: bool) -> dict[str, Any]:
    """CIVIC_PAGE_CACHE_SECONDS: how long a public page answered to a visitor who is not
    signed in may be answered again from memory (civic.page_cache). 5 seconds where several
    processes serve a busy site, off on a single SQLite install; 0 turns it off."""
    seconds = _number_setting("CIVIC_PAGE_CACHE_SECONDS", "5" if production else "0", least=0)
    megabytes = _number_setting("CIVIC_PAGE_CACHE_MB", "64", least=0)
    return {"PAGE_CACHE_SECONDS": seconds, "PAGE_CACHE_BYTES": int(megabytes * 1024 * 1024)}


def is_production(config: Mapping[str, Any]) -> bool:
    """PostgreSQL or HTTPS: the set-ups where several app processes serve one site."""
    url = str(config.get("SQLALCHEMY_DATABASE_URI", ""))
    return url.startswith(("postgresql", "postgres:")) or bool(config.get("CIVIC_HTTPS"))


def check_production(config: Mapping[str, Any]) -> None:
    """Refuse settings that quietly weaken a production site.

    In-memory rate limits are counted separately in every process, so with gunicorn's
    four workers (or four servers) an attacker gets four times the sign-in guesses, and
    more after every restart. Tests (TESTING) are exempt: they run in one process.
    """
    if config.get("TESTING") or not is_production(config):
        return
    storage = str(config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if storage.startswith("memory://"):
        raise ConfigurationError(
            "Civic will not start: rate limits are kept in memory (RATELIMIT_STORAGE_URI is "
            f"{storage!r}), so each process would count sign-in attempts on its own. With "
            "PostgreSQL or CIVIC_HTTPS=1 keep them in Redis: set "
            f"RATELIMIT_STORAGE_URI={REDIS_EXAMPLE}"
        )


def check_contract_settings(config: Mapping[str, Any]) -> None:
    """Refuse a recall threshold that is not a share above zero (zero would let one
    signature, or none, bring a service in-house) and a review window of no months."""
    raw = str(config.get("RECALL_THRESHOLD_PERCENT", "5")).strip()
    try:
        percent = Fraction(raw)
    except (ValueError, ZeroDivisionError):
        percent = None
    if percent is None or not 0 < percent <= 100:
        raise ConfigurationError(
            f"Civic will not start: CIVIC_RECALL_THRESHOLD_PERCENT is {raw!r}; set it to a "
            "share of the area's eligible residents above 0 and at most 100, e.g. 5 or 2.5."
        )
    months = str(config.get("CONTRACT_REVIEW_MONTHS", "12")).strip()
    if not (months.isdigit() and int(months) >= 1):
        raise ConfigurationError(
            f"Civic will not start: CIVIC_CONTRACT_REVIEW_MONTHS is {months!r}; set it to a "
            "whole number of months, at least 1 (12 by default)."
        )


def check_petition_settings(config: Mapping[str, Any]) -> None:
    """Refuse default petition thresholds of zero, a share above 100 %, or words."""
    from civic.petitions.engine import Level, LevelError

    for name in ("PETITION_THRESHOLD", "PETITION_HIGHER_THRESHOLD"):
        raw = str(config.get(name, "")).strip()
        try:
            Level.parse(raw)
        except LevelError as wrong:
            raise ConfigurationError(
                f"Civic will not start: CIVIC_{name} is {raw!r}. {wrong}."
            ) from None


@functools.cache
def _test_signing_key() -> str:
    from civic.audit.verifier import generate_signer

    return generate_signer("localhost/civic").skey


def defaults_for_tests() -> dict[str, Any]:
    """A complete config for create_app(test_config): in-memory database, fast hashing."""
    return (
        _base()
        | {
            "TESTING": True,
            "SECRET_KEY": "test-only-" + secrets.token_hex(16),
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "SQLALCHEMY_ENGINE_OPTIONS": {},
            "RATELIMIT_STORAGE_URI": "memory://",
            "LOGIN_RATE_LIMIT": "5 per minute",
            "LOGIN_ADDRESS_RATE_LIMIT": "5 per minute",
            "REGISTER_RATE_LIMIT": "20 per hour",
            "CODE_RATE_LIMIT": "10 per hour",
            "ACCOUNT_MAIL_RATE_LIMIT": "3 per hour",
            "MAX_CONTENT_LENGTH": 1024 * 1024,
            "PROXY_HOPS": 0,
            "ARGON2_PROFILE": "CHEAPEST",
            # most tests build tiny electorates to test other things, so the checks are off
            # (0); the privacy tests and the demo-seed test set the production default of 10
            "MIN_ELECTORATE": 0,
            # a key from the settings, never a file in instance/: one per test process
            "AUDIT_ORIGIN": "",
            "AUDIT_SIGNING_KEY": _test_signing_key(),
            "AUDIT_WITNESS_KEYS": "",
            # messages stay in memory (flask_mailman's locmem); mail tests choose SMTP or files
            "MAIL_BACKEND": "locmem",
            "MAIL_DEFAULT_SENDER": "Civic <civic@localhost>",
            "MAIL_TIMEOUT": 5.0,
            "MAIL_MAX_ATTEMPTS": 3,
            "MAIL_RETRY_SECONDS": 60,
        }
        | https_settings(False)
    )
