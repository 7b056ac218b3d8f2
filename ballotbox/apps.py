from django.apps import AppConfig


class BallotBoxConfig(AppConfig):
    name = "ballotbox"
    verbose_name = "Ballot box"

    def ready(self):
        from ballotbox import audit_text  # noqa: F401 - registers its audit sentences
