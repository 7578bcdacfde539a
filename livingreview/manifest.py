"""The analyses manifest: every run the book needs, with its parameters and declared inputs."""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from livingreview.project import Project


@dataclass(frozen=True)
class ManifestError:
    """One problem in analyses/manifest.yml; ``run`` and ``key`` say where."""

    file: str
    run: str
    key: str
    message: str

    def __str__(self) -> str:
        where = f"run '{self.run}'" if self.run else "top level"
        key = f", '{self.key}'" if self.key else ""
        return f"{self.file}: {where}{key}: {self.message}"


class ManifestInvalid(ValueError):
    def __init__(self, errors: list[ManifestError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


@dataclass(frozen=True)
class Run:
    name: str
    notebook: Path
    parameters: dict[str, Any] = field(default_factory=dict)
    inputs: tuple[Path, ...] = ()
    title: str = ""


def read_parameter_defaults(notebook: Path) -> dict[str, Any]:
    """The defaults in the notebook's ``parameters``-tagged cell (literal assignments only)."""
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get(
            "tags", []
        ):
            source = "".join(cell.get("source", []))
            defaults: dict[str, Any] = {}
            for node in ast.parse(source).body:
                if isinstance(node, ast.Assign) and len(node.targets) == 1:
                    target, value = node.targets[0], node.value
                elif isinstance(node, ast.AnnAssign) and node.value is not None:
                    target, value = node.target, node.value
                else:
                    continue
                if isinstance(target, ast.Name):
                    defaults[target.id] = ast.literal_eval(value)
            return defaults
    raise ValueError(f"{notebook} has no cell tagged 'parameters'")


def _type_matches(default: Any, value: Any) -> bool:
    if default is None or value is None:
        return True
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, float) and isinstance(value, int):
        return True
    return isinstance(value, type(default))


def check_parameters(notebook: Path, parameters: dict[str, Any]) -> list[str]:
    """Problems with ``parameters`` for ``notebook``: unknown names and wrong types."""
    defaults = read_parameter_defaults(notebook)
    problems = []
    for name, value in parameters.items():
        if name not in defaults:
            known = ", ".join(sorted(defaults)) or "none"
            problems.append(f"unknown parameter '{name}' (the notebook's parameters: {known})")
        elif not _type_matches(defaults[name], value):
            problems.append(
                f"parameter '{name}' expects {type(defaults[name]).__name__} "
                f"(default {defaults[name]!r}), got {type(value).__name__} {value!r}"
            )
    return problems


def load_manifest(project: Project) -> list[Run]:
    """All runs, checked: notebooks and inputs exist, parameters are known and well typed."""
    file = project.rel(project.manifest)
    try:
        doc = yaml.safe_load(project.manifest.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ManifestInvalid([ManifestError(file, "", "", f"cannot read: {exc}")]) from exc
    entries = doc.get("runs")
    if not isinstance(entries, list):
        raise ManifestInvalid([ManifestError(file, "", "runs", "expected a list of runs")])

    errors: list[ManifestError] = []
    runs: list[Run] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries, start=1):
        name = str(entry.get("name", "")) if isinstance(entry, dict) else ""
        label = name or f"#{index}"
        if not isinstance(entry, dict) or not name:
            errors.append(ManifestError(file, label, "name", "each run needs a 'name'"))
            continue
        if name in seen:
            errors.append(ManifestError(file, label, "name", "duplicate run name"))
        seen.add(name)
        unknown_keys = set(entry) - {"name", "notebook", "parameters", "inputs", "title"}
        for key in sorted(unknown_keys):
            errors.append(ManifestError(file, label, key, "unknown key"))
        notebook = project.root / str(entry.get("notebook", ""))
        if not entry.get("notebook") or not notebook.is_file():
            errors.append(
                ManifestError(
                    file, label, "notebook", f"notebook not found: {entry.get('notebook')}"
                )
            )
            continue
        parameters = entry.get("parameters") or {}
        if not isinstance(parameters, dict):
            errors.append(ManifestError(file, label, "parameters", "expected a mapping"))
            parameters = {}
        try:
            for problem in check_parameters(notebook, parameters):
                errors.append(ManifestError(file, label, "parameters", problem))
        except (ValueError, SyntaxError) as exc:
            errors.append(ManifestError(file, label, "notebook", str(exc)))
        inputs = []
        for item in entry.get("inputs") or []:
            path = project.root / str(item)
            if not path.is_file():
                errors.append(
                    ManifestError(file, label, "inputs", f"declared input not found: {item}")
                )
            inputs.append(path)
        runs.append(
            Run(
                name=name,
                notebook=notebook,
                parameters=parameters,
                inputs=tuple(inputs),
                title=str(entry.get("title", "")),
            )
        )
    if errors:
        raise ManifestInvalid(errors)
    return runs
