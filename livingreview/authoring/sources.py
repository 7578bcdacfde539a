"""Where the network commands send their requests: one base URL per source, from _config.yml.

``livingreview.sources`` in ``_config.yml`` names each source's base URL; the environment
variable ``LIVINGREVIEW_<NAME>_URL`` (``LIVINGREVIEW_CTGOV_URL``, ``LIVINGREVIEW_EUTILS_URL``,
``LIVINGREVIEW_EUROPEPMC_URL``) overrides it, so a mirror, a proxy or a local test server can
stand in for the real service. ``search`` and ``refresh-trials`` both read it here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import yaml

from livingreview.data.project import Project
from livingreview.errors import LivingReviewError

SOURCES = ("ctgov", "eutils", "europepmc")


@dataclass(frozen=True)
class Contact:
    """What NCBI asks every E-utilities client to send: a tool name and an e-mail address."""

    tool: str
    email: str


def _config(project: Project) -> dict:
    raw = yaml.safe_load((project.root / "_config.yml").read_text(encoding="utf-8")) or {}
    return raw.get("livingreview", {}) or {}


def env_name(source: str) -> str:
    return f"LIVINGREVIEW_{source.upper()}_URL"


def base_url(project: Project, source: str) -> str:
    """The base URL of ``source`` (no trailing slash): the environment's, else _config.yml's."""
    if source not in SOURCES:
        raise LivingReviewError(f"unknown source {source!r}; known: {', '.join(SOURCES)}")
    url = os.environ.get(env_name(source)) or _config(project).get("sources", {}).get(source)
    if not url:
        raise LivingReviewError(
            f"_config.yml: livingreview.sources.{source} is not set (or set {env_name(source)})"
        )
    return str(url).rstrip("/")


def contact(project: Project) -> Contact:
    found = _config(project).get("contact", {}) or {}
    return Contact(tool=str(found.get("tool", "livingreview")), email=str(found.get("email", "")))
