"""Pages under /s/<slug>/ballots/, inside the society's scope."""

from django.urls import path

from ballots import views

app_name = "ballots"
urlpatterns = [
    path("", views.index, name="index"),
    path("contests/<uuid:public_id>/", views.contest_detail, name="contest"),
    path("contests/<uuid:public_id>/nominate/", views.nominate, name="nominate"),
    path("contests/<uuid:public_id>/candidates/<uuid:candidate_id>/", views.consent,
         name="consent"),
    path("contests/<uuid:public_id>/result/", views.result, name="result"),
    path("contests/<uuid:public_id>/receipts/", views.receipts, name="receipts"),
    path("contests/<uuid:public_id>/ballots.blt", views.blt, name="blt"),
    path("contests/<uuid:public_id>/turnout/", views.turnout, name="turnout"),
    path("resolutions/", views.resolutions, name="index_resolutions"),
    path("resolutions/new/", views.propose_resolution, name="propose_resolution"),
    path("manage/", views.manage, name="manage"),
    path("manage/elections/<uuid:public_id>/", views.election_detail, name="election"),
    path("manage/contests/<uuid:public_id>/", views.manage_contest, name="manage_contest"),
    path("manage/contests/<uuid:public_id>/nominate/", views.officer_nominate,
         name="officer_nominate"),
    path("manage/contests/<uuid:public_id>/unopposed/", views.declare_unopposed,
         name="declare_unopposed"),
    path("manage/contests/<uuid:public_id>/open/", views.open_now, name="open"),
    path("manage/contests/<uuid:public_id>/close/", views.close_now, name="close"),
    path("manage/contests/<uuid:public_id>/strike-off/", views.strike_off, name="strike_off"),
    path("manage/contests/<uuid:public_id>/paper/", views.paper_batch, name="paper_batch"),
    path("manage/contests/<uuid:public_id>/count/", views.run_count, name="count"),
    path("manage/contests/<uuid:public_id>/lot/", views.resolve_lot, name="resolve_lot"),
    path("manage/contests/<uuid:public_id>/sign-off/", views.sign_off, name="sign_off"),
    path("manage/contests/<uuid:public_id>/publish/", views.publish, name="publish"),
    path("manage/contests/<uuid:public_id>/seats/", views.link_seats, name="link_seats"),
    path("manage/contests/<uuid:public_id>/terms/", views.start_terms, name="start_terms"),
    path("applications/<uuid:application_id>/put-to-vote/", views.put_to_vote,
         name="put_to_vote"),
]
