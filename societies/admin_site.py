"""The Django admin site, for platform operators (superusers). It runs unscoped, on purpose."""

import functools

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class UnscopedAdminSite(admin.AdminSite):
    site_header = "OMOV platform administration"
    site_title = "OMOV admin"

    def admin_view(self, view, cacheable=False):
        from django_scopes import scopes_disabled

        inner = super().admin_view(view, cacheable)

        @functools.wraps(inner)
        def wrapper(request, *args, **kwargs):
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
