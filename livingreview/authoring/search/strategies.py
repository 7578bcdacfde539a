"""The saved strategies of ``data/search_strategies.yml``, checked before anything is sent."""

from __future__ import annotations

from livingreview.authoring.sources import SOURCES
from livingreview.data.project import Project
from livingreview.data.searches import read_strategies, strategies_path
from livingreview.errors import LivingReviewError

API_KEYS = ("name", "source", "service", "endpoint", "params", "rationale")
MANUAL_KEYS = ("name", "source", "address", "query", "procedure")


class StrategyError(LivingReviewError):
    exit_code = 2


def load(project: Project) -> dict[str, list[dict]]:
    """``{"api": [...], "manual": [...]}``; a missing key or unknown service is an error naming
    the file and strategy."""
    path = strategies_path(project)
    where = project.rel(path)
    if not path.is_file():
        raise StrategyError(f"{where}: no saved search strategies (the file is missing)")
    try:
        found = read_strategies(project)
    except Exception as exc:  # YAML syntax: its message names line and column
        raise StrategyError(f"{where}: cannot be read as YAML: {exc}") from None
    names = set()
    for group, keys in (("api", API_KEYS), ("manual", MANUAL_KEYS)):
        for i, strategy in enumerate(found[group], 1):
            label = f"{where}: {group} strategy {i} ({strategy.get('name', 'unnamed')})"
            if not isinstance(strategy, dict):
                raise StrategyError(f"{label}: expected a mapping")
            if missing := [k for k in keys if not strategy.get(k)]:
                raise StrategyError(f"{label}: missing {', '.join(missing)}")
            if strategy["name"] in names:
                raise StrategyError(f"{label}: the name is used twice")
            names.add(strategy["name"])
            if group == "api" and strategy["service"] not in SOURCES:
                raise StrategyError(
                    f"{label}: service {strategy['service']!r} is not one of {', '.join(SOURCES)}"
                )
    return found


def select(strategies: list[dict], wanted: list[str] | None) -> list[dict]:
    """The strategies named (by name or source, any case), all when none is named."""
    if not wanted:
        return strategies
    chosen = []
    for name in wanted:
        match = [s for s in strategies if name.lower() in (s["name"].lower(), s["source"].lower())]
        if not match:
            known = ", ".join(s["name"] for s in strategies)
            raise StrategyError(f"no saved API strategy {name!r}; saved: {known}")
        chosen += [s for s in match if s not in chosen]
    return chosen
