from django.apps import AppConfig


class SocietiesConfig(AppConfig):
    name = "societies"
    verbose_name = "Societies"

    def ready(self):
        from societies import navigation, permissions

        permissions.check_registry()
        navigation.register(label="Settings", url_name="societies:settings",
                            permission="society:view_settings", group="Settings", order=80)
        navigation.register(label="Roles", url_name="societies:roles",
                            permission="roles:view", group="Settings", order=85)
        navigation.register(label="Audit log", url_name="societies:audit",
                            permission="audit:view", group="Records", order=90)
