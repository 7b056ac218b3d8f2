"""Pages under /s/<slug>/boards/, inside the society's scope."""

from django.urls import path

from boards import views

app_name = "boards"
urlpatterns = [
    path("", views.board, name="board"),
    path("decisions/", views.decisions, name="decisions"),
    path("decisions/new/", views.decision_new, name="decision_new"),
    path("officers/", views.officers, name="officers"),
    path("officers/new/", views.officer_new, name="officer_new"),
    path("officers/<uuid:public_id>/leave/", views.officer_leave, name="officer_leave"),
    path("interests/", views.interests, name="interests"),
    path("interests/new/", views.interest_new, name="interest_new"),
    path("meetings/", views.meetings, name="meetings"),
    path("meetings/new/", views.meeting_new, name="meeting_new"),
    path("bodies/new/", views.body_new, name="body_new"),
    path("seats/new/", views.seat_category_new, name="seat_category_new"),
    path("terms/new/", views.term_new, name="term_new"),
    path("terms/<uuid:public_id>/end/", views.term_end, name="term_end"),
    path("terms/<uuid:public_id>/ratify/", views.term_ratify, name="term_ratify"),
    path("co-options/", views.co_options, name="co_options"),
    path("co-options/<uuid:public_id>/", views.co_option_decide, name="co_option_decide"),
]
