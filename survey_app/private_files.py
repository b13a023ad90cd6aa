"""Files only the service user may read.

Everything under ``var/`` is personal or secret: the SQLite database with names and
addresses, the secret key, and the outbox's messages with personal links. Nobody else on the
machine may read them, whatever the umask of whoever starts the service.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

GROUP_AND_OTHERS = 0o077
# The process umask the CLI sets, so that what SQLite and other libraries create is private too.
PRIVATE_UMASK = GROUP_AND_OTHERS
PRIVATE_FILE_MODE = 0o600
PRIVATE_DIRECTORY_MODE = 0o700


def private_directory(path: Path) -> None:
    """Create ``path`` with mode 0700 unless it exists, and take group and other access away
    from it if it has any (its parents, if created, get the usual mode)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        path.mkdir(mode=PRIVATE_DIRECTORY_MODE)
    make_private(path)


def make_private(path: Path) -> None:
    """Take group and other access away from ``path``; the owner's bits stay as they are.

    Symbolic links are left alone: their target may be anywhere, and their own mode means
    nothing on Linux.
    """
    mode = path.lstat().st_mode
    if not stat.S_ISLNK(mode) and stat.S_IMODE(mode) & GROUP_AND_OTHERS:
        path.chmod(stat.S_IMODE(mode) & ~GROUP_AND_OTHERS)


def make_tree_private(root: Path) -> None:
    """Take group and other access away from ``root`` and everything under it.

    Earlier versions left the database, its WAL files and the outbox readable by everyone;
    doing this at every start makes an upgraded installation private too.
    """
    # os.walk yields each directory it enters (never through a symbolic link), root first.
    for directory, _, files in os.walk(root):
        make_private(Path(directory))
        for name in files:
            make_private(Path(directory, name))


def create_private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 unless it exists.

    For files another library creates with its own mode: SQLite makes a new database 0644
    minus the umask, but gives its ``-wal`` and ``-shm`` files the mode of the database file.
    """
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
