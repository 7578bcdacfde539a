"""Writing files so that a reader never sees half of one: every write in the package goes here."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: bytes | str, durable: bool = True) -> None:
    """Replace ``path`` by ``data`` in one rename, keeping its permissions (new: the umask's).

    ``durable`` flushes to disk before the rename: data files need it, build outputs that can
    be regenerated do not.
    """
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        else:  # a new file gets the usual permissions, not the temporary file's 0600
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def sync_file(src: Path | bytes, dest: Path) -> bool:
    """Write ``dest`` only if its bytes differ (mtimes Sphinx compares stay); True if written."""
    data = src if isinstance(src, bytes) else Path(src).read_bytes()
    if dest.is_file() and dest.read_bytes() == data:
        return False
    write_atomic(dest, data, durable=False)
    return True
