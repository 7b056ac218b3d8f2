"""Pages under /s/<slug>/ballots/, inside the society's scope."""

app_name = "ballots"
urlpatterns: list = []
