"""Execute one notebook with papermill (the runner starts this module, one process per run).

A user error raised inside the notebook (a ``LivingReviewError``, such as a reader's CSV with a
negative count) ends this process with ``USER_ERROR`` and its message as the only line on
stderr, so the CLI can show that line instead of papermill's traceback. Any other failure
keeps its traceback: it is a bug.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import yaml

USER_ERROR = 3
# The kernel never started (it died before its first reply, as when two kernels launched at
# once race for the same ports): nothing was executed, so the runner may try again.
KERNEL_START_FAILED = 4


def user_error_names() -> set[str]:
    """Names of every LivingReviewError subclass a notebook can raise."""
    import livingreview.analysis
    import livingreview.data
    from livingreview.errors import LivingReviewError

    for package in (livingreview.data, livingreview.analysis):
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{module.name}")
    names, stack = set(), [LivingReviewError]
    while stack:
        cls = stack.pop()
        names.add(cls.__name__)
        stack.extend(cls.__subclasses__())
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("notebook")
    parser.add_argument("output")
    parser.add_argument("--parameters", default="{}", help="YAML mapping")
    parser.add_argument("--cwd", required=True)
    args = parser.parse_args(argv)

    import papermill
    from papermill.exceptions import PapermillExecutionError

    try:
        papermill.execute_notebook(
            args.notebook,
            args.output,
            parameters=yaml.safe_load(args.parameters) or {},
            cwd=args.cwd,
            kernel_name="python3",
            progress_bar=False,
        )
    except PapermillExecutionError as exc:
        if exc.ename in user_error_names():
            print(" ".join(str(exc.evalue).split()), file=sys.stderr)
            return USER_ERROR
        raise
    except RuntimeError as exc:
        if "before replying to kernel_info" not in str(exc):
            raise
        print(f"the kernel did not start: {exc}", file=sys.stderr)
        return KERNEL_START_FAILED
    return 0


if __name__ == "__main__":
    sys.exit(main())
