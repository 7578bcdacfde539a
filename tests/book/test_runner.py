"""The runner's decisions: execute what changed, reuse the rest, fail loudly."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import make_notebook, write_manifest

from livingreview.book import runner
from livingreview.book.manifest import ManifestInvalid, load_manifest
from livingreview.data.project import Project
from livingreview.data.releases import read_glue


def glued_total(project: Project, name: str) -> str:
    return read_glue(project.executed_dir / f"{name}.ipynb")["total"]


def decisions(project: Project) -> dict[str, runner.Decision]:
    return {d.run.name: d for d in runner.plan(project, load_manifest(project))}


@pytest.fixture
def executed(mini_project) -> Project:
    project = Project(mini_project)
    runner.run_analyses(project, load_manifest(project), report=lambda _: None)
    return project


def test_first_run_executes_everything_then_nothing(mini_project):
    project = Project(mini_project)
    first = decisions(project)
    assert all(d.execute for d in first.values())
    assert first["counts"].reasons == ("no earlier successful run",)
    messages: list[str] = []
    runner.run_analyses(project, load_manifest(project), report=messages.append)
    assert glued_total(project, "counts") == "3"
    assert not any(d.execute for d in decisions(project).values())
    runner.run_analyses(project, load_manifest(project), report=messages.append)
    assert messages[-1] == "all analyses up to date: no notebook executed"


def test_data_change_reruns_only_the_analyses_that_declare_it(executed):
    (executed.data_dir / "a.csv").write_text("x\n1\n2\n10\n")
    plan = decisions(executed)
    assert plan["counts"].execute and plan["counts"].reasons == ("data/a.csv changed",)
    assert not plan["other"].execute
    runner.run_analyses(executed, load_manifest(executed), report=lambda _: None)
    assert glued_total(executed, "counts") == "13"


def test_notebook_change_reruns(executed):
    nb = executed.analyses_dir / "counts.ipynb"
    nb.write_text(nb.read_text().replace("factor = 1", "factor = 2"))
    plan = decisions(executed)
    assert plan["counts"].reasons == ("notebook changed",)
    assert not plan["other"].execute


def test_parameter_change_reruns(executed):
    write_manifest(executed.root, counts_params="{factor: 3}")
    plan = decisions(executed)
    assert plan["counts"].reasons == ("parameters changed",)
    runner.run_analyses(executed, load_manifest(executed), report=lambda _: None)
    assert glued_total(executed, "counts") == "9"


@pytest.fixture
def package_copy(tmp_path, monkeypatch) -> Path:
    """The runner fingerprints a copy of the package, so a test can edit its code."""
    copy = tmp_path / "livingreview"
    shutil.copytree(runner.PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(runner, "PACKAGE_DIR", copy)
    return copy


@pytest.mark.parametrize("module", ["analysis/pooled.py", "data/package.py", "errors.py"])
def test_a_change_to_code_notebooks_import_reruns_everything(executed, package_copy, module):
    assert not any(d.execute for d in decisions(executed).values())
    with open(package_copy / module, "a") as handle:
        handle.write("# edited\n")
    plan = decisions(executed)
    assert all(d.execute for d in plan.values())
    assert plan["other"].reasons == ("analysis code or pinned dependencies changed",)


@pytest.mark.parametrize(
    "module", ["cli.py", "book/build.py", "book/sphinx/figures.py", "authoring/release.py"]
)
def test_a_change_to_other_code_reruns_nothing(executed, package_copy, module):
    with open(package_copy / module, "a") as handle:
        handle.write("# edited\n")
    assert not any(d.execute for d in decisions(executed).values())


def test_rerun_output_is_byte_identical(executed):
    before = (executed.executed_dir / "counts.ipynb").read_bytes()
    runner.run_analyses(executed, load_manifest(executed), force=True, report=lambda _: None)
    assert (executed.executed_dir / "counts.ipynb").read_bytes() == before


def test_undeclared_input_is_an_error(executed):
    write_manifest(executed.root, counts_params='{source: "secret.csv"}')
    with pytest.raises(runner.AnalysisFailed) as failure:
        runner.run_analyses(executed, load_manifest(executed), report=lambda _: None)
    message = str(failure.value)
    assert "analysis 'counts' failed" in message
    # raised on purpose inside the notebook: its message in one line, no traceback
    assert "data/secret.csv" in message and "Traceback" not in message
    assert len(message.splitlines()) == 1
    # the earlier good output is kept, not replaced by the failed run
    assert glued_total(executed, "counts") == "3"


def test_failing_notebook_reports_name_and_traceback(executed):
    nb = executed.analyses_dir / "other.ipynb"
    nb.write_text(nb.read_text().replace("frame = pd.read_csv", "1 / 0\\nframe = pd.read_csv"))
    with pytest.raises(runner.AnalysisFailed) as failure:
        runner.run_analyses(executed, load_manifest(executed), report=lambda _: None)
    message = str(failure.value)
    assert "analysis 'other' failed" in message
    assert "analyses/other.ipynb" in message
    assert "ZeroDivisionError" in message


def write_package(root: Path, version: str = "1.0.0", a_type: str = "integer") -> None:
    """A Data Package for the mini project: tables a (a.csv) and b (b.csv)."""
    tables = [("a", "x", a_type), ("b", "y", "integer")]
    descriptor = {
        "name": "mini",
        "version": version,
        "x-evidence-current-to": "2026-01-01",
        "resources": [
            {"name": n, "path": f"{n}.csv", "schema": {"fields": [{"name": c, "type": t}]}}
            for n, c, t in tables
        ],
    }
    (root / "data" / "datapackage.json").write_text(json.dumps(descriptor, indent=1))


def declare_package(root: Path, package: str, body: str = "") -> None:
    """``counts`` declares a.csv and the Data Package (with ``package`` keys); ``body``, when
    given, replaces its notebook's code."""
    if body:
        make_notebook(root / "analyses" / "counts.ipynb", 'source = "a.csv"\nfactor = 1\n', body)
    write_manifest(root)
    manifest = root / "analyses" / "manifest.yml"
    manifest.write_text(
        manifest.read_text().replace(
            "inputs: [data/a.csv]",
            f"inputs: [data/a.csv, data/datapackage.json]\n    package: {package}",
        )
    )


