"""Writing user files safely: atomically (temp file + rename), never over an existing file unless
asked, and private (0600) because heap snapshots and reports can hold secrets."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from heapsight.errors import HeapsightError


def check_writable(path: Path, force: bool = False) -> None:
    """Fail early, before any work, if `path` exists (without force) or its folder is missing."""
    if path.exists() and not force:
        raise HeapsightError(f"{path} already exists; choose another name or pass --force")
    if not path.parent.is_dir():
        raise HeapsightError(f"folder {path.parent} does not exist")


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str], force: bool = False,
                  mode: int = 0o600) -> Iterator[BinaryIO]:
    """Yield a binary file that becomes `path` only when the block ends without error.

    The temporary file sits beside the target (same filesystem, so the rename is atomic) and is
    removed if the block raises or is interrupted, so a killed run leaves no half file behind.
    """
    target = Path(path)
    check_writable(target, force)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if target.exists() and not force:  # appeared while we were writing
            raise HeapsightError(f"{target} appeared while writing; pass --force to replace it")
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


def write_text_atomic(path: str | os.PathLike[str], text: str, force: bool = False,
                      mode: int = 0o600) -> None:
    with atomic_writer(path, force=force, mode=mode) as handle:
        handle.write(text.encode("utf-8"))
