"""Headers every page carries that Django does not set itself (docs/operations.md).

- Content-Security-Policy on every HTML response: scripts, styles and everything else only
  from this site, no inline code, no framing. A response that brings its own policy keeps
  it (an uploaded PDF is served with `sandbox`).
- Permissions-Policy on every response: no page uses the camera, microphone, location,
  payment or devices, so none may.
- Cache-Control: private, no-store on every response to a signed-in visitor and every page
  of a society, except the society's public page and current documents as shown to a visitor
  who is not signed in: nothing with personal data stays in a shared or browser cache.

Referrer-Policy and X-Content-Type-Options come from Django's SecurityMiddleware
(SECURE_REFERRER_POLICY, SECURE_CONTENT_TYPE_NOSNIFF). Static files are answered by WhiteNoise
before this middleware and keep their long cache lifetimes.
"""

from django.conf import settings
from django.utils.cache import patch_cache_control

# What a visitor who is not signed in may cache: the society's public face.
SHAREABLE_VIEWS = {"societies:home", "societies:public_page", "societies:document"}


def _signed_in(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user and user.is_authenticated)


def _private(request) -> bool:
    if _signed_in(request):
        return True
    if getattr(request, "society", None) is None:
        return False
    match = getattr(request, "resolver_match", None)
    return not (match and match.view_name in SHAREABLE_VIEWS)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        content_type = response.get("Content-Type", "")
        if content_type.startswith("text/html") and settings.CONTENT_SECURITY_POLICY:
            response.headers.setdefault("Content-Security-Policy",
                                        settings.CONTENT_SECURITY_POLICY)
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        if _private(request) and "no-store" not in response.get("Cache-Control", ""):
            response.headers.pop("Cache-Control", None)
            patch_cache_control(response, private=True, no_store=True)
        return response
