from django.apps import AppConfig


class BoardsConfig(AppConfig):
    name = "boards"

    def ready(self):
        from boards import (
            audit_text,  # noqa: F401 - registers its audit sentences
            for_ballots,
        )
        from boards import todo as board_todo
        from boards.membership import record_application_decision, record_expulsion_decision
        from boards.terms import end_terms_on_cessation
        from members.signals import application_decided, member_ceased
        from notifications.letters import register_form
        from societies import navigation, todo

        for_ballots.register()
        member_ceased.connect(end_terms_on_cessation, dispatch_uid="boards.end_terms_on_cessation")
        member_ceased.connect(record_expulsion_decision,
                              dispatch_uid="boards.record_expulsion_decision")
        application_decided.connect(record_application_decision,
                                    dispatch_uid="boards.record_application_decision")

        from boards.letter_forms import draw_proxy_form

        register_form("boards.meeting_notice", draw_proxy_form)
        navigation.register(label="Decision log", url_name="boards:decisions",
                            permission="boards:view", group="Records", order=70)
        navigation.register(label="Meetings", url_name="boards:meetings",
                            permission="boards:view", group="Meetings", order=71)
        navigation.register(label="Board", url_name="boards:board",
                            permission="boards:view_board", group="Meetings", order=72)
        todo.register(board_todo.general_meetings, permissions={"boards:view"}, order=30)
