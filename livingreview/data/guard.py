"""Make an analysis fail when it reads a data file its manifest entry does not declare.

The runner passes the declared inputs to the kernel through the environment; importing
``livingreview`` in the notebook installs an audit hook that checks every ``open``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from livingreview.errors import LivingReviewError

DECLARED_ENV = "LIVINGREVIEW_DECLARED_INPUTS"
DATA_DIR_ENV = "LIVINGREVIEW_DATA_DIR"
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

    sys.addaudithook(hook)
    _installed = True


def install_from_environment() -> None:
    declared = os.environ.get(DECLARED_ENV)
    data_dir = os.environ.get(DATA_DIR_ENV)
    if declared is not None and data_dir:
        install(Path(data_dir), [Path(p) for p in json.loads(declared)])
