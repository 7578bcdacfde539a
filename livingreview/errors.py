"""One base class for every error a user can cause; the CLI turns it into a message and exit code.

Each subpackage defines its own subclasses next to the code that raises them. The CLI catches
only ``LivingReviewError``: anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class LivingReviewError(Exception):
    """An input or environment problem the user can fix; ``str(error)`` says how."""

    exit_code = 1
