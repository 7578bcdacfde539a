"""The bibliography, ``data/references.bib``."""

from __future__ import annotations

import re

# An entry's key as BibTeX writes it: @type{key, ...
ENTRY_KEY = re.compile(r"@\w+\s*\{\s*([^,\s]+)\s*,")


def entry_keys(text: str) -> list[str]:
    """Every entry key in file order, repeats included (validation reports them)."""
    return ENTRY_KEY.findall(text)
