"""Checking an uploaded rules or privacy-notice file: a PDF by its content, not its name."""

import re

PDF_MAX_BYTES = 5 * 1024 * 1024
PDF_MAX_LABEL = "5 MB"
# ISO 32000: the header may follow up to 1,024 bytes of other data; %%EOF ends the file,
# possibly followed by a little whitespace or junk that readers tolerate.
HEADER = re.compile(rb"%PDF-[12]\.\d")
HEADER_WITHIN = 1024
EOF_WITHIN = 2048
# Actions a PDF viewer would run, and attachments: the public page offers documents to read
# only. (Names long enough never to turn up by chance inside compressed data; a script
# action always names its type, /S /JavaScript.)
ACTIVE_CONTENT = (b"/JavaScript", b"/Launch", b"/EmbeddedFile")


def read_upload(uploaded) -> bytes | None:
    """The uploaded file's bytes, or None when it is larger than a document may be (read no
    further than one byte past the limit)."""
    if uploaded.size is not None and uploaded.size > PDF_MAX_BYTES:
        return None
    uploaded.seek(0)
    data = uploaded.read(PDF_MAX_BYTES + 1)
    return None if len(data) > PDF_MAX_BYTES else data


def pdf_problem(data: bytes | None) -> str | None:
    """Why `data` is not a PDF the society can publish, in words for the secretary; or None."""
    if data is None or len(data) > PDF_MAX_BYTES:
        return f"The file is larger than {PDF_MAX_LABEL}; save a smaller PDF and upload that."
    if not data.strip():
        return "The file is empty."
    if not HEADER.search(data[:HEADER_WITHIN]) or b"%%EOF" not in data[-EOF_WITHIN:]:
        return ("This file is not a PDF (whatever its name says). Save or export the document "
                "as PDF and upload that file.")
    if any(marker in data for marker in ACTIVE_CONTENT):
        return ("This PDF contains scripts or embedded files, which the society should not "
                "publish. Save it again with your program's 'Save as PDF' (or print to PDF) "
                "and upload that file.")
    return None
