"""Pages under /s/<slug>/members/, inside the society's scope."""

from django.urls import path

from members import views

app_name = "members"
urlpatterns = [
    path("apply/", views.apply, name="apply"),
    path("apply/thanks/", views.apply_thanks, name="apply_thanks"),
    path("applications/", views.applications, name="applications"),
    path("applications/<uuid:public_id>/", views.application_detail, name="application"),
    path("applications/<uuid:public_id>/admit/", views.application_admit,
         name="application_admit"),
    path("applications/<uuid:public_id>/decline/", views.application_decline,
         name="application_decline"),
    path("me/", views.my_record, name="my_record"),
    path("me/edit/", views.my_record_edit, name="my_record_edit"),
    path("register/", views.register, name="register"),
    path("register/duplicate/", views.register_duplicate, name="register_duplicate"),
    path("register/duplicate/ask/", views.register_inspection_request,
         name="register_inspection_request"),
    path("register/inspections/", views.register_inspections, name="register_inspections"),
    path("register/inspections/online/", views.register_online_inspection,
         name="register_online_inspection"),
    path("register/inspections/<uuid:public_id>/grant/", views.register_inspection_grant,
         name="register_inspection_grant"),
    path("register/inspections/<uuid:public_id>/answer/", views.register_inspection_answer,
         name="register_inspection_answer"),
    path("register/export/<slug:kind>.<slug:fmt>", views.register_export, name="register_export"),
    path("import/", views.import_upload, name="import"),
    path("leavers/", views.leavers, name="leavers"),
    path("import/template.csv", views.import_template, name="import_template"),
    path("import/<uuid:public_id>/", views.import_job, name="import_job"),
    path("import/<uuid:public_id>/errors.csv", views.import_errors, name="import_errors"),
    path("<uuid:public_id>/", views.member_detail, name="member"),
    path("<uuid:public_id>/edit/", views.member_edit, name="member_edit"),
    path("<uuid:public_id>/cease/", views.member_cease, name="member_cease"),
    path("<uuid:public_id>/readmit/", views.member_readmit, name="member_readmit"),
    path("<uuid:public_id>/representative/", views.member_representative,
         name="member_representative"),
    path("<uuid:public_id>/returned-mail/", views.member_returned_mail,
         name="member_returned_mail"),
]
