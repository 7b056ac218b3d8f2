from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "Members"

    def ready(self):
        from allauth.account.signals import email_confirmed
        from django.contrib.auth.signals import user_logged_in

        from members import (
            audit_text,  # noqa: F401 - registers its audit sentences
            signals,
        )
        from members import todo as member_todo
        from societies import navigation, todo

        navigation.register(label="Your record", url_name="members:my_record",
                            permission="members:view_own", group="Members", order=15)
        navigation.register(label="Applications", url_name="members:applications",
                            permission="members:manage", group="Members", order=20)
        navigation.register(label="Register", url_name="members:register",
                            permission="register:view_trustee", group="Members", order=25)
        navigation.register(label="Duplicate register", url_name="members:register_duplicate",
                            permission="register:view_duplicate", group="Members", order=26)
        navigation.register(label="Import", url_name="members:import",
                            permission="members:import", group="Members", order=27)
        todo.register(member_todo.applications, permissions={"members:manage"}, order=10)
        todo.register(member_todo.inspection_requests, permissions={"members:manage"}, order=12)
        todo.register(member_todo.federation_links, permissions={"members:manage"}, order=14)
        user_logged_in.connect(signals.link_on_login, dispatch_uid="members.link_on_login")
        email_confirmed.connect(signals.link_on_email_confirmed,
                                dispatch_uid="members.link_on_email_confirmed")
