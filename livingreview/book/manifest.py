"""The analyses manifest: every run the book needs, with its parameters and declared inputs."""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from livingreview.data import dates
from livingreview.data.editions import SOURCE_LANGUAGE, TRANSLATIONS, edition
from livingreview.data.project import Project
from livingreview.errors import LivingReviewError


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


class ManifestInvalid(LivingReviewError):
    def __init__(self, errors: list[ManifestError]):
        self.errors = errors
        super().__init__("manifest invalid:\n" + "\n".join(str(e) for e in errors))


@dataclass(frozen=True)
class Run:
    name: str
    notebook: Path
    parameters: dict[str, Any] = field(default_factory=dict)
    inputs: tuple[Path, ...] = ()
    title: str = ""
    # The edition whose words the run's charts, tables and sentences use (its language code).
    language: str = SOURCE_LANGUAGE
    # Package-level keys of data/datapackage.json the notebook reads ("version",
    # "x-evidence-current-to"; "resources": every table's schema). The schema of each table
    # in ``inputs`` is read anyway; nothing else of the descriptor enters the fingerprint.
    package: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.name if self.language == SOURCE_LANGUAGE else f"{self.name} [{self.language}]"


@dataclass(frozen=True)
class Parameter:
    """A notebook parameter: its default and the rule written in the comment after it.

    Rules readers can see in the notebook itself:
    ``# choices: OR, RR, RD``, ``# range: (0, 1)`` (round brackets exclude the bound,
    square include it), ``# minimum: 1``, ``# date`` (YYYY-MM-DD or empty).
    """

    name: str
    default: Any
    comment: str = ""

    @property
    def choices(self) -> list[str] | None:
        match = re.search(r"choices:\s*([^;]+)", self.comment)
        return [c.strip() for c in match.group(1).split(",")] if match else None

    def problems(self, value: Any) -> list[str]:
        name = self.name
        if not _type_matches(self.default, value):
            return [
                f"parameter '{name}' expects {type(self.default).__name__} "
                f"(default {self.default!r}), got {type(value).__name__} {value!r}"
            ]
        choices = self.choices
        if choices is not None and str(value) not in choices:
            return [f"parameter '{name}' must be one of {', '.join(choices)}; got {value!r}"]
        match = re.search(r"range:\s*([\[(])\s*([-\d.e]+)\s*,\s*([-\d.e]+)\s*([\])])", self.comment)
        if match and isinstance(value, (int, float)):
            low, high = float(match.group(2)), float(match.group(3))
            low_ok = value >= low if match.group(1) == "[" else value > low
            high_ok = value <= high if match.group(4) == "]" else value < high
            if not (low_ok and high_ok):
                interval = f"{match.group(1)}{match.group(2)}, {match.group(3)}{match.group(4)}"
                return [f"parameter '{name}' must lie in {interval}; got {value!r}"]
        match = re.search(r"minimum:\s*([-\d.e]+)", self.comment)
        if match and isinstance(value, (int, float)) and value < float(match.group(1)):
            return [f"parameter '{name}' must be at least {match.group(1)}; got {value!r}"]
        if re.search(r"\bdate\b", self.comment) and value:
            if not dates.is_iso(str(value)):
                return [f"parameter '{name}' must be a date YYYY-MM-DD (or empty); got {value!r}"]
        return []


def read_parameters(notebook: Path) -> dict[str, Parameter]:
    """The parameters declared in the notebook's ``parameters``-tagged cell (literals only)."""
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.get("cell_type") == "code" and "parameters" in tags:
            source = "".join(cell.get("source", []))
            lines = source.splitlines()
            found: dict[str, Parameter] = {}
            for node in ast.parse(source).body:
                if isinstance(node, ast.Assign) and len(node.targets) == 1:
                    target, value = node.targets[0], node.value
                elif isinstance(node, ast.AnnAssign) and node.value is not None:
                    target, value = node.target, node.value
                else:
                    continue
                if isinstance(target, ast.Name):
                    line = lines[node.end_lineno - 1]
                    comment = line.split("#", 1)[1].strip() if "#" in line else ""
                    found[target.id] = Parameter(target.id, ast.literal_eval(value), comment)
            return found
    raise ValueError(f"{notebook} has no cell tagged 'parameters'")


def read_parameter_defaults(notebook: Path) -> dict[str, Any]:
    return {name: p.default for name, p in read_parameters(notebook).items()}


def _type_matches(default: Any, value: Any) -> bool:
    if default is None or value is None:
        return True
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, float) and isinstance(value, int):
        return True
    return isinstance(value, type(default))


def check_parameters(notebook: Path, parameters: dict[str, Any]) -> list[str]:
    """Problems with ``parameters`` for ``notebook``: unknown names, types, choices, ranges."""
    declared = read_parameters(notebook)
    problems = []
    for name, value in parameters.items():
        if name not in declared:
            known = ", ".join(sorted(declared)) or "none"
            problems.append(f"unknown parameter '{name}' (the notebook's parameters: {known})")
        else:
            problems.extend(declared[name].problems(value))
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
        unknown_keys = set(entry) - {"name", "notebook", "parameters", "inputs", "title", "package"}
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
        package = entry.get("package") or []
        if not isinstance(package, list) or not all(isinstance(k, str) for k in package):
            errors.append(
                ManifestError(file, label, "package", "expected a list of descriptor keys")
            )
            package = []
        elif package and project.datapackage not in inputs:
            errors.append(
                ManifestError(
                    file, label, "package", f"reads {project.rel(project.datapackage)}: declare "
                    "it under 'inputs'"
                )
            )  # fmt: skip
        runs.append(
            Run(
                name=name,
                notebook=notebook,
                parameters=parameters,
                inputs=tuple(inputs),
                title=str(entry.get("title", "")),
                package=tuple(package),
            )
        )
    if errors:
        raise ManifestInvalid(errors)
    return runs


def edition_runs(project: Project, runs: list[Run], language: str) -> list[Run]:
    """The runs of a translated edition: same notebook, data and parameters, plus
    ``language`` and the analysis and data catalogs as declared inputs (a new translation
    re-runs)."""
    from livingreview.analysis.data_catalog import CATALOG as DATA
    from livingreview.analysis.i18n import CATALOG

    catalogs = (edition(language).catalog(project.root, name) for name in (CATALOG, DATA))
    extra = tuple(catalog for catalog in catalogs if catalog.is_file())
    return [
        Run(
            name=run.name,
            notebook=run.notebook,
            parameters={**run.parameters, "language": language},
            inputs=(*run.inputs, *extra),
            title=run.title,
            language=language,
            package=run.package,
        )
        for run in runs
    ]


def all_editions(project: Project, runs: list[Run]) -> list[Run]:
    """The runs of every edition: the manifest's, then each translation's."""
    translated = (r for e in TRANSLATIONS for r in edition_runs(project, runs, e.language))
    return [*runs, *translated]


class UnknownAnalysis(LivingReviewError):
    pass


def select_runs(project: Project, names: list[str] | None) -> list[Run]:
    """The named runs of the manifest (all when ``names`` is empty)."""
    runs = load_manifest(project)
    if not names:
        return runs
    known = {r.name: r for r in runs}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UnknownAnalysis(f"unknown analysis: {', '.join(unknown)} (known: {', '.join(known)})")
    return [known[n] for n in names]
