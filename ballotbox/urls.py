"""Pages under /s/<slug>/ballotbox/, inside the society's scope."""

from django.urls import path

from ballotbox import views

app_name = "ballotbox"
urlpatterns = [
    path("boxes/", views.boxes, name="boxes"),
    path("boxes/<uuid:public_id>/", views.box_overview, name="box"),
    path("boxes/<uuid:public_id>/resume/", views.resume_box, name="resume"),
    path("boxes/<uuid:public_id>/end-shuffles/", views.end_box_shuffles, name="end_shuffles"),
    path("boxes/<uuid:public_id>/verify/", views.verify_box, name="verify"),
    path("boxes/<uuid:public_id>/publish/", views.publish_box_record, name="publish"),
    path("boxes/<uuid:public_id>/record.bel", views.officer_record, name="officer_record"),
    path("boxes/<uuid:public_id>/trustee/", views.trustee_page, name="trustee"),
    path("boxes/<uuid:public_id>/trustee/files/<path:name>", views.trustee_file,
         name="trustee_file"),
    path("records/<uuid:public_id>/", views.record_page, name="record"),
    path("records/<uuid:public_id>/download/", views.record_download, name="record_download"),
]
