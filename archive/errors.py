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

    def __init__(self, message: str, hint: str | None = None, setting: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        # The setting the message begins with (``limit``, ``since/until``): the library speaks
        # of settings, and a front end names them as its users know them (the CLI: ``--limit``).
        self.setting = setting


class ReadError(ArchiveError):
    """An input could not be read as an article. Names the file (and line) in its message."""

    exit_code = ExitCode.INPUT_ERROR

    def __init__(self, origin: str, problem: str) -> None:
        super().__init__(f"{quote_name(origin)}: {problem}")
        self.origin = origin
        self.problem = problem


class QueryError(ArchiveError):
    """A search query that cannot be understood."""


class NotFound(ArchiveError):
    """An article id (or prefix) that matches nothing, or more than one article."""

    exit_code = ExitCode.NO_MATCH


class NoArchive(ArchiveError):
    """There is no archive at the given path."""


class ArchiveExists(ArchiveError):
    """There is already an archive where a new one was to be made."""


class ArchiveLocked(ArchiveError):
    """Another process held the archive's write lock for longer than we were willing to wait."""


class SchemaMismatch(ArchiveError):
    """The archive on disk was written by another version of its layout."""


class StoreDamaged(ArchiveError):
    """The canonical store cannot be read: its file is damaged."""


def disk_error(e: OSError, path: object, doing: str) -> ArchiveError:
    """An operating-system failure while ``doing`` something with ``path``, as one line that
    says what to do (a full disk, a read-only archive, a missing permission)."""
    import errno

    where = quote_name(str(path))
    if e.errno == errno.ENOSPC or e.errno == errno.EDQUOT:
        return ArchiveError(f"the disk holding {where} is full ({doing})",
                            hint="free some space and run the same command again: nothing acknowledged was lost")
    if e.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return ArchiveError(f"{where} cannot be written ({doing}: {e.strerror})",
                            hint="the archive is read-only here: it can be searched, not changed")
    if e.errno == errno.EISDIR:
        return ArchiveError(f"{where} is a directory where a file belongs ({doing})",
                            hint="move it aside; the archive makes the file again")
    return ArchiveError(f"{where}: {e.strerror or e} ({doing})")


def sqlite_error(e: Exception, path: object) -> ArchiveError:
    """A failure of the SQLite store at ``path`` as one line with the way out."""
    text = str(e)
    where = quote_name(str(path))
    if "full" in text:
        return ArchiveError(f"the disk holding {where} is full (SQLite: {text})",
                            hint="free some space and run the same command again: nothing acknowledged was lost")
    if "readonly" in text or "read-only" in text:
        return ArchiveError(f"{where} is read-only (SQLite: {text})",
                            hint="the archive can be searched here, not changed")
    if "disk I/O error" in text:
        return ArchiveError(f"the disk holding {where} failed (SQLite: {text})",
                            hint="check that the disk is mounted and has room; then run archive check")
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return StoreDamaged(
            f"the store {where} is damaged (SQLite: {text})",
            hint="recover it with: sqlite3 archive.db .recover | sqlite3 recovered.db, then move recovered.db "
                 "into its place; or make a new archive and import your last export")  # fmt: skip
    if "locked" in text or "busy" in text:
        return ArchiveError(f"the store {where} is busy (SQLite: {text})", hint="try again in a moment")
    return ArchiveError(f"the store {where} failed (SQLite: {text})")


def quote_name(name: str) -> str:
    """A file name or argument as messages show it: as written, unless it holds a control
    character or a quote, which could split the message or forge output (then repr-style)."""
    if any(ord(c) < 32 or ord(c) == 127 or 0x80 <= ord(c) < 0xA0 or c in "'\"" for c in name):
        return repr(name)
    return name


def one_line(text: str) -> str:
    """Text for the terminal: control characters escaped, so a message stays one line."""
    return "".join(c if (ord(c) >= 32 and ord(c) != 127 and not 0x80 <= ord(c) < 0xA0) else
                   repr(c)[1:-1] for c in text)  # fmt: skip
