"""Run the analyses with papermill, each only when something it depends on changed.

A run's fingerprint covers its notebook, its parameters, the bytes of every declared input
(of ``data/datapackage.json`` only the parts the run may read), the package's code and the
pinned dependencies. A run whose fingerprint matches the stamp of its last successful
execution is reused; the rest execute in parallel, one kernel each.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from livingreview.book.execute import KERNEL_START_FAILED, USER_ERROR
from livingreview.book.manifest import Run, check_parameters, read_parameters
from livingreview.data import guard, package
from livingreview.data.editions import SOURCE_LANGUAGE, edition
from livingreview.data.files import write_atomic
from livingreview.data.project import Project
from livingreview.errors import LivingReviewError

PACKAGE_DIR = Path(__file__).resolve().parent.parent
# What a notebook can import: the package's top level, data/ and analysis/ (a test asserts
# that those import nothing else). Editing the CLI, the book build, the Sphinx extension or
# the authoring commands cannot change an analysis' output, so it re-runs nothing.
NOTEBOOK_CODE = ("__init__.py", "errors.py", "data", "analysis")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def code_fingerprint(project: Project, parts: tuple[str, ...] = NOTEBOOK_CODE) -> str:
    """The package code in ``parts`` (files or folders) plus the lock file."""
    digest = hashlib.sha256()
    files = [
        path
        for part in parts
        for path in (
            [PACKAGE_DIR / part] if part.endswith(".py") else (PACKAGE_DIR / part).rglob("*.py")
        )
    ]
    for path in sorted(files):
        digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    lock = project.root / "requirements.lock"
    if lock.is_file():
        digest.update(lock.read_bytes())
    return digest.hexdigest()


def fingerprint(project: Project, run: Run, code: str) -> dict[str, Any]:
    inputs = {}
    for path in sorted(run.inputs):
        if Path(path).resolve() == project.datapackage.resolve():
            inputs.update(_package_digests(project, run))
        else:
            inputs[_label(project, path)] = _sha(path.read_bytes())
    return {
        "notebook": _sha(run.notebook.read_bytes()),
        "parameters": _sha(json.dumps(run.parameters, sort_keys=True).encode()),
        "inputs": inputs,
        "code": code,
    }


def _descriptor(project: Project) -> dict:
    if not project.datapackage.is_file():
        return {}
    return json.loads(project.datapackage.read_text(encoding="utf-8"))


def package_parts(project: Project, run: Run, descriptor: dict | None = None) -> tuple[str, ...]:
    """The parts of data/datapackage.json ``run`` may read (the kernel enforces it)."""
    descriptor = _descriptor(project) if descriptor is None else descriptor
    return package.package_parts(descriptor, run.package, list(run.inputs), project.data_dir)


def _package_digests(project: Project, run: Run) -> dict[str, str]:
    """One digest per part of the descriptor the run reads (``data/datapackage.json#version``),
    so a release that changes the version re-runs only the runs that read it, and says so."""
    descriptor = _descriptor(project)
    parts = package_parts(project, run, descriptor)
    label = _label(project, project.datapackage)
    return {
        f"{label}#{part}": _sha(json.dumps(value, sort_keys=True).encode())
        for part, value in package.descriptor_parts(descriptor, parts).items()
    }


def _label(project: Project, path: Path) -> str:
    """A path relative to the root, or absolute for a reader's own file outside the book."""
    resolved = Path(path).resolve()
    if resolved.is_relative_to(project.root.resolve()):
        return project.rel(resolved)
    return str(resolved)


@dataclass(frozen=True)
class Decision:
    run: Run
    execute: bool
    reasons: tuple[str, ...]

    def describe(self) -> str:
        verb = "run  " if self.execute else "reuse"
        return f"{verb} {self.run.label}: {'; '.join(self.reasons)}"


def edition_dir(project: Project, language: str) -> Path:
    """English runs live in _build/executed as before; a translation in a subfolder."""
    if not edition(language).translated:
        return project.executed_dir
    return project.executed_dir / language


def output_path(project: Project, run: Run) -> Path:
    return edition_dir(project, run.language) / f"{run.name}.ipynb"


def stamp_path(project: Project, run: Run) -> Path:
    return edition_dir(project, run.language) / f"{run.name}.stamp.json"


def msgids_path(project: Project, run: Run) -> Path:
    """The strings an English run passed through the analysis translator (for catalogs)."""
    return project.executed_dir / f"{run.name}.msgids"


def _why_changed(old: dict, new: dict) -> list[str]:
    reasons = []
    if old.get("notebook") != new["notebook"]:
        reasons.append("notebook changed")
    if old.get("parameters") != new["parameters"]:
        reasons.append("parameters changed")
    old_inputs = old.get("inputs", {})
    for path, digest in new["inputs"].items():
        if path not in old_inputs:
            reasons.append(f"new input {path}")
        elif old_inputs[path] != digest:
            reasons.append(f"{path} changed")
    for path in sorted(set(old_inputs) - set(new["inputs"])):
        reasons.append(f"input {path} no longer declared")
    if old.get("code") != new["code"]:
        reasons.append("analysis code or pinned dependencies changed")
    return reasons


def plan(project: Project, runs: list[Run], force: bool = False) -> list[Decision]:
    code = code_fingerprint(project)
    decisions = []
    for run in runs:
        new = fingerprint(project, run, code)
        stamp, out = stamp_path(project, run), output_path(project, run)
        if force:
            reasons = ["forced"]
        elif not stamp.is_file() or not out.is_file():
            reasons = ["no earlier successful run"]
        else:
            reasons = _why_changed(json.loads(stamp.read_text()), new)
        if reasons:
            decisions.append(Decision(run, True, tuple(reasons)))
        else:
            decisions.append(Decision(run, False, ("unchanged since its last successful run",)))
    return decisions


class AnalysisFailed(LivingReviewError):
    """Failed runs: a user error in one line each, any other failure with its traceback."""

    def __init__(self, failures: dict[str, str], after: str = ""):
        self.failures = failures
        parts = [
            f"analysis '{name}' failed: {text}"
            if "\n" not in text
            else f"analysis '{name}' failed:\n{text}"
            for name, text in failures.items()
        ]
        super().__init__("\n\n".join(parts) + (f"\n{after}" if after else ""))


# Keys papermill and nbclient fill with wall-clock times; dropping them makes reruns byte-identical.
_VOLATILE_NB = ("start_time", "end_time", "duration", "input_path", "output_path")
_VOLATILE_CELL = ("execution",)


def normalise_notebook(path: Path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    meta = nb.get("metadata", {}).get("papermill", {})
    for key in _VOLATILE_NB:
        meta.pop(key, None)
    for cell in nb.get("cells", []):
        cell_meta = cell.get("metadata", {})
        tags = cell_meta.get("tags", [])
        if "injected-parameters" in tags:
            cell["id"] = "injected-parameters"  # papermill gives it a random id
            # The edition's language is how the book is built, not a choice a reader made:
            # a cell that sets nothing else is left out of the page.
            source = "".join(cell.get("source", []))
            assigned = [ln for ln in source.splitlines() if ln.strip() and not ln.startswith("#")]
            if assigned and all(ln.startswith("language = ") for ln in assigned):
                cell_meta["tags"] = [*tags, "remove-cell"]
            elif "hide-input" not in tags:
                # a reader's own parameters: folded like the rest of the code, results first
                cell_meta["tags"] = [*tags, "hide-input"]
        for key in _VOLATILE_CELL:
            cell_meta.pop(key, None)
        pm = cell_meta.get("papermill", {})
        for key in ("start_time", "end_time", "duration"):
            pm.pop(key, None)
    write_atomic(
        path, json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n", durable=False
    )


def _environment(project: Project, run: Run) -> dict[str, str]:
    env = dict(os.environ)
    env[guard.DECLARED_ENV] = json.dumps([str(p.resolve()) for p in run.inputs])
    env[guard.DATA_DIR_ENV] = str(project.data_dir.resolve())
    env[guard.PACKAGE_ENV] = json.dumps(package_parts(project, run))
    env["LIVINGREVIEW_ROOT"] = str(project.root.resolve())
    env["PYTHONHASHSEED"] = "0"
    if run.language == SOURCE_LANGUAGE:
        env["LIVINGREVIEW_MSGIDS"] = str(msgids_path(project, run).resolve())
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    # Keep kernels from touching the network or a user's Jupyter settings.
    env.setdefault("JUPYTER_PLATFORM_DIRS", "1")
    return env


# Attempts at starting a run's kernel: a kernel that dies before its first reply executed nothing.
KERNEL_STARTS = 3


def execute_run(project: Project, run: Run, code: str) -> None:
    """Execute one run with papermill into a temporary file, then publish it with its stamp."""
    problems = check_parameters(run.notebook, run.parameters)
    if problems:
        raise AnalysisFailed({run.name: "\n".join(problems)})
    folder = edition_dir(project, run.language)
    folder.mkdir(parents=True, exist_ok=True)
    if run.language == SOURCE_LANGUAGE:
        msgids_path(project, run).unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        tmp_out = Path(tmp) / f"{run.name}.ipynb"
        cmd = [
            sys.executable, "-m", "livingreview.book.execute", str(run.notebook), str(tmp_out),
            "--parameters", yaml.safe_dump(run.parameters or {}), "--cwd", str(project.root),
        ]  # fmt: skip
        for _attempt in range(KERNEL_STARTS):
            env = _environment(project, run)
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=project.root)
            if proc.returncode != KERNEL_START_FAILED:
                break
        if proc.returncode == USER_ERROR:  # raised on purpose by the notebook: its message only
            raise AnalysisFailed({run.name: ANSI.sub("", proc.stderr).strip().splitlines()[-1]})
        if proc.returncode != 0:
            text = ANSI.sub("", proc.stderr).strip()
            # papermill's last lines hold the failing cell and its traceback
            tail = "\n".join(text.splitlines()[-40:])
            raise AnalysisFailed({run.label: f"{project.rel(run.notebook)}\n{tail}"})
        normalise_notebook(tmp_out)
        os.replace(tmp_out, output_path(project, run))  # same folder: one rename
    stamp = fingerprint(project, run, code)
    write_atomic(
        stamp_path(project, run), json.dumps(stamp, indent=1, sort_keys=True) + "\n", durable=False
    )


def run_analyses(
    project: Project,
    runs: list[Run],
    force: bool = False,
    jobs: int | None = None,
    report: Callable[[str], None] = print,
) -> list[Decision]:
    """Execute what changed, reuse the rest; raise AnalysisFailed naming every failed run."""
    decisions = plan(project, runs, force=force)
    for decision in decisions:
        report(decision.describe())
    todo = [d.run for d in decisions if d.execute]
    if not todo:
        report("all analyses up to date: no notebook executed")
        return decisions
    code = code_fingerprint(project)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
    failures: dict[str, str] = {}
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(execute_run, project, run, code): run for run in todo}
        for future, run in futures.items():
            try:
                future.result()
                report(f"done  {run.label}")
            except AnalysisFailed as exc:
                failures.update(exc.failures)
                report(f"FAIL  {run.label}")
    if failures:
        raise AnalysisFailed(failures)
    return decisions


