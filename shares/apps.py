from django.apps import AppConfig


class SharesConfig(AppConfig):
    name = "shares"
    verbose_name = "Shares"

    def ready(self):
        from members import providers
        from shares import (
            audit_text,  # noqa: F401 - registers its audit sentences
            for_members,
        )
        from shares import todo as share_todo
        from societies import navigation, todo

        providers.provide_holdings(for_members.register_holdings)
        providers.provide_joining_cost(for_members.joining_cost)
        providers.provide_admission_shares(for_members.admission_shares)
        providers.provide_admission_payment_form(for_members.admission_payment_form)

        from members.signals import member_ceased
        from shares.services.withdrawals import withdraw_on_leaving

        member_ceased.connect(withdraw_on_leaving, dispatch_uid="shares.withdraw_on_leaving")

        navigation.register(label="My shares", url_name="shares:mine",
                            permission="shares:view_own", group="Shares", order=30)
        navigation.register(label="Share register", url_name="shares:register",
                            permission="shares:view_ledger", group="Shares", order=35)
        navigation.register(label="Year-end figures", url_name="shares:year_end",
                            permission="shares:year_end", group="Shares", order=75)
        todo.register(share_todo.withdrawals, permissions={"shares:manage"}, order=40)
        todo.register(share_todo.interest, permissions={"shares:manage"}, order=45)
