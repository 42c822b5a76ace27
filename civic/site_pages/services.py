"""Reading a site page (the latest saved version, or its default) and saving a new version."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from string import Template

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from civic import audit
from civic.accounts.models import User
from civic.audit import Subject
from civic.errors import NotFound, ValidationFailed
from civic.extensions import db
from civic.i18n import _
from civic.i18n import lazy_gettext as _l
from civic.markdown import render_page
from civic.permissions import require_admin
from civic.site_pages.models import SitePageVersion

DEFAULTS = Path(__file__).parent / "defaults"
MAX_CHARS = 60_000  # the default privacy notice is about 8,000; room for a long one


@dataclass(frozen=True)
class PageKind:
    slug: str
    title: str
    name: str  # in a sentence: "Edit the cookies page"
    endpoint: str = ""  # the page's own address, when not site_pages.<slug>


PAGES: dict[str, PageKind] = {
    page.slug: page
    for page in (
        PageKind("privacy", _l("Privacy notice"), _l("privacy notice")),
        PageKind("accessibility", _l("Accessibility statement"), _l("accessibility statement")),
        PageKind("cookies", _l("Cookies"), _l("cookies page")),
        # petitions (issue 15): the rules moderators check a new petition against
        PageKind("petition_rules", _l("Petition rules"), _l("petition rules"), "petitions.rules"),
    )
}


@dataclass(frozen=True)
class SitePage:
    """What a page shows: its Markdown, the sanitised HTML, and which version it is
    (0 and no date for the built-in default)."""

    slug: str
    title: str
    name: str
    body: str
    version: int
    updated_at: datetime | None

    @property
    def html(self) -> str:
        return render_page(self.body)

    @property
    def is_default(self) -> bool:
        return self.version == 0


def kind(slug: str) -> PageKind:
    try:
        return PAGES[slug]
    except KeyError:
        raise NotFound(_("There is no such page.")) from None


def default_text(slug: str) -> str:
    """The built-in text, with the council's name and contact from the settings
    (`CIVIC_DATA_CONTROLLER`, `CIVIC_PRIVACY_CONTACT`) and the sign-in's lifetime
    (`CIVIC_SESSION_MAX_HOURS`) and how long eligibility evidence is kept
    (`CIVIC_ELIGIBILITY_EVIDENCE_DAYS`), so the defaults never disagree with the settings."""
    kind(slug)
    text = (DEFAULTS / f"{slug}.md").read_text(encoding="utf-8")
    return Template(text).safe_substitute(
        controller=current_app.config["DATA_CONTROLLER"],
        contact=current_app.config["PRIVACY_CONTACT"],
        session_hours=f"{float(current_app.config['SESSION_MAX_HOURS']):g}",
        evidence_days=str(current_app.config.get("ELIGIBILITY_EVIDENCE_DAYS", 365)),
        petition_moderation_days=str(current_app.config.get("PETITION_MODERATION_DAYS", 10)),
        petition_open_days=str(current_app.config.get("PETITION_OPEN_DAYS", 180)),
        petition_response_days=str(current_app.config.get("PETITION_RESPONSE_DAYS", 30)),
    )


def latest(slug: str) -> SitePageVersion | None:
    return db.session.scalar(
        select(SitePageVersion)
        .where(SitePageVersion.slug == slug)
        .order_by(SitePageVersion.version.desc())
        .limit(1)
    )


def versions(slug: str) -> list[SitePageVersion]:
    """Every saved version, newest first (the edit page lists them)."""
    return list(
        db.session.scalars(
            select(SitePageVersion)
            .where(SitePageVersion.slug == slug)
            .order_by(SitePageVersion.version.desc())
        )
    )


def get_page(slug: str) -> SitePage:
    page = kind(slug)
    saved = latest(slug)
    if saved is None:
        return SitePage(slug, str(page.title), str(page.name), default_text(slug), 0, None)
    return SitePage(
        slug, str(page.title), str(page.name), saved.body, saved.version, saved.created_at
    )


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def save_page(
    actor: User | None, slug: str, body: str, *, based_on: int | None = None
) -> SitePageVersion:
    """Administrators save a new version of a page. The audit entry carries the text's
    SHA-256, not the text: the log stays small, and anyone holding a copy of the page can
    check it is the version that was published. `based_on` is the version the editor
    started from; if someone saved since, the edit is refused rather than silently
    overwriting theirs."""
    require_admin(actor)
    kind(slug)
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise ValidationFailed({"body": _("Enter the text of the page")})
    if len(body) > MAX_CHARS:
        limit = f"{MAX_CHARS:,}"
        raise ValidationFailed(
            {"body": _("The text must be %(limit)s characters or fewer", limit=limit)}
        )
    current = (
        db.session.scalar(
            select(func.max(SitePageVersion.version)).where(SitePageVersion.slug == slug)
        )
        or 0
    )
    if based_on is not None and based_on != current:
        raise ValidationFailed(
            {
                "body": _(
                    "Someone else saved this page while you were editing it: copy your text, "
                    "reload the page and make your change again"
                )
            }
        )
    row = SitePageVersion(
        slug=slug, version=current + 1, body=body, sha256=sha256(body), created_by=actor
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        raise ValidationFailed(
            {"body": _("Someone else saved this page at the same moment: reload and try again")}
        ) from None
    audit.record(
        actor,
        "site_page:update",
        Subject("site_page", slug),
        {"version": row.version, "sha256": row.sha256, "characters": len(body)},
    )
    return row
