from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from societies import views as society_views

# Every app's society pages live under /s/<slug>/ and run inside that society's scope.
SOCIETY_APPS = ["societies", "members", "shares", "ballots", "ballotbox", "boards",
                "notifications"]

urlpatterns = [
    path("", society_views.home, name="home"),
    path("accounts/", include("allauth.urls")),
    path("societies/", society_views.my_societies, name="my_societies"),
    path("invitations/<str:token>/", society_views.accept_invitation, name="accept_invitation"),
    path("platform/societies/", society_views.platform_societies, name="platform_societies"),
    path("platform/societies/new/", society_views.create_society, name="create_society"),
    path("admin/", admin.site.urls),
    # Browsers and feed readers ask for /favicon.ico whatever the page links.
    path("favicon.ico", RedirectView.as_view(url=static("favicon.ico"), permanent=True)),
    # Voting with a code, no account needed (ballots/vote_views.py).
    path("s/<slug:society_slug>/vote/", include("ballots.vote_urls")),
    path("s/<slug:society_slug>/", include("societies.urls")),
]
urlpatterns += [
    path(f"s/<slug:society_slug>/{app}/", include(f"{app}.urls"))
    for app in SOCIETY_APPS
    if app != "societies"
]
