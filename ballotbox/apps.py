from django.apps import AppConfig


class BallotBoxConfig(AppConfig):
    name = "ballotbox"
    verbose_name = "Ballot box"

    def ready(self):
        from ballotbox import audit_text  # noqa: F401 - registers its audit sentences
        from ballotbox import todo as box_todo
        from societies import navigation, todo

        todo.register(box_todo.my_trustee_work, permissions={"society:view"}, order=6)
        navigation.register(label="Ballot boxes", url_name="ballotbox:boxes",
                            permission="ballots:administer", group="Elections", order=60)
