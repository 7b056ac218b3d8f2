"""Pages under /s/<slug>/, inside the society's scope."""

from django.urls import path

from societies import views

app_name = "societies"
urlpatterns = [
    path("", views.society_home, name="home"),
    path("about/", views.public_page, name="public_page"),
    path("documents/<slug:kind>.pdf", views.current_document, name="document"),
    path("settings/", views.settings_view, name="settings"),
    path("settings/edit/", views.settings_edit, name="settings_edit"),
    path("settings/public/", views.joining_settings, name="joining_settings"),
    path("settings/documents/new/", views.document_upload, name="document_upload"),
    path("settings/documents/<uuid:public_id>/", views.document_version,
         name="document_version"),
    path("settings/classes/new/", views.class_add, name="class_add"),
    path("settings/classes/<uuid:public_id>/", views.class_edit, name="class_edit"),
    path("settings/classes/<uuid:public_id>/remove/", views.class_remove, name="class_remove"),
    path("roles/", views.roles_view, name="roles"),
    path("roles/<uuid:public_id>/remove/", views.role_revoke, name="role_revoke"),
    path("roles/invitations/<uuid:public_id>/cancel/", views.invitation_cancel,
         name="invitation_cancel"),
    path("audit/", views.audit_log, name="audit"),
]
