"""Exceptions the library raises, and the exit codes the CLI maps them to."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Like grep: 0 found / done, 1 nothing found or some input failed, 2 usage or query error."""

    OK = 0
    NO_MATCH = 1
    INPUT_ERROR = 1
    ERROR = 2


class ArchiveError(Exception):
    """Base of every error meant for the user: its message is one clear line."""

    exit_code: ExitCode = ExitCode.ERROR

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class ReadError(ArchiveError):
    """An input could not be read as an article. Names the file (and line) in its message."""

    exit_code = ExitCode.INPUT_ERROR

    def __init__(self, origin: str, problem: str) -> None:
        super().__init__(f"{origin}: {problem}")
        self.origin = origin
        self.problem = problem


class QueryError(ArchiveError):
    """A search query that cannot be understood."""


class NotFound(ArchiveError):
    """An article id (or prefix) that matches nothing, or more than one article."""

    exit_code = ExitCode.NO_MATCH


class NoArchive(ArchiveError):
    """There is no archive at the given path."""


class ArchiveLocked(ArchiveError):
    """Another process held the archive's write lock for longer than we were willing to wait."""


class SchemaMismatch(ArchiveError):
    """The archive on disk was written by another version of its layout."""
