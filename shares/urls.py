"""Pages under /s/<slug>/shares/, inside the society's scope."""

from django.urls import path

from shares import views

app_name = "shares"
urlpatterns = [
    # A member's own shares
    path("", views.mine, name="mine"),
    path("certificates/<uuid:public_id>/pdf/", views.my_certificate, name="my_certificate"),
    path("withdraw/", views.withdraw, name="withdraw"),
    path("withdraw/<uuid:public_id>/cancel/", views.my_withdrawal_cancel,
         name="my_withdrawal_cancel"),
    path("nominations/new/", views.nominate, name="nominate"),
    path("nominations/<uuid:public_id>/revoke/", views.my_nomination_revoke,
         name="my_nomination_revoke"),
    path("interest-choice/", views.reinvest, name="reinvest"),
    path("statements/<uuid:public_id>/", views.my_statement, name="my_statement"),
    # The secretary's share register and ledger
    path("register/", views.register, name="register"),
    path("members/<uuid:public_id>/", views.member_account, name="member"),
    path("members/<uuid:public_id>/issue/", views.issue, name="issue"),
    path("members/<uuid:public_id>/transfer/", views.transfer, name="transfer"),
    path("members/<uuid:public_id>/convert/", views.convert, name="convert"),
    path("members/<uuid:public_id>/forfeit/", views.forfeit, name="forfeit"),
    path("members/<uuid:public_id>/death/", views.death, name="death"),
    path("members/<uuid:public_id>/nominations/new/", views.nominate_for, name="nominate_for"),
    path("register/certificates/<uuid:public_id>/", views.certificate, name="certificate"),
    path("ledger/", views.ledger_view, name="ledger"),
    path("ledger/<uuid:public_id>/reverse/", views.reverse_entry, name="reverse"),
    path("classes/", views.classes, name="classes"),
    path("classes/new/", views.class_add, name="class_add"),
    path("classes/<uuid:public_id>/", views.class_edit, name="class_edit"),
    path("withdrawals/", views.withdrawals, name="withdrawals"),
    path("withdrawals/suspend/", views.withdrawals_suspend, name="withdrawals_suspend"),
    path("withdrawals/resume/", views.withdrawals_resume, name="withdrawals_resume"),
    path("withdrawals/<uuid:public_id>/", views.withdrawal, name="withdrawal"),
    path("withdrawals/<uuid:public_id>/approve/", views.withdrawal_approve,
         name="withdrawal_approve"),
    path("withdrawals/<uuid:public_id>/defer/", views.withdrawal_defer,
         name="withdrawal_defer"),
    path("withdrawals/<uuid:public_id>/pay/", views.withdrawal_pay, name="withdrawal_pay"),
    path("withdrawals/<uuid:public_id>/cancel/", views.withdrawal_cancel,
         name="withdrawal_cancel"),
    path("nominations/", views.nominations, name="nominations"),
    path("interest/", views.interest, name="interest"),
    path("interest/run/", views.interest_start, name="interest_start"),
    path("interest/<uuid:public_id>/", views.interest_run, name="interest_run"),
    path("interest/<uuid:public_id>/csv/", views.interest_csv, name="interest_csv"),
    path("interest/<uuid:public_id>/post/", views.interest_post, name="interest_post"),
    path("interest/<uuid:public_id>/discard/", views.interest_discard,
         name="interest_discard"),
    path("interest/<uuid:public_id>/members/<uuid:member_id>/", views.interest_statement,
         name="interest_statement"),
    path("year-end/", views.year_end, name="year_end"),
]
