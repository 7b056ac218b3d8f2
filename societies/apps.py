from django.apps import AppConfig


class SocietiesConfig(AppConfig):
    name = "societies"
    verbose_name = "Societies"

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        from societies import navigation, permissions

        permissions.check_registry()
        # Every app's audit_actions.py registers its action names (societies.audit).
        autodiscover_modules("audit_actions")
        navigation.register(label="Settings", url_name="societies:settings",
                            permission="society:view_settings", group="Settings", order=80)
        navigation.register(label="Roles", url_name="societies:roles",
                            permission="roles:view", group="Settings", order=85)
        navigation.register(label="Audit log", url_name="societies:audit",
                            permission="audit:view", group="Records", order=90)
