from django.apps import AppConfig


class BallotsConfig(AppConfig):
    name = "ballots"

    def ready(self):
        from ballotbox.signals import result_ready
        from ballots import audit_text  # noqa: F401 - registers its audit sentences
        from ballots import todo as ballot_todo
        from ballots.consent_form import draw_for_message
        from ballots.papers import draw_for_message as draw_ballot_paper
        from ballots.tasks import count_when_box_result
        from notifications.letters import register_form
        from societies import todo
        from societies.navigation import register

        register_form("ballots.nominated", draw_for_message)
        register_form("ballots.poll_open", draw_ballot_paper, own_pages=True)
        result_ready.connect(count_when_box_result, dispatch_uid="ballots.count_when_box_result")

        register(label="Elections", url_name="ballots:index", permission="ballots:view",
                 group="Elections", order=40)
        register(label="Run elections", url_name="ballots:manage",
                 permission="ballots:administer", group="Elections", order=41)
        register(label="Scrutinise elections", url_name="ballots:scrutiny",
                 permission="ballots:scrutinise", group="Elections", order=43)
        register(label="Resolutions", url_name="ballots:index_resolutions",
                 permission="resolutions:propose", group="Elections", order=42)
        todo.register(ballot_todo.my_votes, permissions={"ballots:view"}, order=5)
        todo.register(ballot_todo.polls, permissions={"ballots:administer"}, order=20)
        todo.register(ballot_todo.results_to_cosign, permissions={"ballots:cosign"}, order=21)
