"""Resolve /s/<slug>/, check the visitor belongs there, run the response in the society's scope."""

import functools
import re

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.urls import Resolver404, get_urlconf, resolve
from django_scopes import scope

from members.visitors import society_and_visitor
from societies.access import NOBODY

SOCIETY_PATH = re.compile(r"^/s/(?P<slug>[-a-zA-Z0-9_]+)/")


def _page_kind(path: str) -> str | None:
    """"public" or "members" for a society page at `path`, None if no page is there."""
    return _kind_of(path, get_urlconf() or settings.ROOT_URLCONF)


@functools.lru_cache(maxsize=4096)
def _kind_of(path: str, urlconf) -> str | None:
    """The URLs do not change while the process runs, so each path is resolved once here
    (Django resolves it again for the view): every vote is a POST to its contest's path."""
    try:
        view = resolve(path, urlconf).func
    except Resolver404:
        return None
    return "public" if getattr(view, "society_public", False) else "members"


class SocietyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.society = None
        request.visitor = NOBODY
        match = SOCIETY_PATH.match(request.path_info)
        if match is None:
            return self.get_response(request)
        kind = _page_kind(request.path_info)
        if kind is None:
            return self.get_response(request)
        is_public = kind == "public"
        if not is_public and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        society, visitor = society_and_visitor(match["slug"], request.user)
        if society is None:
            raise Http404
        with scope(society=society):
            # Foreign, missing and "not yours" look the same: 404.
            if not visitor.roles and not is_public:
                raise Http404
            request.society = society
            request.visitor = visitor
            response = self.get_response(request)
            # Render any lazy response while the scope is still active.
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
            return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Views get the society as request.society, not as a URL argument.
        view_kwargs.pop("society_slug", None)
