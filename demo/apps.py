from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo societies (`manage.py seed_demo`): above every app, it loads each app's own
    demo data (societies/demo.py, members, shares, ballots, boards)."""

    name = "demo"
    verbose_name = "Demo data"
