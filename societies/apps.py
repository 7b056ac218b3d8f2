from django.apps import AppConfig


class SocietiesConfig(AppConfig):
    name = "societies"
    verbose_name = "Societies"

    def ready(self):
        from societies import permissions

        permissions.check_registry()
