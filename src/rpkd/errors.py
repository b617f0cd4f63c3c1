"""Errors that carry a code and its parameters, so every interface renders them in its language.

An error never holds a sentence: ``code`` is the key of its message in the :mod:`rpkd.locale`
catalogue and ``params`` fill it in; :meth:`RpkdError.message` renders it. Exit codes follow
DESIGN.md §7: 1 for invalid input (a file, row or field is wrong), 2 for usage errors (a flag or
argument is wrong).
"""

from __future__ import annotations

import os
from typing import Any

from rpkd.findings import Finding
from rpkd.locale import Lang, message


def _default_lang() -> Lang:
    return "en" if os.environ.get("RPKD_LANG") == "en" else "id"


class RpkdError(Exception):
    """Base class: ``code`` is a stable id, ``param`` names what was wrong, ``params`` fill in.

    ``findings`` carries the row-level problems behind the error (an import refused for them).

    Examples
    --------
    >>> err = NotFound("release_missing", param="name", name="r9", available="r1")
    >>> err.message("en")
    'release r9 does not exist (releases: r1)'
    """

    exit_code = 1

    def __init__(
        self,
        code: str,
        /,
        *,
        param: str | None = None,
        findings: tuple[Finding, ...] = (),
        **params: Any,
    ) -> None:
        super().__init__(code)
        self.code = code
        self.param = param
        self.params = params
        self.findings = findings

    def message(self, lang: Lang | None = None) -> str:
        """Return the error's sentence in ``lang`` (``RPKD_LANG``, else Indonesian)."""
        return message(self.code, lang or _default_lang(), **self.params)

    def finding(self) -> Finding:
        """Return the error as a finding (for reports that list problems side by side)."""
        return Finding(self.code, "error", self.params, field=self.param)

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready object: code, parameter, parameters, findings."""
        return {
            "code": self.code,
            "param": self.param,
            "params": Finding(self.code, "error", self.params).to_json()["params"],
            "findings": [f.to_json() for f in self.findings],
        }

    def __str__(self) -> str:
        return self.message()


class InvalidInput(RpkdError):
    """The data given is wrong (exit code 1)."""

    exit_code = 1


class UsageError(RpkdError):
    """The command was called wrongly: unknown option value, missing argument (exit code 2)."""

    exit_code = 2


class UnknownRegion(InvalidInput):
    """A region code that is malformed or not in the Kemendagri master."""


class TooLarge(InvalidInput):
    """A request body or file larger than its limit, refused before it is all read (web: 413)."""


class NotFound(RpkdError):
    """A named object (release, plan, user) does not exist in the workspace."""

    exit_code = 1


class Forbidden(RpkdError):
    """The acting user holds no grant that permits the action on its scope (exit code 1)."""

    exit_code = 1


class Unauthenticated(RpkdError):
    """Nobody is signed in, or the username and password do not match (web: 401)."""

    exit_code = 1


class RateLimited(RpkdError):
    """Too many failed logins; ``retry_after`` (a parameter) says in how many seconds to retry
    (web: 429)."""

    exit_code = 1

    @property
    def retry_after(self) -> int:
        return int(self.params.get("seconds", 60))


class Unavailable(RpkdError):
    """A service the request needs (the application database's server) cannot be reached
    now; the request was stopped and its transaction rolled back (web: 503)."""

    exit_code = 1


class MissingExtra(UsageError):
    """An optional dependency is not installed; the message says which extra to install."""

    def __init__(self, package: str, extra: str) -> None:
        super().__init__("missing_extra", param=extra, package=package, extra=extra)
