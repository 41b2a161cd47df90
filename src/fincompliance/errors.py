"""Errors a user can act on. Anything raised as one of these is printed as a single line."""

from __future__ import annotations


class FincompError(Exception):
    """Base class: an error that is the input's or the user's, never a bug in fincomp."""

    exit_code = 2


class UsageError(FincompError):
    """The command line asks for something that cannot be done."""


class InputError(FincompError):
    """A file fincomp was asked to read is malformed, too large, or hostile."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"
