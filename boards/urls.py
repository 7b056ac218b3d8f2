"""Pages under /s/<slug>/boards/, inside the society's scope."""

app_name = "boards"
urlpatterns: list = []
