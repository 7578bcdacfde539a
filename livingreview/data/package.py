"""Read the evidence data: the Data Package descriptor, its tables and the bibliography.

An analysis reads parts of the descriptor, and its run is fingerprinted by those parts only
(``descriptor_parts``), so a release that stamps a new version re-runs only the analyses that
read the version: the schema of each table it declares as an input, and the package-level keys
its manifest entry lists under ``package`` (``resources``: every table's schema). Inside an
analysis run the descriptor is checked: reading any other part fails (``guard``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from livingreview.data import guard
from livingreview.data.project import Project, find_project

if TYPE_CHECKING:  # pandas loads only when a table is read: validation and the CLI stay fast
    import pandas as pd

LIST_SEPARATOR = ";"


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    description: str
    constraints: dict
    bibkeys: bool = False
    expected: str = ""  # the pattern in words (x-expected): "NCT followed by 8 digits"
    # "text" (free text, translated cell by cell) or "vocabulary" (a category, translated once
    # for every table): a reader-facing column the translated editions show in their words
    translate: str = ""

    @property
    def required(self) -> bool:
        return bool(self.constraints.get("required"))


@dataclass(frozen=True)
class Resource:
    name: str
    path: str
    descriptor: dict

    @cached_property
    def fields(self) -> list[Field]:
        return [
            Field(
                name=f["name"],
                type=f.get("type", "string"),
                description=f.get("description", ""),
                constraints=f.get("constraints", {}),
                bibkeys=bool(f.get("x-bibkeys")),
                expected=str(f.get("x-expected", "")),
                translate=str(f.get("x-translate", "")),
            )
            for f in self.descriptor.get("schema", {}).get("fields", [])
        ]

    @property
    def primary_key(self) -> list[str]:
        key = self.descriptor.get("schema", {}).get("primaryKey", [])
        return [key] if isinstance(key, str) else list(key)

    @property
    def rules(self) -> list[dict]:
        return self.descriptor.get("schema", {}).get("x-rules", [])


ALL_RESOURCES = "resources"  # a part: the schema of every table


def _read_package_file(path: Path) -> dict:
    """The descriptor's bytes, parsed: the one place that opens it (the guard checks that)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def read_descriptor(project: Project | None = None) -> dict:
    project = project or find_project()
    descriptor = _read_package_file(project.datapackage)
    readable = guard.readable_package_parts(project.datapackage)
    return descriptor if readable is None else _CheckedDescriptor(descriptor, readable)


def resources(project: Project | None = None) -> dict[str, Resource]:
    project = project or find_project()
    found = {
        r["name"]: Resource(name=r["name"], path=r["path"], descriptor=r)
        for r in _read_package_file(project.datapackage).get("resources", [])
    }
    readable = guard.readable_package_parts(project.datapackage)
    return found if readable is None else _CheckedTables(found, readable)


def table_part(name: str) -> str:
    return f"{ALL_RESOURCES}/{name}"


def package_parts(descriptor: dict, keys: tuple[str, ...], inputs: list[Path], data_dir: Path):
    """The parts of ``descriptor`` a run may read: the declared package-level ``keys`` and the
    schema of each table whose data file is among its ``inputs``."""
    declared = {Path(p).resolve() for p in inputs}
    tables = [
        table_part(r["name"])
        for r in descriptor.get("resources", [])
        if (Path(data_dir) / r.get("path", "")).resolve() in declared
    ]
    return tuple(dict.fromkeys([*keys, *tables]))


def descriptor_parts(descriptor: dict, parts: tuple[str, ...]) -> dict[str, object]:
    """{part: its value} (None when absent) for fingerprints: a run re-executes when one changes."""
    by_name = {r.get("name"): r for r in descriptor.get("resources", [])}
    return {
        part: by_name.get(part.split("/", 1)[1])
        if part.startswith(ALL_RESOURCES + "/")
        else descriptor.get(part)
        for part in parts
    }


def _check(readable: frozenset[str], part: str) -> None:
    if part in readable or (part.startswith(ALL_RESOURCES + "/") and ALL_RESOURCES in readable):
        return
    if part.startswith(ALL_RESOURCES + "/"):
        table = part.split("/", 1)[1]
        raise guard.UndeclaredInputError(
            f"this analysis read the schema of table '{table}' in data/datapackage.json, but its "
            "entry in analyses/manifest.yml declares neither the table's data file under "
            f"'inputs' nor '{ALL_RESOURCES}' under 'package'"
        )
    raise guard.UndeclaredInputError(
        f"this analysis read '{part}' of data/datapackage.json, which its entry in "
        f"analyses/manifest.yml does not declare; add it to 'package'"
    )