def test_a_run_fingerprints_only_the_parts_of_the_data_package_it_reads(mini_project):
    project = Project(mini_project)
    write_package(mini_project)
    declare_package(mini_project, "[]")

    def fingerprints() -> dict[str, dict]:
        return {r.name: runner.fingerprint(project, r, "code") for r in load_manifest(project)}

    first = fingerprints()
    assert set(first["counts"]["inputs"]) == {"data/a.csv", "data/datapackage.json#resources/a"}
    write_package(mini_project, version="1.1.0")  # a release: not read by counts
    assert fingerprints() == first
    write_package(mini_project, version="1.1.0", a_type="number")  # the schema counts reads
    changed = fingerprints()
    reasons = runner._why_changed(first["counts"], changed["counts"])
    assert reasons == ["data/datapackage.json#resources/a changed"]
    assert changed["other"] == first["other"]
    declare_package(mini_project, "[version]")  # now it reads the version: a release re-runs it
    before = fingerprints()
    write_package(mini_project, version="1.2.0", a_type="number")
    reasons = runner._why_changed(before["counts"], fingerprints()["counts"])
    assert reasons == ["data/datapackage.json#version changed"]


def test_reading_an_undeclared_part_of_the_data_package_fails_the_run(mini_project):
    project = Project(mini_project)
    write_package(mini_project)
    body = """
        import livingreview
        from myst_nb import glue
        from livingreview.data.package import read_descriptor
        glue("total", read_descriptor()["version"], display=False)
    """
    declare_package(mini_project, "[]", body)
    with pytest.raises(runner.AnalysisFailed) as failure:
        runner.run_analyses(project, load_manifest(project), report=lambda _: None)
    message = str(failure.value)
    assert "'version' of data/datapackage.json" in message and "'package'" in message
    assert len(message.splitlines()) == 1  # a user error, no traceback

    declare_package(mini_project, "[version]")
    runner.run_analyses(project, load_manifest(project), report=lambda _: None)
    assert glued_total(project, "counts") == repr("1.0.0")  # a glued str shows quoted

    # opening the descriptor itself would bypass the check
    body = """
        import json, livingreview
        from myst_nb import glue
        glue("total", json.load(open("data/datapackage.json"))["version"], display=False)
    """
    declare_package(mini_project, "[version]", body)
    with pytest.raises(runner.AnalysisFailed, match="read it with livingreview.data.package"):
        runner.run_analyses(project, load_manifest(project), report=lambda _: None)


def manifest_errors(root) -> list[str]:
    with pytest.raises(ManifestInvalid) as invalid:
        load_manifest(Project(root))
    return [str(e) for e in invalid.value.errors]


def test_manifest_missing_notebook(mini_project):
    (mini_project / "analyses" / "other.ipynb").unlink()
    assert manifest_errors(mini_project) == [
        "analyses/manifest.yml: run 'other', 'notebook': notebook not found: analyses/other.ipynb"
    ]


def test_manifest_unknown_parameter(mini_project):
    write_manifest(mini_project, counts_params="{facto: 2}")
    (error,) = manifest_errors(mini_project)
    assert "run 'counts'" in error and "unknown parameter 'facto'" in error
    assert "factor, source" in error


