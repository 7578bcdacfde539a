"""Make an analysis fail when it reads a data file its manifest entry does not declare.

The runner passes the declared inputs to the kernel through the environment; importing
``livingreview`` in the notebook installs an audit hook that checks every ``open``. The Data
Package descriptor is opened only by ``livingreview.data.package``, which lets the analysis
read only the parts of it the runner passed (``PACKAGE_ENV``): those its fingerprint covers.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from livingreview.errors import LivingReviewError

DECLARED_ENV = "LIVINGREVIEW_DECLARED_INPUTS"
DATA_DIR_ENV = "LIVINGREVIEW_DATA_DIR"
PACKAGE_ENV = "LIVINGREVIEW_PACKAGE_PARTS"  # JSON list: the descriptor parts the run may read
DESCRIPTOR = "datapackage.json"
_PACKAGE_READER = ("livingreview.data.package", "_read_package_file")
_installed = False


class UndeclaredInputError(LivingReviewError, PermissionError):
    pass


def install(data_dir: Path, declared: list[Path]) -> None:
    global _installed
    if _installed:
        return
    data_dir = Path(data_dir).resolve()
    allowed = {Path(p).resolve() for p in declared}

    def hook(event: str, args: tuple) -> None:
        if event != "open" or not args or not isinstance(args[0], (str, os.PathLike)):
            return
        try:
            path = Path(os.fsdecode(args[0])).resolve()
        except (OSError, ValueError):
            return
        if path.is_relative_to(data_dir) and path not in allowed and not path.is_dir():
            raise UndeclaredInputError(
                f"this analysis read {path.relative_to(data_dir.parent)}, which its entry in "
                "analyses/manifest.yml does not declare; add it to 'inputs'"
            )
        if path == data_dir / DESCRIPTOR and not _opened_by_package_reader():
            raise UndeclaredInputError(
                f"this analysis opened {path.relative_to(data_dir.parent)} itself; read it "
                "with livingreview.data.package (read_descriptor, resources, load_table), "
                "which checks the parts its manifest entry declares"
            )

    sys.addaudithook(hook)
    _installed = True


def _opened_by_package_reader() -> bool:
    frame = sys._getframe(1)
    while frame is not None:
        where = (frame.f_globals.get("__name__"), frame.f_code.co_name)
        if where == _PACKAGE_READER:
            return True
        frame = frame.f_back
    return False


def readable_package_parts(descriptor: Path) -> frozenset[str] | None:
    """The parts of ``descriptor`` this analysis run may read (None: not in a run, or not the
    run's own Data Package)."""
    parts, data_dir = os.environ.get(PACKAGE_ENV), os.environ.get(DATA_DIR_ENV)
    if parts is None or not data_dir:
        return None
    if Path(descriptor).resolve() != Path(data_dir).resolve() / DESCRIPTOR:
        return None
    return frozenset(json.loads(parts))


def install_from_environment() -> None:
    declared = os.environ.get(DECLARED_ENV)
    data_dir = os.environ.get(DATA_DIR_ENV)
    if declared is not None and data_dir:
        install(Path(data_dir), [Path(p) for p in json.loads(declared)])
