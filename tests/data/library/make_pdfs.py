#!/usr/bin/env python3
"""Writes the two PDF fixtures beside this file (run again only to change them): an aftercare sheet with a
text layer, and a scanned-like sheet whose page holds only a drawing (no text layer)."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent

SHEET = [
    "Dermal Filler Aftercare",
    "",
    "These instructions apply to hyaluronic acid fillers in the cheeks and under the eyes.",
    "Mild swelling and tenderness are expected for two to three days after the injections.",
    "",
    "The first 24 hours",
    "",
    "- Do not massage, press or rub the treated area.",
    "- Avoid makeup on the injection points until the next morning.",
    "- Sleep on your back with your head raised on two pillows.",
    "",
    "The first two weeks",
    "",
    "Avoid dental work, facials and flights for two weeks, as pressure changes can move the filler.",
    "Bruises fade within seven to ten days; a cold compress on the first day makes them smaller.",
]


def _escape(line: str) -> str:
    return line.replace("\\\\", "\\\\\\\\").replace("(", "\\\\(").replace(")", "\\\\)")


def pdf(content: bytes, fonts: bool) -> bytes:
    """A one-page PDF whose page draws ``content``, with correct cross-reference offsets."""
    resources = b"<< /Font << /F1 5 0 R >> >>" if fonts else b"<< >>"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources " + resources + b" >>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def main() -> None:
    lines = "".join(f"({_escape(line)}) Tj T*\n" for line in SHEET)
    text = f"BT /F1 11 Tf 16 TL 72 740 Td\n{lines}ET".encode("latin-1")
    (HERE / "dermal-filler-aftercare.pdf").write_bytes(pdf(text, fonts=True))
    drawing = b"0.8 g 72 400 468 300 re f 0 g 72 380 m 540 380 l S"
    (HERE / "scanned-consent-form.pdf").write_bytes(pdf(drawing, fonts=False))


if __name__ == "__main__":
    main()
