from django.apps import AppConfig


class SharesConfig(AppConfig):
    name = "shares"
    verbose_name = "Shares"

    def ready(self):
        from members import providers
        from shares import for_members
        from societies import navigation

        providers.provide_holdings(for_members.register_holdings)
        providers.provide_joining_cost(for_members.joining_cost)

        navigation.register(label="My shares", url_name="shares:mine",
                            permission="shares:view_own", order=30)
        navigation.register(label="Shares", url_name="shares:register",
                            permission="shares:view_ledger", order=35)
        navigation.register(label="Year-end figures", url_name="shares:year_end",
                            permission="shares:year_end", order=75)
