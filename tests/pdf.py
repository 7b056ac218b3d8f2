"""Read a PDF the way a person sees it: pages, the text on each, and where each line sits.

Tests inspect PDFs only through `read_pdf`, which parses them with pypdf; a regular expression
over the bytes breaks on compressed streams whose bytes change with the content (a date).
"""

import io
from dataclasses import dataclass, field

from pypdf import PdfReader

MM = 72 / 25.4  # PDF points per millimetre


@dataclass(frozen=True)
class Line:
    """A run of text drawn on a page; x and y in mm from the page's left and top edges."""

    text: str
    x: float
    y: float


@dataclass
class Page:
    text: str
    lines: list[Line] = field(default_factory=list)
    fonts: set[str] = field(default_factory=set)
    embedded_fonts: set[str] = field(default_factory=set)

    def lines_within(self, left, right, top, bottom) -> list[Line]:
        """Lines that start inside the box (mm from the left and top edges)."""
        return [line for line in self.lines
                if left <= line.x <= right and top <= line.y <= bottom]


@dataclass
class Document:
    pages: list[Page]
    metadata: dict

    @property
    def text(self) -> str:
        return "\n".join(page.text for page in self.pages)

    def __len__(self) -> int:
        return len(self.pages)


def _fonts(pdf_page) -> tuple[set[str], set[str]]:
    """(every font's base name, those whose font program is embedded) used by a page."""
    names, embedded = set(), set()
    resources = pdf_page.get("/Resources") or {}
    for font in (resources.get_object().get("/Font") or {}).values():
        font = font.get_object()
        name = str(font.get("/BaseFont", "")).lstrip("/").split("+")[-1]
        names.add(name)
        descriptors = [font.get("/FontDescriptor")]
        for descendant in font.get("/DescendantFonts") or []:
            descriptors.append(descendant.get_object().get("/FontDescriptor"))
        for descriptor in filter(None, descriptors):
            descriptor = descriptor.get_object()
            if any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                embedded.add(name)
    return names, embedded


def _page(pdf_page) -> Page:
    height = float(pdf_page.mediabox.height)
    lines = []

    def visit(text, cm, tm, font, size):
        if not text.strip():
            return
        # The text matrix's origin carried through the current transformation matrix.
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        lines.append(Line(text.strip(), x / MM, (height - y) / MM))

    text = pdf_page.extract_text(visitor_text=visit)
    fonts, embedded = _fonts(pdf_page)
    return Page(text=text, lines=lines, fonts=fonts, embedded_fonts=embedded)


def read_pdf(data: bytes) -> Document:
    """Parse `data` (fails on anything that is not a well-formed PDF)."""
    assert data.startswith(b"%PDF-"), f"not a PDF: {data[:20]!r}"
    reader = PdfReader(io.BytesIO(data), strict=True)
    metadata = {key.lstrip("/"): str(value) for key, value in (reader.metadata or {}).items()}
    return Document(pages=[_page(page) for page in reader.pages], metadata=metadata)
