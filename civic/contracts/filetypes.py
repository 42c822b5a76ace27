"""What kind of document a file is, judged from its bytes, never from its name or from the
Content-Type the browser sent (both are whatever the uploader says they are).

Pure: no Flask, no database, so the checks are quick to test on their own.

Accepted: PDF, OpenDocument text, spreadsheet and presentation (ODT, ODS, ODP), Word
(DOCX) and CSV. Refused: programs (Windows, Linux and macOS executables, scripts) whatever
they are called, ZIP archives that are neither OpenDocument nor Word, Word files with
macros, text that is not UTF-8, and anything else.

Why not a magic-number library: PDF is the only type here that a fixed prefix identifies.
ODF and DOCX are ZIP archives told apart by their members, and CSV has no signature at
all, so the standard library's `zipfile` and `csv` have to read the file anyway. The
libraries tried (puremagic) look only at the first bytes and called an ODT, and a plain
ZIP, a DOCX; relying on them would accept exactly the disguised files this refuses.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass

from civic.i18n import _
from civic.i18n import lazy_gettext as _l


@dataclass(frozen=True)
class FileType:
    extension: str  # without the dot, lower case: what the file's name must end in
    media_type: str  # what it is served as
    label: str  # how a page names it (a lazy string: in the reader's language)


PDF = FileType("pdf", "application/pdf", "PDF")
ODT = FileType("odt", "application/vnd.oasis.opendocument.text", _l("OpenDocument text (ODT)"))
ODS = FileType(
    "ods", "application/vnd.oasis.opendocument.spreadsheet", _l("OpenDocument spreadsheet (ODS)")
)
ODP = FileType(
    "odp",
    "application/vnd.oasis.opendocument.presentation",
    _l("OpenDocument presentation (ODP)"),
)
DOCX = FileType(
    "docx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    _l("Word document (DOCX)"),
)
CSV = FileType("csv", "text/csv", _l("CSV spreadsheet"))  # served with charset=utf-8

ACCEPTED: tuple[FileType, ...] = (PDF, ODT, ODS, ODP, DOCX, CSV)
BY_MEDIA_TYPE = {t.media_type: t for t in ACCEPTED}
_ODF = {t.media_type: t for t in (ODT, ODS, ODP)}

# Programs, by their first bytes: what a disguised upload most often is.
# (each refusal a whole sentence; %(names)s: the accepted types)
_MACOS = _l("The file is a macOS program, not a document. Civic only accepts %(names)s files.")
_PROGRAMS: tuple[tuple[bytes, object], ...] = (
    (
        b"MZ",
        _l(
            "The file is a Windows program (.exe or .dll), not a document. Civic only accepts "
            "%(names)s files."
        ),
    ),
    (
        b"\x7fELF",
        _l("The file is a Linux program, not a document. Civic only accepts %(names)s files."),
    ),
    (b"\xfe\xed\xfa\xce", _MACOS),
    (b"\xfe\xed\xfa\xcf", _MACOS),
    (b"\xce\xfa\xed\xfe", _MACOS),
    (b"\xcf\xfa\xed\xfe", _MACOS),
    (
        b"\xca\xfe\xba\xbe",
        _l(
            "The file is a macOS program or Java class, not a document. Civic only accepts "
            "%(names)s files."
        ),
    ),
    (
        b"#!",
        _l("The file is a script, not a document. Civic only accepts %(names)s files."),
    ),
)


class UnacceptableFile(ValueError):
    """The file is not one Civic accepts; the message says why, for the person uploading."""


def accepted_names() -> str:
    """ "PDF, ODT, ODS, ODP, DOCX or CSV": for hints and messages."""
    names = [t.extension.upper() for t in ACCEPTED]
    return _("%(names)s or %(last)s", names=", ".join(names[:-1]), last=names[-1])


def sniff(data: bytes) -> FileType:
    """The accepted type the content is, or UnacceptableFile saying what it is instead."""
    if not data:
        raise UnacceptableFile(_("The file is empty."))
    for prefix, refusal in _PROGRAMS:
        if data.startswith(prefix):
            raise UnacceptableFile(str(refusal) % {"names": accepted_names()})
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"PK\x03\x04"):
        return _sniff_zip(data)
    if _is_csv(data):
        return CSV
    raise UnacceptableFile(
        _(
            "Civic could not recognise the file as a %(names)s file. Save it in one of those "
            "formats and try again.",
            names=accepted_names(),
        )
    )


def check(data: bytes, filename: str) -> FileType:
    """Sniff the content, then require the file's name to end in that type's extension:
    a name that says something else is refused (an ".pdf" that is a program, a ".pdf" that
    is a Word file), so the name a resident downloads never lies about the content."""
    found = sniff(data)
    extension = filename.rsplit(".", 1)[1].lower() if "." in filename else ""
    if not extension:
        raise UnacceptableFile(
            _(
                "The file's name has no extension: it is a %(kind)s, so its name must end in "
                ".%(extension)s.",
                kind=found.label,
                extension=found.extension,
            )
        )
    if extension != found.extension:
        raise UnacceptableFile(
            _(
                "The file is named .%(named)s but its content is a %(kind)s. Choose the right "
                "file, or rename it to end in .%(extension)s.",
                named=extension,
                kind=found.label,
                extension=found.extension,
            )
        )
    return found


def _sniff_zip(data: bytes) -> FileType:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        if "mimetype" in names:
            # ODF keeps its type in a small stored member; read at most a little of it
            with archive.open("mimetype") as member:
                declared = member.read(100).decode("ascii", errors="replace").strip()
            found = _ODF.get(declared)
            if found is None:
                raise UnacceptableFile(
                    _(
                        "The file is an OpenDocument file of a kind Civic does not accept "
                        "(%(declared)s). Civic accepts %(names)s files.",
                        declared=declared or _("no type given"),
                        names=accepted_names(),
                    )
                )
            return found
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, RuntimeError, EOFError) as exc:
        raise UnacceptableFile(
            _("The file starts like a ZIP archive but is damaged, so Civic cannot check it.")
        ) from exc
    if "[Content_Types].xml" in names and any(n.startswith("word/") for n in names):
        if any(n.lower().endswith("vbaproject.bin") for n in names):
            raise UnacceptableFile(
                _(
                    "The Word file contains macros (programs). Save it as a plain Word "
                    "document (.docx) without macros, or as a PDF."
                )
            )
        return DOCX
    raise UnacceptableFile(
        _(
            "The file is a ZIP archive, but not an OpenDocument file or a Word document. "
            "Civic accepts %(names)s files, not archives.",
            names=accepted_names(),
        )
    )


def _is_csv(data: bytes) -> bool:
    """UTF-8 text (a byte-order mark allowed), no NUL bytes, that the csv module reads to
    the end. Any other text or binary data is not CSV."""
    if b"\x00" in data:
        return False
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    if not text.strip():
        return False
    try:
        rows = sum(1 for _ in csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error:
        return False
    return rows > 0
