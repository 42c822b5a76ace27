"""Reading a site page (the latest saved version, or its default) and saving a new version.

Each page has a version per language. English is the council's own text: when an
administrator saves an English version after the newest Welsh one (the council changed its
notice), Welsh readers are shown that English, marked as English and with the note the
content module uses for a missing translation, rather than a Welsh text that may no longer
be true.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from string import Template

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from civic import audit
from civic.accounts.models import User
from civic.audit import Subject
from civic.content.text import Localised
from civic.errors import NotFound, ValidationFailed
from civic.extensions import db
from civic.i18n import DEFAULT_LANGUAGE, LANGUAGES, _, current_language, in_language
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
    (0 and no date for the built-in default). `language` is the text's; `page_language`
    the reader's, which differs when the English stands in for a stale translation."""

    slug: str
    title: str
    name: str
    body: str
    version: int
    updated_at: datetime | None
    language: str = DEFAULT_LANGUAGE
    page_language: str = DEFAULT_LANGUAGE

    @property
    def missing(self) -> bool:
        return self.language != self.page_language

    @property
    def text(self) -> Localised:
        """The body with its language, for the template's `lang_attr` and `note_html`."""
        return Localised(self.body, self.language, self.page_language, missing=self.missing)

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


def language_or_404(code: str | None) -> str:
    if code not in LANGUAGES:
        raise NotFound(_("Civic does not offer that language."))
    return code


# the settings' built-in wording, so a Welsh page left at the defaults says it in Welsh
BUILT_IN_NAMES = {
    "DATA_CONTROLLER": _l("The council that runs this site"),
    "PRIVACY_CONTACT": _l("the council's data protection officer"),
}


def _named(setting: str, language: str) -> str:
    """Who the council is, or whom to contact, as a page in `language` names them: its own
    setting (`CIVIC_DATA_CONTROLLER_CY`), else the English one, translated only while it is
    still Civic's built-in wording (a council's own name is never guessed at)."""
    config = current_app.config
    if language != DEFAULT_LANGUAGE and config.get(f"{setting}_{language.upper()}"):
        return str(config[f"{setting}_{language.upper()}"])
    value = str(config[setting])
    built_in = BUILT_IN_NAMES[setting]
    with in_language(DEFAULT_LANGUAGE):
        left_as_it_came = value == str(built_in)
    if left_as_it_came:
        with in_language(language):
            return str(built_in)
    return value


def default_text(slug: str, language: str = DEFAULT_LANGUAGE) -> str:
    """The built-in text, with the council's name and contact from the settings
    (`CIVIC_DATA_CONTROLLER`, `CIVIC_PRIVACY_CONTACT`, and their `_CY` for Welsh) and the
    sign-in's lifetime (`CIVIC_SESSION_MAX_HOURS`) and how long eligibility evidence is kept
    (`CIVIC_ELIGIBILITY_EVIDENCE_DAYS`), so the defaults never disagree with the settings.
    English's are in `defaults/`, each other language's in `defaults/<code>/`."""
    kind(slug)
    folder = DEFAULTS if language == DEFAULT_LANGUAGE else DEFAULTS / language_or_404(language)
    text = (folder / f"{slug}.md").read_text(encoding="utf-8")
    return Template(text).safe_substitute(
        controller=_named("DATA_CONTROLLER", language),
        contact=_named("PRIVACY_CONTACT", language),
        session_hours=f"{float(current_app.config['SESSION_MAX_HOURS']):g}",
        evidence_days=str(current_app.config.get("ELIGIBILITY_EVIDENCE_DAYS", 365)),
        petition_moderation_days=str(current_app.config.get("PETITION_MODERATION_DAYS", 10)),
        petition_open_days=str(current_app.config.get("PETITION_OPEN_DAYS", 180)),
        petition_response_days=str(current_app.config.get("PETITION_RESPONSE_DAYS", 30)),
    )


def latest(slug: str, language: str = DEFAULT_LANGUAGE) -> SitePageVersion | None:
    return db.session.scalar(
        select(SitePageVersion)
        .where(SitePageVersion.slug == slug, SitePageVersion.language == language)
        .order_by(SitePageVersion.version.desc())
        .limit(1)
    )


def versions(slug: str, language: str = DEFAULT_LANGUAGE) -> list[SitePageVersion]:
    """Every saved version in `language`, newest first (the edit page lists them)."""
    return list(
        db.session.scalars(
            select(SitePageVersion)
            .where(SitePageVersion.slug == slug, SitePageVersion.language == language)
            .order_by(SitePageVersion.version.desc())
        )
    )


def _own(slug: str, language: str) -> tuple[SitePage, SitePageVersion | None]:
    page = kind(slug)
    language_or_404(language)
    title, name = str(page.title), str(page.name)
    saved = latest(slug, language)
    if saved is None:
        body = default_text(slug, language)
        return SitePage(slug, title, name, body, 0, None, language, language), None
    shown = SitePage(
        slug, title, name, saved.body, saved.version, saved.created_at, language, language
    )
    return shown, saved


def own_version(slug: str, language: str) -> SitePage:
    """The page's text in `language` itself: the newest saved, else the default (what the
    editor starts from, never the English standing in for it)."""
    return _own(slug, language)[0]


def get_page(slug: str, language: str | None = None) -> SitePage:
    """The page as a reader of `language` (default: this request's) sees it: the newest
    version saved in that language, else its built-in default; but an English version saved
    after both stands in for them, marked as the English."""
    reader = language_or_404(language or current_language())
    own, saved = _own(slug, reader)
    if reader == DEFAULT_LANGUAGE:
        return own
    english = latest(slug, DEFAULT_LANGUAGE)
    # ids, not timestamps, say which was saved later: two saves in one second (or a clock
    # set back) still come out in the order they were made
    if english is not None and (saved is None or english.id > saved.id):
        return replace(
            own,
            body=english.body,
            version=english.version,
            updated_at=english.created_at,
            language=DEFAULT_LANGUAGE,
        )
    return own


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def save_page(
    actor: User | None,
    slug: str,
    body: str,
    *,
    based_on: int | None = None,
    language: str = DEFAULT_LANGUAGE,
) -> SitePageVersion:
    """Administrators save a new version of a page in one language. The audit entry carries
    the text's SHA-256 and language, not the text: the log stays small, and anyone holding a
    copy of the page can check it is the version that was published. `based_on` is the
    version (in that language) the editor started from; if someone saved since, the edit is
    refused rather than silently overwriting theirs."""
    require_admin(actor)
    kind(slug)
    language_or_404(language)
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
            select(func.max(SitePageVersion.version)).where(
                SitePageVersion.slug == slug, SitePageVersion.language == language
            )
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
        slug=slug,
        language=language,
        version=current + 1,
        body=body,
        sha256=sha256(body),
        created_by=actor,
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
        {
            "language": language,
            "version": row.version,
            "sha256": row.sha256,
            "characters": len(body),
        },
    )
    return row
