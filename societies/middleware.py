"""Resolve /s/<slug>/, check the visitor belongs there, run the response in the society's scope.

Also the session store (settings.SESSION_ENGINE = "societies.middleware"): Django's database
sessions, with the session row read by a written-out query."""

import re

from django.contrib.auth.views import redirect_to_login
from django.contrib.sessions.backends import db
from django.db import connection
from django.http import Http404
from django.urls import Resolver404, resolve
from django.utils import timezone
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


class SessionStore(db.SessionStore):
    """Django's database session store: every request of a signed-in user loads its session,
    and building that one-table SELECT through the ORM cost more CPU than the database spent
    running it. Same row, same rules: the session must exist and not have expired, or the
    request is signed out; saving, signing out (the row deleted) and the session key's
    checks are Django's own."""

    _select = None

    def _get_session_from_db(self):
        if SessionStore._select is None:
            quote = connection.ops.quote_name
            SessionStore._select = (
                f"SELECT {quote('session_data')} FROM {quote(self.model._meta.db_table)} "  # noqa: S608
                f"WHERE {quote('session_key')} = %s AND {quote('expire_date')} > %s")
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(SessionStore._select, [self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return self.model(session_key=self.session_key, session_data=row[0])
