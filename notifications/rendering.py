"""Render a message kind's templates for one member.

A kind such as "members.welcome" has its templates in templates/notifications/messages/<kind>/:

    subject.txt   one line (whitespace is collapsed)
    body.txt      the plain-text email, and the letter unless letter.txt exists
    body.html     the HTML email: extend "notifications/email_base.html" and fill its
                  "title" and "content" blocks
    letter.txt    optional: the text of the posted letter

The .txt templates are rendered with autoescaping off (plain text must not HTML-escape), the
.html one with it on. Every template gets the caller's context plus `society`, `member` and
`site_url`. A text email ends with `{% include "notifications/messages/_footer.txt" %}`
(the society's name, number and registered office).
"""

import re

from django.conf import settings
from django.template import Context, TemplateDoesNotExist
from django.template.loader import get_template
from django.utils.safestring import mark_safe

from notifications.models import Channel

TEMPLATE_DIR = "notifications/messages"
SUBJECT_MAX = 300


class UnknownKind(LookupError):
    pass


def template_name(kind: str, part: str) -> str:
    return f"{TEMPLATE_DIR}/{kind}/{part}"


def _load(kind: str, part: str, required: bool = True):
    try:
        return get_template(template_name(kind, part)).template
    except TemplateDoesNotExist:
        if required:
            raise UnknownKind(
                f"No template {template_name(kind, part)!r}: a message kind needs subject.txt, "
                "body.txt and body.html in templates/notifications/messages/<kind>/"
            ) from None
        return None


def _load_shared(name: str):
    return get_template(f"notifications/{name}").template


class Renderer:
    """The templates of one kind, loaded once; render(member, channel) for each recipient."""

    def __init__(self, kind: str, society, context: dict):
        if not re.fullmatch(r"[a-z0-9_]+(\.[a-z0-9_]+)+", kind):
            raise UnknownKind(f"{kind!r} is not a message kind (e.g. 'members.welcome')")
        self.kind = kind
        self.subject = _load(kind, "subject.txt")
        self.text = _load(kind, "body.txt")
        self.html = _load(kind, "body.html")
        self.letter = _load(kind, "letter.txt", required=False) or self.text
        self.base = {**context, "society": society, "site_url": settings.SITE_URL}
        # The society's parts are the same for every recipient: render them once, here.
        self.base.update({
            "society_name": society.name,
            "society_footer_text": _load_shared("society_footer.txt").render(
                Context(self.base, autoescape=False)).strip(),
            "society_footer_html": mark_safe(  # noqa: S308 - rendered with autoescaping on
                _load_shared("society_footer.html").render(Context(self.base)).strip()),
        })

    def render(self, member, channel: str) -> tuple[str, str, str]:
        """(subject, plain text, html) — html is empty for a letter."""
        values = {**self.base, "member": member}
        text_context = Context(values, autoescape=False)
        subject = " ".join(self.subject.render(text_context).split())[:SUBJECT_MAX]
        if channel == Channel.POST:
            return subject, self.letter.render(text_context).strip() + "\n", ""
        text = self.text.render(text_context).strip() + "\n"
        return subject, text, self.html.render(Context(values))
