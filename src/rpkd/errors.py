"""Errors that carry a code and the offending parameter, so interfaces can render them.

Exit codes follow DESIGN.md §7: 1 for invalid input (a file, row or field is wrong),
2 for usage errors (a flag or argument is wrong).
"""

from __future__ import annotations


class RpkdError(Exception):
    """Base class: ``code`` is a stable machine-readable id, ``param`` names what was wrong."""

    exit_code = 1

    def __init__(self, code: str, message: str, *, param: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.param = param

    def __str__(self) -> str:
        return self.message


class InvalidInput(RpkdError):
    """The data given is wrong (exit code 1)."""

    exit_code = 1


class UsageError(RpkdError):
    """The command was called wrongly: unknown option value, missing argument (exit code 2)."""

    exit_code = 2


class UnknownRegion(InvalidInput):
    """A region code that is malformed or not in the Kemendagri master."""


class NotFound(RpkdError):
    """A named object (release, plan, user) does not exist in the workspace."""

    exit_code = 1


class MissingExtra(UsageError):
    """An optional dependency is not installed; the message says which extra to install."""

    def __init__(self, package: str, extra: str) -> None:
        super().__init__(
            "missing_extra",
            f"{package} is not installed; install it with: pip install 'rpkd[{extra}]'",
            param=extra,
        )
