"""The data package passes the standard tool, `frictionless validate` (Data Package v2)."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO

FRICTIONLESS = Path(sys.executable).parent / "frictionless"


def frictionless_validate(descriptor: Path) -> dict:
    proc = subprocess.run(
        [str(FRICTIONLESS), "validate", "--json", descriptor.name],
        cwd=descriptor.parent,
        capture_output=True,
        text=True,
    )
    report = json.loads(proc.stdout)
    assert (proc.returncode == 0) == report["valid"], proc.stderr
    return report


def test_the_data_package_is_valid_for_frictionless():
    report = frictionless_validate(REPO / "data" / "datapackage.json")
    assert report["valid"], json.dumps(report["tasks"], indent=1)[:3000]
    assert len(report["tasks"]) == len(
        json.loads((REPO / "data" / "datapackage.json").read_text(encoding="utf-8"))["resources"]
    )


def test_frictionless_catches_a_value_that_breaks_a_constraint(tmp_path):
    data = shutil.copytree(REPO / "data", tmp_path / "data")
    descriptor = json.loads((data / "datapackage.json").read_text(encoding="utf-8"))
    # The first field with an exclusive minimum (a v2 constraint), set to that minimum.
    resource, field = next(
        (r, f)
        for r in descriptor["resources"]
        for f in r["schema"]["fields"]
        if "exclusiveMinimum" in f.get("constraints", {})
    )
    path = data / resource["path"]
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    column = rows[0].index(field["name"])
    row = next(i for i, r in enumerate(rows[1:], start=1) if r[column])
    rows[row][column] = str(field["constraints"]["exclusiveMinimum"])
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    report = frictionless_validate(data / "datapackage.json")
    assert not report["valid"]
    errors = [e for task in report["tasks"] for e in task["errors"]]
    assert [(e["type"], e["fieldName"], e["rowNumber"]) for e in errors] == [
        ("constraint-error", field["name"], row + 1)
    ]
