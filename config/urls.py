from django.contrib import admin
from django.urls import include, path

from societies import views as society_views

# Every app's society pages live under /s/<slug>/ and run inside that society's scope.
SOCIETY_APPS = ["societies", "members", "shares", "ballots", "boards", "notifications"]

urlpatterns = [
    path("", society_views.home, name="home"),
    path("accounts/", include("allauth.urls")),
    path("societies/", society_views.my_societies, name="my_societies"),
    path("invitations/<str:token>/", society_views.accept_invitation, name="accept_invitation"),
    path("platform/societies/", society_views.platform_societies, name="platform_societies"),
    path("platform/societies/new/", society_views.create_society, name="create_society"),
    path("admin/", admin.site.urls),
    path("s/<slug:society_slug>/", include("societies.urls")),
]
urlpatterns += [
    path(f"s/<slug:society_slug>/{app}/", include(f"{app}.urls"))
    for app in SOCIETY_APPS
    if app != "societies"
]
