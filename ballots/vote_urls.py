"""/s/<slug>/vote/: voting with a code, open to anyone (ballots/vote_views.py)."""

from django.urls import path

from ballots import vote_views

app_name = "vote"
urlpatterns = [
    path("", vote_views.vote, name="vote"),
    path("check/", vote_views.check, name="check"),
]
