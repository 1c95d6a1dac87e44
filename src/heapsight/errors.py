"""The errors a user can cause. The CLI turns each into one line on stderr and an exit code."""


class HeapsightError(Exception):
    """A failure the user can act on: the message names the thing and what to do (exit 1)."""

    exit_code = 1


class UsageError(HeapsightError):
    """The command line itself is wrong (exit 2)."""

    exit_code = 2


class SnapshotFormatError(HeapsightError):
    """A file that is not a readable V8 heap snapshot (missing, truncated, corrupt)."""
