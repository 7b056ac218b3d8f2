"""allauth's emails name the site as people know it, not the host that served the request."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


@dataclass(frozen=True)
class SiteName:
    """What allauth's templates read as `current_site` (the Sites framework is not installed,
    so allauth would otherwise use the request's host, "127.0.0.1:8000")."""

    name: str
    domain: str
    url: str


def current_site() -> SiteName:
    return SiteName(name=settings.SITE_NAME, domain=urlsplit(settings.SITE_URL).netloc,
                    url=settings.SITE_URL)


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix, email, context):
        super().send_mail(template_prefix, email, {"current_site": current_site(), **context})
