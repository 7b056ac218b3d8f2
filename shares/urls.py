"""Pages under /s/<slug>/shares/, inside the society's scope."""

app_name = "shares"
urlpatterns: list = []
