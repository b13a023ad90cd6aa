"""Domain errors raised by services; the web layer and the CLI turn them into responses."""

from __future__ import annotations

from collections.abc import Mapping

from survey_app.i18n import N_


class DomainError(Exception):
    """Base of every error a service raises on purpose. ``message`` is an English msgid."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """The record does not exist, or the caller may not know that it exists."""


class Forbidden(DomainError):
    """The caller is known but may not do this."""


class Conflict(DomainError):
    """The request clashes with the current state (already answered, already enrolled...)."""


class InvalidInput(DomainError):
    """Input that fails validation; ``errors`` maps each field to an English msgid."""

    def __init__(self, errors: Mapping[str, str], message: str = N_("Please correct the marked fields.")) -> None:
        super().__init__(message)
        self.errors = dict(errors)
