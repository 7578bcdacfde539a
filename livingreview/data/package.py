"""Read the evidence data: the Data Package descriptor, its tables and the bibliography."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

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


def read_descriptor(project: Project | None = None) -> dict:
    project = project or find_project()
    return json.loads(project.datapackage.read_text(encoding="utf-8"))


def resources(project: Project | None = None) -> dict[str, Resource]:
    descriptor = read_descriptor(project)
    return {
        r["name"]: Resource(name=r["name"], path=r["path"], descriptor=r)
        for r in descriptor.get("resources", [])
    }


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
            rules.append(f"format {c['pattern']}")
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
