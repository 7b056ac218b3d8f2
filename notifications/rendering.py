"""Render a message kind's templates for one member.

A kind such as "members.welcome" has its templates in templates/notifications/messages/<kind>/:

    subject.txt   one line (whitespace is collapsed)
    body.txt      the plain-text email, and the letter unless letter.txt exists
    body.html     the HTML email: either just its content (the society's layout is put
                  around it — the fast way), or a whole email that extends
                  "notifications/email_base.html" and fills its "title" and "content" blocks
    letter.txt    optional: the text of the posted letter

The .txt templates are rendered with autoescaping off (plain text must not HTML-escape), the
.html one with it on. Every template gets the caller's context plus `society`, `member` and
`site_url`. A text email ends with `{% include "notifications/messages/_footer.txt" %}`
(the society's name, number and registered office).
"""

import re

from django.conf import settings
from django.template import Context, Template, TemplateDoesNotExist
from django.template.loader import get_template
from django.template.loader_tags import ExtendsNode
from django.utils.html import escape
from django.utils.safestring import mark_safe

from notifications.models import Channel

TEMPLATE_DIR = "notifications/messages"
SUBJECT_MAX = 300
TITLE_MARK, CONTENT_MARK = "\x00title\x00", "\x00content\x00"
LAYOUT_WRAPPER = ('{% extends "notifications/email_base.html" %}'
                  "{% block title %}{{ title }}{% endblock %}"
                  "{% block content %}{{ content }}{% endblock %}")


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

        # One context each for text and HTML, reused for every member: Django keeps the
        # templates an {% include %} found in it, so they are looked up once, not per member.
        self._text_context = Context(self.base, autoescape=False)
        self._html_context = Context(self.base)
        # A body.html that does not extend a layout is the content of the email: it is put
        # into the society's layout, rendered once here (the fast way for big mailings).
        self.layout = None
        if not any(isinstance(node, ExtendsNode) for node in self.html.nodelist):
            layout = Template(LAYOUT_WRAPPER).render(Context({**self.base, "title": TITLE_MARK,
                                                              "content": CONTENT_MARK}))
            head, _mark, rest = layout.partition(TITLE_MARK)
            middle, _mark, tail = rest.partition(CONTENT_MARK)
            self.layout = (head, middle, tail)

    def render(self, member, channel: str) -> tuple[str, str, str]:
        """(subject, plain text, html) — html is empty for a letter."""
        with self._text_context.push(member=member):
            subject = " ".join(self.subject.render(self._text_context).split())[:SUBJECT_MAX]
            body = self.letter if channel == Channel.POST else self.text
            text = body.render(self._text_context).strip() + "\n"
        if channel == Channel.POST:
            return subject, text, ""
        with self._html_context.push(member=member):
            html = self.html.render(self._html_context)
        if self.layout is not None:
            head, middle, tail = self.layout
            html = head + escape(subject) + middle + html.strip() + tail
        return subject, text, html
