"""A valid one-page PDF of plain text, written by hand: the demo's contract documents
(and the tests' PDFs) without a PDF library as a dependency. Helvetica, one of the 14
fonts every PDF reader has, so nothing is embedded; text in Latin-1 (WinAnsiEncoding)."""

from __future__ import annotations

MAX_LINES = 60


def _text(line: str) -> bytes:
    encoded = line.encode("latin-1", errors="replace")
    return encoded.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def one_page_pdf(title: str, lines: list[str]) -> bytes:
    """An A4 page: the title in bold, then one line of text per entry (at most 60)."""
    stream = bytearray(b"BT\n/F2 14 Tf\n56 790 Td\n(" + _text(title) + b") Tj\n/F1 10 Tf\n")
    for line in lines[:MAX_LINES]:
        stream += b"0 -13 Td\n(" + _text(line) + b") Tj\n"
    stream += b"ET\n"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + bytes(stream) + b"endstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
