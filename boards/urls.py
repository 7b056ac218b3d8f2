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
    path("meetings/rules/", views.meeting_rules, name="meeting_rules"),
    path("meetings/<uuid:public_id>/", views.meeting, name="meeting"),
    path("meetings/<uuid:public_id>/meeting.ics", views.meeting_ics, name="meeting_ics"),
    path("meetings/<uuid:public_id>/agenda/new/", views.agenda_item_new,
         name="agenda_item_new"),
    path("meetings/<uuid:public_id>/agenda/resolution/", views.resolution_new,
         name="resolution_new"),
    path("meetings/<uuid:public_id>/agenda/<uuid:item_id>/paper/", views.agenda_paper,
         name="agenda_paper"),
    path("meetings/<uuid:public_id>/agenda/<uuid:item_id>/vote/", views.vote, name="vote"),
    path("meetings/<uuid:public_id>/notice/", views.notice_serve, name="notice_serve"),
    path("meetings/<uuid:public_id>/proxy/", views.proxy, name="proxy"),
    path("meetings/<uuid:public_id>/proxy/revoke/", views.proxy_revoke, name="proxy_revoke"),
    path("meetings/<uuid:public_id>/proxies/", views.proxies, name="proxies"),
    path("meetings/<uuid:public_id>/proxies/paper/", views.proxy_paper, name="proxy_paper"),
    path("meetings/<uuid:public_id>/attendance/", views.attendance, name="attendance"),
    path("meetings/<uuid:public_id>/minutes/", views.minutes, name="minutes"),
    path("meetings/<uuid:public_id>/minutes/draft/", views.minutes_draft,
         name="minutes_draft"),
    path("meetings/<uuid:public_id>/minutes/edit/", views.minutes_edit, name="minutes_edit"),
    path("meetings/<uuid:public_id>/minutes/approve/", views.minutes_approve,
         name="minutes_approve"),
    path("bodies/new/", views.body_new, name="body_new"),
    path("seats/new/", views.seat_category_new, name="seat_category_new"),
    path("terms/new/", views.term_new, name="term_new"),
    path("terms/<uuid:public_id>/end/", views.term_end, name="term_end"),
    path("terms/<uuid:public_id>/ratify/", views.term_ratify, name="term_ratify"),
    path("co-options/", views.co_options, name="co_options"),
    path("co-options/<uuid:public_id>/", views.co_option_decide, name="co_option_decide"),
]
