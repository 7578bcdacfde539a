"""The analyses manifest as the staged book carries it (``analyses/manifest.yml``)."""

from __future__ import annotations

from pathlib import Path

import yaml


def manifest_runs(srcdir: str) -> dict[str, dict]:
    """Manifest runs keyed by the staged notebook path they produce (analyses/<name>.ipynb)."""
    manifest = Path(srcdir) / "analyses" / "manifest.yml"
    if not manifest.is_file():
        return {}
    runs = yaml.safe_load(manifest.read_text(encoding="utf-8")).get("runs", [])
    return {f"analyses/{run['name']}.ipynb": run for run in runs}
