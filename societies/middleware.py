"""Resolve /s/<slug>/, check the visitor belongs there, run the response in the society's scope."""

import re

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.urls import Resolver404, resolve
from django_scopes import scope

from societies.access import NOBODY, society_and_visitor

SOCIETY_PATH = re.compile(r"^/s/(?P<slug>[-a-zA-Z0-9_]+)/")


class SocietyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.society = None
        request.visitor = NOBODY
        match = SOCIETY_PATH.match(request.path_info)
        if match is None:
            return self.get_response(request)
        try:
            view = resolve(request.path_info).func
        except Resolver404:
            return self.get_response(request)
        is_public = getattr(view, "society_public", False)
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
