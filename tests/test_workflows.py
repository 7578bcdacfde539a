"""The GitHub Actions workflows: actionlint's checks, and the weekly surveillance job doing what
the README tells a person to run."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
SURVEILLANCE = REPO / ".github" / "workflows" / "surveillance.yml"
BIN = Path(sys.executable).parent  # the virtual environment's scripts (actionlint, shellcheck)


def _linter() -> str | None:
    # jactionlint is actionlint (a maintained fork) shipped as a wheel; the requirements lock
    # has it, so CI always runs this test
    for name in ("actionlint", "jactionlint"):
        found = shutil.which(name, path=os.pathsep.join([str(BIN), os.environ.get("PATH", "")]))
        if found:
            return found
    return None


def test_workflows_pass_actionlint():
    linter = _linter()
    if linter is None:
        pytest.skip("actionlint is not installed here (requirements.lock installs jactionlint)")
    assert WORKFLOWS
    command = [linter, *([] if linter.endswith("/actionlint") else ["--profile", "correctness"])]
    env = {**os.environ, "PATH": os.pathsep.join([str(BIN), os.environ.get("PATH", "")])}
    proc = subprocess.run(
        [*command, *map(str, WORKFLOWS)], cwd=REPO, capture_output=True, text=True, env=env
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Weekly surveillance", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, flags=re.S).group(1)
    return [line.split("#", 1)[0].strip() for line in block.splitlines() if line.strip()]


def _run_steps() -> str:
    workflow = yaml.safe_load(SURVEILLANCE.read_text(encoding="utf-8"))
    (job,) = workflow["jobs"].values()
    return "\n".join(step.get("run", "") for step in job["steps"])


def test_weekly_job_runs_the_readme_commands_on_a_schedule_and_never_pushes_main():
    workflow = yaml.safe_load(SURVEILLANCE.read_text(encoding="utf-8"))
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert set(triggers) == {"schedule", "workflow_dispatch"}
    assert workflow["permissions"] == {"contents": "read"}
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "write", "pull-requests": "write"}

    commands = _readme_commands()
    for needed in ("livingreview search", "refresh-trials --apply", "validate", "make book"):
        assert any(needed in c for c in commands), needed
    steps = _run_steps()
    for command in commands:
        assert command.removeprefix(".venv/bin/") in steps, command

    # the only push goes to the fixed surveillance branch, which is not the default branch
    branch = job["env"]["BRANCH"]
    assert branch not in ("main", "master") and branch.startswith("surveillance/")
    pushes = [line.strip() for line in steps.splitlines() if "git push" in line]
    assert [p.split(" #")[0] for p in pushes] == ['git push origin "HEAD:refs/heads/$BRANCH"']
    assert "--force" not in steps  # an open pull request's screening work is never overwritten
    assert 'test "$BRANCH" != "$BASE"' in steps
