"""Domain errors shared by every app's services; views map them to HTTP answers."""


class PermissionDenied(Exception):
    """The actor's role does not allow this action (403)."""


class RuleViolation(Exception):
    """The change breaks a rule of the domain; the message says which, for the user (409).

    ``field`` names the form field the rule is about, when there is one, so a form can
    show the message beside it.
    """

    def __init__(self, message: str = "", *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
