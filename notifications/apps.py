from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self):
        from notifications import (
            audit_text,  # noqa: F401 - registers its audit sentences
            invitations,
        )
        from notifications import todo as notice_todo
        from societies import navigation, signals, todo

        signals.invitation_made.connect(invitations.write_invitation_email,
                                        dispatch_uid="notifications.invitation_made")
        signals.invitation_cancelled.connect(invitations.withdraw_invitation_email,
                                             dispatch_uid="notifications.invitation_cancelled")

        navigation.register(label="Inbox", url_name="notifications:inbox",
                            permission="notices:view_own", group="Records", order=60)
        navigation.register(label="Notices", url_name="notifications:notices",
                            permission="notices:view_service", group="Records", order=65)
        todo.register(notice_todo.letters_to_post, permissions={"notices:send"}, order=35)
