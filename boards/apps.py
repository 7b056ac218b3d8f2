from django.apps import AppConfig


class BoardsConfig(AppConfig):
    name = "boards"

    def ready(self):
        from societies import navigation

        navigation.register(label="Decision log", url_name="boards:decisions",
                            permission="boards:view", order=70)
        navigation.register(label="Meetings", url_name="boards:meetings",
                            permission="boards:view", order=71)
        navigation.register(label="Board", url_name="boards:board",
                            permission="boards:view_board", order=72)
