"""Errors of the Cordial destination, each marked permanent or retryable.

A permanent error is never retried: the event goes to the action's
dead-letter queue with the reason. A retryable error leaves the event on
its queue for a later attempt. A configuration error is neither: it stops
the function so that every event stays queued until an operator fixes it.
"""

from __future__ import annotations


class CordialDestinationError(Exception):
    """Base of every error this package raises on purpose."""

    #: short machine-readable reason class, used in logs, metrics and dead letters
    reason = "error"
    retryable = False


class PermanentError(CordialDestinationError):
    """The event cannot succeed as it is; retrying would not help."""

    reason = "permanent"


class RetryableError(CordialDestinationError):
    """The event may succeed later (Cordial busy, unreachable or slow)."""

    reason = "retryable"
    retryable = True

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class MalformedEventError(PermanentError):
    """Raised when a queue record is not an EventBridge event carrying a Segment event."""

    reason = "malformed"


class PayloadValidationError(PermanentError):
    """Raised when the mapped body misses required fields or has invalid ones; lists all."""

    reason = "validation"

    def __init__(self, action: str, problems: list[str]):
        self.action = action
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


class CordialRejectedError(PermanentError):
    """Raised when Cordial answers 501 or a 4xx other than 408, 423 and 429."""

    reason = "rejected"

    def __init__(self, message: str, *, status: int):
        super().__init__(message)
        self.status = status


class CordialUnavailableError(RetryableError):
    """Raised on 408, 423, 429, 5xx but 501, a timeout or a connection error."""

    reason = "unavailable"


class ConfigurationError(CordialDestinationError):
    """Raised when a setting, the secret or the mapping file is missing or invalid."""

    reason = "configuration"


class MappingError(ConfigurationError, ValueError):
    """Raised when a mapping is invalid; its message lists every problem found."""

    reason = "mapping"

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))
