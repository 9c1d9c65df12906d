"""Domain errors shared by every app; the API and the views map them to responses once."""


class DomainError(Exception):
    """A rule refused the request; the message is safe to show to the user."""


class NotFound(DomainError):
    """The record does not exist or is outside the user's scope (the two are not distinguished)."""


class Forbidden(DomainError):
    """The user's role does not allow this action on a record they can see."""


class InvalidInput(DomainError):
    """Input broke a rule; ``errors`` maps each field to its messages."""

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or {}

    def full_message(self) -> str:
        """The message followed by every field's messages, for a place with no fields to
        show them next to (a flash message, a job's report)."""
        details = (message for messages in self.errors.values() for message in messages)
        return " ".join([str(self), *details])


class Conflict(DomainError):
    """The record changed since the user loaded it; their stale edit is refused, not merged."""
