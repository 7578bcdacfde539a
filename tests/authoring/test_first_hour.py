"""An author's first hour, on a copy (README, "Adding a study"): a trial screened out cannot
enter the evidence; once its screening is fixed it is added through `add --prompt`, where a
wrong answer to a cross-column rule is asked again at once; the data validate; a release and
a rebuild of the PRISMA analysis keep the first box on the version the update started from."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date

from conftest import cli, commit_all, copy_repo, edit_cell, git, table_rows

from livingreview.analysis import prisma
from livingreview.authoring import release as release_module
from livingreview.authoring.release import default_current_to, release
from livingreview.data.package import load_table, resources
from livingreview.data.project import Project
from livingreview.data.releases import past_releases, read_glue
from livingreview.data.searches import BASELINE


def fresh_registry_id(root, like: str) -> str:
    """An id of the same registry as ``like`` that no trial and no screened record uses."""
    taken = {r["registry_id"] for r in table_rows(root, "registered_trials")}
    taken |= {r[c] for r in table_rows(root, "screening") for c in ("record_id", "study_id")}
    prefix, digits = re.fullmatch(r"([A-Za-z]+)(\d+)", like).groups()
    numbers = range(int(digits) + 1, 10 ** len(digits))
    return next(i for n in numbers if (i := f"{prefix}{n:0{len(digits)}d}") not in taken)


def set_args(values: dict[str, str]) -> list[str]:
    return [f"--set={column}={value}" for column, value in values.items()]


def counts(project: Project) -> dict[str, int]:
    tables = {name: load_table(name, project) for name in (*prisma.STUDY_TABLES, prisma.META_TABLE)}
    log, screening = load_table("surveillance_log", project), load_table("screening", project)
    return prisma.flow_counts(log, screening, tables)


def test_an_author_s_first_hour_from_screening_to_the_rebuilt_prisma_flow(tmp_path, monkeypatch):
    root = copy_repo(tmp_path / "repo")
    git(root, "init", "-q", "-b", "main")
    commit_all(root, "The book as it stands")
    project = Project(root)
    last = past_releases(project)[-1]
    day = max(date.today().isoformat(), last["date"])
    before = counts(project)
    trials = resources(project)["registered_trials"]
    base = next(
        r for r in table_rows(root, "registered_trials") if r["listed_in"] == "review search"
    )
    registry_id = fresh_registry_id(root, base["registry_id"])
    # a trial known only from a secondary copy: its values stay out of the registry columns
    trial = base | {
        "registry_id": registry_id,
        "title": "A test trial of stromal cells in septic shock",
        "registry_verified": "false",
        "value_used": "source",
        "record_url": "",
        "last_update_registry": "",
        "status_registry": "",
        "start_registry": "",
        "end_registry": "",
        "enrollment_type": "",
        "checked": day,
        "check_note": "Registry record not readable; secondary copy https://example.org/copy "
        "lists the trial as recruiting.",
        "sepsis_population": "not confirmed",
        "results_posted": "not confirmed",
        "eligibility": "meets the rule",
    }

    # 1. log the look-up that met it and screen it: excluded
    logged = cli(
        root, "search", "log-lookup", "--source", base["registry"], "--query", registry_id,
        "--date", day,
        "--notes", "The test trial's registration, read in a secondary copy.", check=True,
    ).stdout  # fmt: skip
    search_id = logged.split()[1].rstrip(":")
    edit_cell(root, "surveillance_log", search_id, "new_records", "1")
    screened = {
        "record_id": registry_id, "title": trial["title"], "year": day[:4],
        "design": "randomised placebo-controlled registration", "population": "septic shock",
        "decision": "excluded", "exclusion_reason": "population",
        "decision_note": "read as a trial outside sepsis", "search_id": search_id,
        "checked": day, "study_id": registry_id, "record_type": "registration",
    }  # fmt: skip
    cli(root, "add", "screening", *set_args(screened), check=True)
    screening_line = 2 + [r["record_id"] for r in table_rows(root, "screening")].index(registry_id)

    # 2. its evidence row is refused, the message naming both files and both rows
    trials_file = root / "data" / trials.path
    kept = trials_file.read_bytes()
    refused = cli(root, "add", "registered_trials", *set_args(trial))
    assert refused.returncode != 0, refused.stdout
    assert trials_file.read_bytes() == kept
    trial_line = len(table_rows(root, "registered_trials")) + 2
    both = [
        line
        for line in refused.stderr.splitlines()
        if f"data/{trials.path}, row {trial_line}" in line
        and f"data/screening.csv row {screening_line} ({registry_id}) excludes it" in line
    ]
    assert both, refused.stderr

    # 3. the screening fixed: a trial meeting the rule, no results yet
    edit_cell(root, "screening", registry_id, "decision", "ongoing")
    edit_cell(root, "screening", registry_id, "exclusion_reason", "")
    edit_cell(root, "screening", registry_id, "decision_note", "meets the rule; no results")

    # 4. added through --prompt: value_used 'registry' for a trial not verified breaks
    # "registry_verified must be true when value_used is registry", so both are asked again
    # at once, before the next column
    names = [f.name for f in trials.fields]
    rules = [r for r in trials.rules if r["rule"] == "implies" and "value_used" in r["when"]]
    assert rules, "the schema no longer ties value_used to registry_verified"
    wrong = next(v for v in rules[0]["when"].values() if v != trial["value_used"])
    answers = []
    for name in names:
        if name == "value_used":
            answers += [wrong, trial["registry_verified"]]
        answers.append(trial[name])
    prompted = subprocess.run(
        [sys.executable, "-m", "livingreview", "add", "registered_trials", "--prompt"],
        cwd=root,
        input="".join(a + "\n" for a in answers),
        capture_output=True,
        text=True,
    )
    assert prompted.returncode == 0, prompted.stderr
    asked = [n for n in re.findall(r"^(\w+): ", prompted.stderr, flags=re.M) if n in names]
    at = asked.index("value_used")
    following = names[names.index("value_used") + 1]
    assert asked[at + 1 : at + 4] == ["registry_verified", "value_used", following], asked
    assert asked.count("value_used") == 2 and len(asked) == len(names) + 2
    assert any(
        "[implies]" in m and "column 'registry_verified'" in m for m in prompted.stderr.splitlines()
    ), prompted.stderr
    assert f"added data/{trials.path} line {trial_line}" in prompted.stdout
    assert table_rows(root, "registered_trials")[-1] == trial

    # 5. the data validate
    cli(root, "validate", check=True)

    # 6. released, the evidence date given (the rows read today may postdate it), then the
    # PRISMA analysis rebuilt as `book` would run it (both editions); the release's own
    # re-run of every changed analysis is skipped, the one this journey reads is run below
    commit_all(root, "A registered trial")
    major, minor, _ = last["version"].split(".")
    version = f"{major}.{int(minor) + 1}.0"
    monkeypatch.setattr(release_module, "run_analyses", lambda *args, **kwargs: None)
    release(project, version, day, report=lambda _: None, current_to=default_current_to(project))
    assert past_releases(project)[-1]["version"] == version
    commit_all(root, f"Release {version}")
    cli(root, "run", "prisma", check=True)

    # the first box: the last release dated before this update's first search or look-up
    log = table_rows(root, "surveillance_log")
    first_search = min(r["date"] for r in log if r["kind"] != BASELINE)
    started_from = [r["version"] for r in past_releases(project) if r["date"] < first_search]
    assert started_from and started_from[-1] != version
    label = f"version {started_from[-1]}"
    executed = project.executed_dir / "prisma.ipynb"
    glued = read_glue(executed)
    assert glued["prisma_previous_label"] == label
    flow = read_glue(executed, "text/html")["prisma_flow"]
    assert f"Studies in {label}: {before['previous_studies']}\\n" in flow
    assert f"version {version}" not in flow
    # the Chinese edition's first box names the same version
    zh = read_glue(project.executed_dir / "zh_CN" / "prisma.ipynb")["prisma_previous_label"]
    assert started_from[-1] in zh and version not in zh
    # and the trial counts among the ongoing studies, the first box unchanged
    assert int(glued["prisma_ongoing"]) == before["ongoing"] + 1
    assert int(glued["prisma_previous_studies"]) == before["previous_studies"]
