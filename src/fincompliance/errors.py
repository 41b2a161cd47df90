"""Errors a user can act on. Anything raised as one of these is printed as a single line."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager


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


ERROR_LINE_LIMIT = 400


def one_line(message: str, limit: int = ERROR_LINE_LIMIT) -> str:
    """An error as one line a log keeps whole: line breaks and tabs folded to spaces, and a
    message longer than `limit` cut in its middle, so the file and line at its start and the
    reason at its end both stay (an input line quoted in full could be 30 KB)."""
    folded = " ".join(message.split())
    if len(folded) <= limit:
        return folded
    keep = (limit - 5) // 2
    return f"{folded[:keep]} […] {folded[-keep:]}"


@contextmanager
def reading(shown_as: str, what: str) -> Iterator[None]:
    """Whatever goes wrong while one input is read becomes one InputError naming it: every
    entry point that reads a file (scanners, `check`, `db update`, image unpacking) shares
    this boundary, so malformed content is never a traceback."""
    try:
        yield
    except FincompError:
        raise
    except RecursionError:
        raise InputError(shown_as, "nested too deeply to read") from None
    except MemoryError:
        raise InputError(shown_as, "too large to read in memory") from None
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, OSError, EOFError,
            zlib.error) as exc:
        raise InputError(shown_as, f"unexpected content for {what} "
                         f"({type(exc).__name__}: {exc})") from None
