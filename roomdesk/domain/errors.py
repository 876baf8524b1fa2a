"""Errors for input that breaks a rule of the domain, each with a message fit to show a person.

One hierarchy serves the domain and the API layer: :class:`ShownError` is the base of every error
roomdesk raises on purpose, and :mod:`roomdesk.api.errors` names it ``WherebyError`` and
:class:`ValidationProblem` ``RequestValidationError``. They are the same classes, not copies, so a
bad local time raised here is caught by ``except RequestValidationError`` and by
``except WherebyError`` as it always was, while the domain imports nothing of the API.
"""

from __future__ import annotations

from dataclasses import dataclass


class ShownError(Exception):
    """Base of every error roomdesk raises on purpose; ``message`` is fit to show a person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class FieldIssue:
    """One problem with one field of a request, found before anything was sent."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class ValidationProblem(ShownError):
    """The input is invalid; nothing was sent. ``issues`` names each field at fault."""

    def __init__(self, issues: list[FieldIssue]) -> None:
        self.issues = list(issues)
        super().__init__("; ".join(str(issue) for issue in self.issues))

    @classmethod
    def single(cls, field: str, message: str) -> ValidationProblem:
        return cls([FieldIssue(field, message)])


class LocalTimeError(ValidationProblem):
    """A wall-clock time that does not exist, or exists twice, in the chosen time zone."""


class NonexistentLocalTimeError(LocalTimeError):
    pass


class AmbiguousLocalTimeError(LocalTimeError):
    pass
