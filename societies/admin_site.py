"""The Django admin site, for platform operators (superusers). It runs unscoped, on purpose,
opens only once the superuser has set up two-factor authentication, and only reads: every
change to a society's records goes through a service, which writes its audit entry."""

import functools

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin


class UnscopedAdminSite(admin.AdminSite):
    site_header = "OMOV platform administration"
    site_title = "OMOV admin"

    def admin_view(self, view, cacheable=False):
        from allauth.mfa.utils import is_mfa_enabled
        from django_scopes import scopes_disabled

        from societies.access import redirect_to_mfa_enrolment

        inner = super().admin_view(view, cacheable)

        @functools.wraps(inner)
        def wrapper(request, *args, **kwargs):
            if self.has_permission(request) and not is_mfa_enabled(request.user):
                return redirect_to_mfa_enrolment(request, request.get_full_path())
            with scopes_disabled():
                response = inner(request, *args, **kwargs)
                if hasattr(response, "render") and not response.is_rendered:
                    response.render()
                return response

        return wrapper

    def has_permission(self, request):
        return request.user.is_active and request.user.is_superuser


class OMOVAdminConfig(AdminConfig):
    default_site = "societies.admin_site.UnscopedAdminSite"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that change only through services (so they are audited): view, never edit."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyHistoryAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    """Read-only, with the row history; an old version can be looked at, never restored."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # The history package saves a posted old version without asking for change permission.
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)