class _Checked(dict):
    """A mapping inside an analysis run whose reads are checked against what the run's
    manifest entry declares: reading an undeclared part raises, so a run cannot go stale when
    a part its fingerprint leaves out changes."""

    def __init__(self, found: dict, readable: frozenset[str]):
        super().__init__(found)
        self._readable = readable

    def _part(self, key) -> str:
        """The declared part that reading ``key`` needs."""
        return key

    def _whole(self) -> None:
        """Check what reading every entry needs."""
        for key in super().keys():
            _check(self._readable, self._part(key))

    def __getitem__(self, key):
        _check(self._readable, self._part(key))
        return super().__getitem__(key)

    def get(self, key, default=None):
        _check(self._readable, self._part(key))
        return super().get(key, default)

    def __contains__(self, key) -> bool:
        _check(self._readable, self._part(key))
        return super().__contains__(key)

    def __iter__(self):
        self._whole()
        return super().__iter__()

    def keys(self):
        self._whole()
        return super().keys()

    def values(self):
        self._whole()
        return super().values()

    def items(self):
        self._whole()
        return super().items()


class _CheckedDescriptor(_Checked):
    """The descriptor: each package-level key is a part of its own."""


class _CheckedTables(_Checked):
    """The tables: one table's schema needs that table declared; all of them (iterating,
    counting) need ``resources``."""

    def _part(self, name) -> str:
        return table_part(name)

    def _whole(self) -> None:
        _check(self._readable, ALL_RESOURCES)

    def __len__(self) -> int:
        self._whole()
        return super().__len__()


def evidence_current_to(project: Project | None = None) -> str:
    """The date the evidence is current to, as recorded in the Data Package."""
    return read_descriptor(project)["x-evidence-current-to"]


def split_list(value: str) -> list[str]:
    return [part.strip() for part in str(value).split(LIST_SEPARATOR) if part.strip()]


def _convert(series: pd.Series, field: Field) -> pd.Series:
    import pandas as pd

    blank = series.str.strip() == ""
    if field.type == "integer":
        return pd.to_numeric(series.where(~blank), errors="raise").astype("Int64")
    if field.type == "number":
        return pd.to_numeric(series.where(~blank), errors="raise").astype("Float64")
    if field.type == "boolean":
        return series.str.strip().str.lower().map({"true": True, "false": False}).astype("boolean")
    return series.where(~blank, pd.NA).astype("string")


def load_table(name: str, project: Project | None = None, path: Path | None = None) -> pd.DataFrame:
    """One evidence table, typed by its Table Schema (blank cells become missing values).

    Validate first (``livingreview validate``): this function trusts the data.
    """
    import pandas as pd

    project = project or find_project()
    resource = resources(project)[name]
    csv_path = path or project.data_dir / resource.path
    raw = pd.read_csv(csv_path, dtype=str, keep_default_na=False, encoding="utf-8")
    return pd.DataFrame({f.name: _convert(raw[f.name], f) for f in resource.fields})


def data_dictionary(resource: Resource) -> pd.DataFrame:
    """One line per column of a table: name, type, whether required, allowed values, meaning."""
    import pandas as pd

    rows = []
    for f in resource.fields:
        c = f.constraints
        rules = []
        if "enum" in c:
            rules.append("one of: " + ", ".join(map(str, c["enum"])))
        if "pattern" in c:
            rules.append(f"format: {f.expected or c['pattern']}")
        if "minimum" in c:
            rules.append(f"at least {c['minimum']}")
        if "exclusiveMinimum" in c:
            rules.append(f"greater than {c['exclusiveMinimum']}")
        if c.get("unique"):
            rules.append("unique")
        if f.bibkeys:
            rules.append("reference keys in references.bib")
        rows.append(
            {
                "Column": f.name,
                "Type": f.type,
                "Required": "yes" if f.required else "no",
                "Rules": "; ".join(rules),
                "Meaning": f.description,
            }
        )
    return pd.DataFrame(rows)
