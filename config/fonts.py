"""The fonts every PDF is printed in, found in one place.

Letters, certificates, ballot papers, registers and minutes print members' names, which may be
in any script. They are set in DejaVu Sans (Latin, Greek, Cyrillic and more), with Droid Sans
Fallback behind it for the Chinese, Japanese and Korean characters DejaVu lacks. Both are looked
for by file name under settings.FONT_DIRS (the FONT_DIRS variable; Debian's packages
fonts-dejavu-core and fonts-droid-fallback put them under /usr/share/fonts, and the Docker
image installs both). Where DejaVu is missing, the PDF makers fall back to a core PDF font,
which covers Latin-1 only.
"""

from functools import cache
from pathlib import Path

from django.conf import settings

FAMILY = "DejaVu"
CORE_FAMILY = "Helvetica"
# Style ("" regular, "B" bold) -> file name.
UNICODE_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
FALLBACK_FAMILY = "Fallback"
# Any one of these, in this order: Debian's fonts-droid-fallback ships the first.
FALLBACK_FILES = ("DroidSansFallbackFull.ttf", "DroidSansFallback.ttf")


@cache
def _find(name: str, dirs: tuple[str, ...]) -> Path | None:
    for folder in dirs:
        root = Path(folder).expanduser()
        if (root / name).is_file():
            return root / name
        if root.is_dir():
            found = next((path for path in sorted(root.rglob(name)) if path.is_file()), None)
            if found is not None:
                return found
    return None


def find(name: str) -> Path | None:
    """The font file called `name` in the first of settings.FONT_DIRS that has it (searched
    with its subfolders), or None."""
    return _find(name, tuple(str(folder) for folder in settings.FONT_DIRS))


def unicode_fonts() -> dict[str, Path] | None:
    """DejaVu Sans by style, or None unless both the regular and the bold are installed."""
    paths = {style: find(name) for style, name in UNICODE_FILES.items()}
    return paths if all(paths.values()) else None


def fallback_font() -> Path | None:
    """The font for the characters DejaVu lacks (Chinese, Japanese, Korean), or None."""
    return next((path for path in map(find, FALLBACK_FILES) if path is not None), None)


def missing() -> list[str]:
    """The font files a PDF needs and this machine lacks (empty when all are there)."""
    lacking = [name for name in UNICODE_FILES.values() if find(name) is None]
    if fallback_font() is None:
        lacking.append(" or ".join(FALLBACK_FILES))
    return lacking


def use_unicode_fonts(pdf) -> bool:
    """Add DejaVu Sans (and the fallback font where installed) to an fpdf2 document: True
    when text may then be printed in FAMILY, False when only the core fonts are there."""
    fonts = unicode_fonts()
    if fonts is None:
        return False
    for style, path in fonts.items():
        pdf.add_font(FAMILY, style=style, fname=str(path))
    fallback = fallback_font()
    if fallback is not None:
        _add_fallback_when_needed(pdf, fallback)
    return True


def _add_fallback_when_needed(pdf, path: Path) -> None:
    """Add the fallback font once a text needs a character DejaVu lacks. Reading it costs a
    quarter of a second, and with a fallback set fpdf2 checks every character it draws (three
    times slower letters): a document without such a name pays neither.

    fpdf2 passes every text it draws or measures through `normalize_text`, so this document's
    is wrapped, and unwrapped again once the fallback is in."""
    covered = frozenset(map(chr, set.intersection(
        *(set(pdf.fonts[key].cmap) for key in pdf.fonts if key.startswith(FAMILY.lower())))))
    covered |= frozenset("\n\r\t")
    normalize = pdf.normalize_text

    def normalize_text(text: str) -> str:
        if not covered.issuperset(text):
            del pdf.normalize_text
            pdf.add_font(FALLBACK_FAMILY, style="", fname=str(path))
            # One weight only: bold text falls back to the regular face, not to nothing.
            pdf.set_fallback_fonts([FALLBACK_FAMILY], exact_match=False)
        return normalize(text)

    pdf.normalize_text = normalize_text
