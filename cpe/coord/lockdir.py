"""The host-wide lock directory (`CPE_LOCK_DIR`, default /var/tmp/cpe-toolkit).

Every `cpe` process on the machine, whatever its CPE_HOME, keeps its device locks and
its failure ledger here, so two homes never hold two sessions to one device and never
spend one device's login attempts twice.

Permissions. Created owner-only (0700) by the first user. Two OS users sharing a host
share it through a group: an administrator creates it once with the setgid bit
(`install -d -m 2770 -g cpe /var/tmp/cpe-toolkit`), and files made inside a setgid
directory are then group read-write (0660); otherwise they are owner-only (0600). A
directory that another user owns and that is not shared through one of our groups, a
symlink, or a world-writable directory is refused: in /var/tmp anyone could have made it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cpe.errors import CpeError

__all__ = ["LockDirError", "file_mode", "open_shared", "prepare", "subdir"]


class LockDirError(CpeError):
    exit_code = 1
    kind = "lock_dir"
    pt_template = "Diretório de travas dos equipamentos: {message}"
    next_step_pt = (
        "Avise o técnico responsável pela ferramenta (CPE_LOCK_DIR; veja o README, "
        "seção Travas)."
    )


_prepared: dict[Path, int] = {}


def prepare(path: Path) -> int:
    """Create or check the directory; return the mode for files made inside it."""
    known = _prepared.get(path)
    if known is not None:
        return known
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        info = os.lstat(path)
    except OSError as exc:
        raise LockDirError(
            f"não foi possível criar {path}: {exc.strerror}", operation="lock dir"
        ) from None
    if not stat.S_ISDIR(info.st_mode):
        raise LockDirError(f"{path} não é um diretório (link ou arquivo)", operation="lock dir")
    if info.st_mode & stat.S_IWOTH:
        raise LockDirError(
            f"{path} pode ser alterado por qualquer usuário; use permissões 0700 ou 2770",
            operation="lock dir",
        )
    shared = bool(info.st_mode & stat.S_ISGID) and bool(info.st_mode & stat.S_IWGRP)
    ours = info.st_uid == os.geteuid()
    if not ours and not (shared and info.st_gid in [*os.getgroups(), os.getegid()]):
        raise LockDirError(
            f"{path} pertence a outro usuário e não é compartilhado por um grupo seu "
            "(crie-o com `install -d -m 2770 -g GRUPO` ou defina CPE_LOCK_DIR)",
            operation="lock dir",
        )
    mode = file_mode(info.st_mode)
    _prepared[path] = mode
    return mode


def file_mode(dir_mode: int) -> int:
    shared = bool(dir_mode & stat.S_ISGID) and bool(dir_mode & stat.S_IWGRP)
    return 0o660 if shared else 0o600


def subdir(root: Path, name: str) -> Path:
    """A subdirectory with the same sharing as `root` (setgid is inherited by mkdir)."""
    mode = prepare(root)
    path = root / name
    try:
        path.mkdir(exist_ok=True, mode=0o700)
        if mode == 0o660 and os.lstat(path).st_uid == os.geteuid():
            # mkdir's mode passes through the umask; group-shared by design (docstring)
            os.chmod(path, 0o2770)  # noqa: S103
    except OSError as exc:
        raise LockDirError(
            f"não foi possível criar {path}: {exc.strerror}", operation="lock dir"
        ) from None
    return path


def open_shared(path: Path, flags: int, mode: int) -> int:
    """os.open with O_CREAT; a new file gets exactly `mode` (the umask would narrow a
    group-shared 0660 to 0640, and the other user could not lock it)."""
    fd = os.open(path, flags | os.O_CREAT | os.O_CLOEXEC, mode)
    if mode != 0o600:
        try:
            if os.fstat(fd).st_uid == os.geteuid():
                os.fchmod(fd, mode)
        except OSError:
            pass
    return fd