def test_manifest_wrong_parameter_type(mini_project):
    write_manifest(mini_project, counts_params='{factor: "two"}')
    (error,) = manifest_errors(mini_project)
    assert "parameter 'factor' expects int" in error


def test_manifest_missing_declared_input(mini_project):
    (mini_project / "data" / "b.csv").unlink()
    (error,) = manifest_errors(mini_project)
    assert error.endswith("declared input not found: data/b.csv")


def test_book_notebooks_reject_out_of_range_and_unknown_choices():
    from conftest import REPO

    from livingreview.book.manifest import check_parameters

    pooled = REPO / "analyses" / "pooled_effects.ipynb"
    assert check_parameters(pooled, {"baseline_risk": 1.5}) == [
        "parameter 'baseline_risk' must lie in (0, 1); got 1.5"
    ]
    assert check_parameters(pooled, {"baseline_risk": 0.2}) == []
    assert "expects float" in check_parameters(pooled, {"baseline_risk": "high"})[0]
    surveillance = REPO / "analyses" / "trial_surveillance.ipynb"
    assert "must be a date" in check_parameters(surveillance, {"as_of": "25/11/2026"})[0]
    assert "at least 1" in check_parameters(surveillance, {"stale_months": 0})[0]
    evidence_map = REPO / "analyses" / "evidence_map.ipynb"
    assert "must be one of" in check_parameters(evidence_map, {"rows": "colour"})[0]


def test_cli_refuses_bad_parameters_before_executing(mini_project):
    from conftest import cli

    result = cli(mini_project, "run", "counts", "-p", "factr=2")
    assert result.returncode == 1
    assert "unknown parameter 'factr'" in result.stderr
    assert not (mini_project / "_build" / "executed").exists()


# --- a reader's own runs of the book's analyses ----------------------------------------------


@pytest.fixture(scope="module")
def book_copy(tmp_path_factory) -> Path:
    from conftest import copy_repo

    return copy_repo(tmp_path_factory.mktemp("reader") / "repo")


def reader_cli(root: Path, cwd: Path, *args: str):
    """The CLI as a reader types it in ``cwd``, a folder outside the book."""
    env = {**os.environ, "LIVINGREVIEW_ROOT": str(root)}
    return subprocess.run(
        [sys.executable, "-m", "livingreview", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
    )


def test_meta_analysis_of_a_csv_outside_the_book(book_copy, tmp_path):
    import pandas as pd

    from livingreview.analysis import meta

    example = pd.read_csv(book_copy / "data" / "examples" / "bcg_trials.csv")
    mine = tmp_path / "elsewhere" / "my trials.csv"
    mine.parent.mkdir()
    example.iloc[:6].to_csv(mine, index=False)
    before = mine.read_bytes()
    result = reader_cli(
        book_copy, mine.parent, "run", "meta_analysis", "-p", "data_path=my trials.csv",
        "-p", "measure=OR", "-p", "method=DL",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    expected = meta.pool(meta.read_studies(mine), "OR", "DL")
    out = book_copy / "_build" / "executed"
    values = json.loads((out / "meta_analysis-custom.glue.json").read_text())
    assert float(values["pooled_estimate"]) == pytest.approx(expected.pooled_estimate, rel=1e-9)
    assert values["meta_summary"] == meta.summarise(expected)
    with (out / "meta_analysis-custom.glue.csv").open() as handle:
        rows = {row["name"]: row["value"] for row in csv.DictReader(handle)}
    assert rows == values
    page = (out / "meta_analysis-custom.html").read_text()
    assert "<svg" in page and "Forest plot" in page  # the chart, drawn without JavaScript
    assert not re.search(r"<(script|link)[^>]*(src|href)=[\"']?(https?:)?//", page)
    for what in ("executed notebook", "HTML page", "glued values (CSV)", "glued values (JSON)"):
        assert what in result.stdout
    # read where it is: never copied into the book, never changed
    assert mine.read_bytes() == before
    assert not [p for p in book_copy.rglob("*.csv") if p.name == mine.name]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("study,events_treatment,n_treatment,events_control,n_control\nA,4,123,11,139\n"
         "B,-6,306,29,303\n", r"row 2 \(study 'B'\), column 'events_treatment': -6 is negative"),
        ("study,events_treatment,n_treatment,events_control,n_control\nA,400,123,11,139\n"
         "B,6,306,29,303\n", r"row 1 \(study 'A'\), column 'events_treatment': 400 events exceed"),
        (None, r"parameter 'data_path': file not found: .*bad\.csv"),
    ],
)  # fmt: skip
def test_a_bad_csv_gets_one_line_without_traceback(book_copy, tmp_path, text, expected):
    bad = tmp_path / "bad.csv"
    if text is not None:
        bad.write_text(text)
    result = reader_cli(book_copy, tmp_path, "run", "meta_analysis", "-p", "data_path=bad.csv")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    (line,) = result.stderr.strip().splitlines()
    assert str(bad) in line and re.search(expected, line), line


