"""Plain wording shared by the boards pages and records (Django-free).

A resolution's title often repeats the start of its text ("Adopt a safeguarding policy" /
"Adopt a safeguarding policy."): written together they read twice, so the text stands alone.
"""

import re

_PUNCTUATION = re.compile(r"[\s.,;:!?'\"“”‘’()-]+")


def _plain(value: str) -> str:
    return _PUNCTUATION.sub(" ", value).strip().casefold()


def repeats_title(title: str, text: str) -> bool:
    """True when `text` says nothing the title has not already said, or begins with it."""
    title, text = _plain(title), _plain(text)
    return bool(title) and (text == title or text.startswith(title + " "))


def titled(title: str, text: str) -> str:
    """"Title: text", or the text alone when it begins with (or is) the title."""
    title, text = " ".join(title.split()), text.strip()
    if not text:
        return title
    if not title or repeats_title(title, text):
        return text
    return f"{title}: {text}"
