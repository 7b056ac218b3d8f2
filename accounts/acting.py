"""Who is acting: services take `actor` as the request's user, which may be anonymous or
absent (a task, a command, a public form), but only a signed-in user is stored on a row."""


def user_or_none(actor):
    """The user to record as having done something, or None for anonymous or no one."""
    return actor if actor is not None and actor.is_authenticated else None
