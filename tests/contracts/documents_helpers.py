"""Tiny real files of each accepted type (and some disguised ones), built in the test run."""

from __future__ import annotations

import io
import zipfile

from seeds.simple_pdf import one_page_pdf


def pdf() -> bytes:
    """A minimal valid one-page PDF (the demo's own writer)."""
    return one_page_pdf("Contract", ["Page one."])


def zipped(members: dict[str, bytes], *, mimetype: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if mimetype is not None:
            # ODF: the first member, stored uncompressed
            archive.writestr(zipfile.ZipInfo("mimetype"), mimetype)
        for name, data in members.items():
            archive.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def odf(kind: str = "text") -> bytes:
    return zipped(
        {"content.xml": b"<office:document-content/>", "META-INF/manifest.xml": b"<m/>"},
        mimetype=f"application/vnd.oasis.opendocument.{kind}",
    )


def docx(*, macros: bool = False) -> bytes:
    members = {
        "[Content_Types].xml": b"<Types/>",
        "_rels/.rels": b"<Relationships/>",
        "word/document.xml": b"<w:document/>",
    }
    if macros:
        members["word/vbaProject.bin"] = b"\x00\x01"
    return zipped(members)


def csv() -> bytes:
    return "KPI,Target,Actual\nMeals served hot (%),98,96\nCyfartaledd (ŵ),1,1\n".encode()


EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56 + b"This program cannot be run in DOS mode."
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56
