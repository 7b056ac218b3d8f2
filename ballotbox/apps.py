from django.apps import AppConfig


class BallotBoxConfig(AppConfig):
    name = "ballotbox"
    verbose_name = "Ballot box"
