"""Pages under /s/<slug>/members/, inside the society's scope."""

app_name = "members"
urlpatterns: list = []
