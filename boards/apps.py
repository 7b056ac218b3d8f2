from django.apps import AppConfig


class BoardsConfig(AppConfig):
    name = "boards"

    def ready(self):
        from boards.terms import end_terms_on_cessation
        from members.signals import member_ceased
        from societies import navigation

        member_ceased.connect(end_terms_on_cessation, dispatch_uid="boards.end_terms_on_cessation")

        navigation.register(label="Decision log", url_name="boards:decisions",
                            permission="boards:view", order=70)
        navigation.register(label="Meetings", url_name="boards:meetings",
                            permission="boards:view", order=71)
        navigation.register(label="Board", url_name="boards:board",
                            permission="boards:view_board", order=72)