def parse_parameter(text: str) -> tuple[str, Any]:
    """``key=value`` with a YAML value; a date stays the plain string the notebooks take."""
    if "=" not in text:
        raise ParameterInvalid(f"expected key=value, got {text!r}")
    key, raw = text.split("=", 1)
    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError:  # not YAML (say "a: [b"): the text as typed
        value = raw
    if isinstance(value, datetime.date):  # YAML reads 2026-11-25 as a date
        value = value.isoformat()
    return key.strip(), value


class ParameterInvalid(LivingReviewError):
    pass


def custom_run(
    project: Project, base: Run, overrides: dict[str, Any], cwd: Path | None = None
) -> Run:
    """A reader's own parameters for ``base``: its own output, so the book's run stays untouched.

    A path parameter (its help starts with ``path:``) names a file relative to ``cwd``, where
    the reader typed the command; it is passed on as an absolute path and becomes a declared
    input, read where it is (never copied into the book).
    """
    declared = read_parameters(base.notebook)
    cwd = Path.cwd() if cwd is None else Path(cwd)
    overrides = dict(overrides)
    named = []
    for key, value in overrides.items():
        parameter = declared.get(key)
        if parameter is None or not parameter.comment.startswith("path") or not value:
            continue
        path = (cwd / Path(str(value)).expanduser()).resolve()
        if not path.is_file():
            raise ParameterInvalid(f"{base.name}: parameter '{key}': file not found: {path}")
        overrides[key] = str(path)
        named.append(path)
    merged = {**base.parameters, **overrides}
    problems = check_parameters(base.notebook, merged)
    if problems:
        raise ParameterInvalid("\n".join(f"{base.name}: {p}" for p in problems))
    inputs = tuple(dict.fromkeys([*base.inputs, *named]))
    return Run(
        f"{base.name}-custom", base.notebook, merged, inputs, base.title, package=base.package
    )
