"""Pages under /s/<slug>/notifications/, inside the society's scope."""

from django.urls import path

from notifications import views

app_name = "notifications"
urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<uuid:public_id>/", views.inbox_message, name="inbox_message"),
    path("contact/", views.contact_preferences, name="contact_preferences"),
    path("notices/", views.notices, name="notices"),
    path("notices/new/", views.notice_new, name="notice_new"),
    path("notices/<uuid:public_id>/", views.notice_detail, name="notice_detail"),
    path("notices/<uuid:public_id>/service.csv", views.notice_export, name="notice_export"),
    path("notices/<uuid:public_id>/letters.pdf", views.letter_pack, name="letter_pack"),
    path("notices/<uuid:public_id>/posted/", views.confirm_posted, name="confirm_posted"),
]
