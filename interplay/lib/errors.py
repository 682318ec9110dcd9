"""Domain errors shared by every app's services; views map them to HTTP answers."""


class PermissionDenied(Exception):
    """The actor's role does not allow this action (403)."""


class RuleViolation(Exception):
    """The change breaks a rule of the domain; the message says which, for the user (409)."""
