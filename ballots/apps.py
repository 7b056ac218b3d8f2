from django.apps import AppConfig


class BallotsConfig(AppConfig):
    name = "ballots"

    def ready(self):
        from ballots.consent_form import draw_for_message
        from notifications.letters import register_form
        from societies.navigation import register

        register_form("ballots.nominated", draw_for_message)

        register(label="Elections", url_name="ballots:index", permission="ballots:view",
                 order=40)
        register(label="Run elections", url_name="ballots:manage",
                 permission="ballots:administer", order=41)
        register(label="Resolutions", url_name="ballots:index_resolutions",
                 permission="resolutions:propose", order=42)