def test_a_book_run_with_force_executes_again(executed):
    messages: list[str] = []
    runner.run_analyses(executed, load_manifest(executed), force=True, report=messages.append)
    assert "run   counts: forced" in messages and "done  counts" in messages


def test_papermill_help_shows_every_parameters_type_and_help():
    from conftest import REPO

    from livingreview.book.manifest import read_parameters

    for notebook in sorted((REPO / "analyses").glob("*.ipynb")):
        shown = subprocess.run(
            [sys.executable, "-m", "papermill", "--help-notebook", str(notebook)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "Unknown type" not in shown, notebook.name
        for name, parameter in read_parameters(notebook).items():
            kind = type(parameter.default).__name__
            assert re.search(rf"^  {name}: {kind} \(default", shown, re.M), (notebook.name, name)
            assert parameter.comment and parameter.comment in " ".join(shown.split()), name


def test_a_plain_date_needs_no_quotes_and_odd_text_is_kept_as_typed():
    assert runner.parse_parameter("as_of=2026-11-25") == ("as_of", "2026-11-25")
    assert runner.parse_parameter("stale_months=6") == ("stale_months", 6)
    assert runner.parse_parameter("version_label=a: [b") == ("version_label", "a: [b")
    with pytest.raises(runner.ParameterInvalid, match="expected key=value"):
        runner.parse_parameter("as_of")


def test_injected_parameters_fold_unless_they_only_set_the_edition(tmp_path):
    def injected(source: str) -> dict:
        return {
            "cell_type": "code",
            "id": "x1",
            "metadata": {"tags": ["injected-parameters"]},
            "source": source,
            "outputs": [],
            "execution_count": 1,
        }

    path = tmp_path / "run.ipynb"
    cells = [
        injected('# Parameters\nlanguage = "zh_CN"\n'),
        injected('language = "en"\nas_of = "2026-01-01"\n'),
    ]
    path.write_text(
        json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    )
    runner.normalise_notebook(path)
    edition, reader = json.loads(path.read_text())["cells"]
    assert "remove-cell" in edition["metadata"]["tags"]  # how the book is built, not shown
    assert "hide-input" in reader["metadata"]["tags"]  # a reader's choice: shown, folded
    assert "remove-cell" not in reader["metadata"]["tags"]


def test_a_custom_runs_page_shows_each_result_before_its_folded_code(tmp_path):
    import nbformat

    from livingreview.book.export import notebook_html

    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('as_of = "2026-01-01"')
    params.metadata["tags"] = ["injected-parameters"]
    result = nbformat.v4.new_code_cell("print(41 + 1)")
    result.outputs = [nbformat.v4.new_output("stream", name="stdout", text="42\n")]
    nb.cells = [params, result]
    path = tmp_path / "run.ipynb"
    nbformat.write(nb, path)
    page = notebook_html(path, "Run")
    assert page.index("as_of") < page.index("42")  # the reader's parameters, shown first
    assert (
        page.index("42")
        < page.index("<details><summary>Show code</summary>")
        < page.index("print(41 + 1)")
    )


def test_a_kernel_that_dies_before_its_first_reply_is_started_again(mini_project, monkeypatch):
    """Two kernels launched at once can race for ports and die before replying: nothing was
    executed, so the run starts a new kernel instead of failing the build."""
    import papermill

    from livingreview.book import execute

    def dies(*args, **kwargs):
        raise RuntimeError("Kernel died before replying to kernel_info")

    monkeypatch.setattr(papermill, "execute_notebook", dies)
    notebook = str(mini_project / "analyses" / "counts.ipynb")
    args = [notebook, str(mini_project / "out.ipynb"), "--cwd", str(mini_project)]
    assert execute.main(args) == execute.KERNEL_START_FAILED
    monkeypatch.undo()

    real_run, calls = subprocess.run, []

    def first_start_fails(cmd, **kwargs):
        calls.append(cmd)
        if len(calls) == 1:
            return subprocess.CompletedProcess(cmd, execute.KERNEL_START_FAILED, "", "died")
        return real_run(cmd, **kwargs)

    monkeypatch.setattr(runner.subprocess, "run", first_start_fails)
    project = Project(mini_project)
    counts = [r for r in load_manifest(project) if r.name == "counts"]
    runner.run_analyses(project, counts, report=lambda _: None)
    assert len(calls) == 2 and glued_total(project, "counts") == "3"
