"""Pages under /s/<slug>/notifications/, inside the society's scope."""

app_name = "notifications"
urlpatterns: list = []
