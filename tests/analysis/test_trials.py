"""Trial surveillance flags on a hand-made trials table."""

import json
import shutil

import pytest
from conftest import REPO

from livingreview.analysis import trials
from livingreview.data.project import Project

HEADER = (
    "registry_id,registry,id_as_printed,title,condition,intervention,cell_source,sponsor,phase,"
    "enrollment,status_source,status_registry,start_source,end_source,start_registry,"
    "end_registry,last_update_registry,registry_verified,value_used,ref_key,notes"
)


@pytest.fixture
def project(tmp_path) -> Project:
    """The real schema, two trials of our own."""
    (tmp_path / "data").mkdir()
    descriptor = json.loads((REPO / "data" / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"] = [
        r for r in descriptor["resources"] if r["name"] == "registered_trials"
    ]
    (tmp_path / "data" / "datapackage.json").write_text(json.dumps(descriptor))
    shutil.copy(REPO / "_config.yml", tmp_path / "_config.yml")
    rows = [
        "NCT00000001,ClinicalTrials.gov,NCT00000001,A,S-AKI,x,y,,,,recruiting,,2020-01,2021-06,,,"
        "2021-01-15,false,source,k,",
        "NCT00000002,ClinicalTrials.gov,NCT00000002,B,S-AKI,x,y,,,,recruiting,completed,2020-01,"
        "2021-06,2020-02,2022-03,2025-12-01,true,registry,k,",
    ]
    (tmp_path / "data" / "registered_trials.csv").write_text(HEADER + "\n" + "\n".join(rows) + "\n")
    return Project(tmp_path)


def test_overdue_and_stale_flags_at_a_date(project):
    table = trials.surveillance(as_of="2026-01-10", stale_months=12, project=project).set_index(
        "registry_id"
    )
    first, second = table.loc["NCT00000001"], table.loc["NCT00000002"]
    assert first["end"] == "2021-06-30" and first["overdue"]  # past its end, still recruiting
    assert first["stale"] == "no update for 60 months"
    assert second["dates_from"] == "registry" and second["status"] == "completed"
    assert not second["overdue"] and second["stale"] == ""


def test_surveillance_refuses_a_date_that_is_not_one(project):
    with pytest.raises(ValueError):
        trials.surveillance(as_of="2026-13-01", project=project)
    with pytest.raises(ValueError):
        trials.surveillance(as_of="2026-01-01", stale_months=0, project=project)
