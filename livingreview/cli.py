"""Command line: each command hands off to a library function and maps failure to exit 1."""

from __future__ import annotations

import datetime
import json
import sys
import threading
from pathlib import Path
from typing import Annotated

import typer
import yaml

from livingreview.build import BuildFailed, build_html, vega_bundle, warm_up_sphinx
from livingreview.datapackage import resources
from livingreview.manifest import ManifestInvalid, Run, check_parameters, load_manifest
from livingreview.project import Project, ProjectNotFound, find_project
from livingreview.runner import AnalysisFailed, plan, run_analyses
from livingreview.validate import validate_project

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Validate the evidence, run the analyses and build the living review.",
)


def _project() -> Project:
    try:
        return find_project()
    except ProjectNotFound as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


def _fail(message: str) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(1)


def _validate(project: Project, as_json: bool = False) -> None:
    problems = validate_project(project)
    if as_json:
        typer.echo(json.dumps([p.as_dict() for p in problems], indent=1, ensure_ascii=False))
    if problems:
        if not as_json:
            for problem in problems:
                typer.echo(problem, err=True)
        _fail(f"validation failed: {len(problems)} problem(s); no file was changed")
    if not as_json:
        typer.echo("data valid")


def _runs(project: Project) -> list[Run]:
    try:
        return load_manifest(project)
    except ManifestInvalid as exc:
        _fail(f"manifest invalid:\n{exc}")
        raise  # unreachable


@app.command()
def validate(
    as_json: Annotated[bool, typer.Option("--json", help="Print the problems as JSON.")] = False,
) -> None:
    """Check every data file against its schema and the cross-file rules."""
    _validate(_project(), as_json)


def _parse_parameter(text: str) -> tuple[str, object]:
    if "=" not in text:
        raise typer.BadParameter(f"expected key=value, got {text!r}")
    key, raw = text.split("=", 1)
    value = yaml.safe_load(raw)
    # YAML reads 2026-11-25 as a date; notebooks take dates as ISO strings.
    if isinstance(value, datetime.date):
        value = value.isoformat()
    return key.strip(), value


@app.command()
def run(
    names: Annotated[
        list[str] | None, typer.Argument(help="Runs to execute (default: all).")
    ] = None,
    parameter: Annotated[
        list[str] | None,
        typer.Option("-p", "--parameter", help="Override a parameter: key=value (YAML value)."),
    ] = None,
    force: Annotated[bool, typer.Option(help="Execute even if nothing changed.")] = False,
    jobs: Annotated[int | None, typer.Option(help="Parallel kernels (default: cores).")] = None,
) -> None:
    """Execute the analyses whose notebook, parameters, inputs or code changed."""
    project = _project()
    runs = _runs(project)
    known = {r.name: r for r in runs}
    selected = runs
    if names:
        unknown = [n for n in names if n not in known]
        if unknown:
            _fail(f"unknown analysis: {', '.join(unknown)} (known: {', '.join(known)})")
        selected = [known[n] for n in names]
    if parameter:
        overrides = dict(_parse_parameter(p) for p in parameter)
        if len(selected) != 1:
            _fail("-p needs exactly one analysis name")
        base = selected[0]
        merged = {**base.parameters, **overrides}
        problems = check_parameters(base.notebook, merged)
        if problems:
            _fail("\n".join(f"{base.name}: {p}" for p in problems))
        # A reader's own parameters get their own output, so the book's run stays untouched.
        # A file named by a parameter (a reader's own data, say) becomes a declared input.
        named = [
            project.root / str(v)
            for v in overrides.values()
            if isinstance(v, str) and v and (project.root / v).is_file()
        ]
        inputs = tuple(dict.fromkeys([*base.inputs, *named]))
        selected = [Run(f"{base.name}-custom", base.notebook, merged, inputs, base.title)]
    try:
        run_analyses(project, selected, force=force or bool(parameter), jobs=jobs)
    except AnalysisFailed as exc:
        _fail(str(exc))
    if parameter:
        typer.echo(
            f"executed notebook: {project.rel(project.executed_dir)}/{selected[0].name}.ipynb"
        )


@app.command()
def build(full: Annotated[bool, typer.Option(help="Rebuild every page.")] = False) -> None:
    """Build the HTML book from the executed analyses (nothing is executed)."""
    project = _project()
    try:
        build_html(project, _runs(project), full=full)
    except BuildFailed as exc:
        _fail(str(exc))


@app.command()
def book(jobs: Annotated[int | None, typer.Option(help="Parallel kernels.")] = None) -> None:
    """Validate, run what changed, build the HTML: everything `make book` does."""
    project = _project()
    _validate(project)
    runs = _runs(project)
    # The offline Vega bundle is made once per vl-convert version, alongside the kernels.
    # Sphinx's imports also load meanwhile, so the build starts warm when the analyses end.
    helpers = [threading.Thread(target=vega_bundle, args=(project,), daemon=True)]
    if any(decision.execute for decision in plan(project, runs)):
        helpers.append(threading.Thread(target=warm_up_sphinx, daemon=True))
    for helper in helpers:
        helper.start()
    try:
        run_analyses(project, runs, jobs=jobs)
        for helper in helpers:
            helper.join()
        build_html(project, runs)
    except (AnalysisFailed, BuildFailed) as exc:
        _fail(f"{exc}\nthe last good book in {project.rel(project.html_dir)} was not changed")


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8000,
) -> None:
    """Serve the built book on 127.0.0.1 for preview."""
    import functools
    import http.server

    html = _project().html_dir
    if not (html / "index.html").is_file():
        _fail(f"no book at {html}; run `make book` first")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(Path(html)))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        typer.echo(f"serving {html} at http://127.0.0.1:{port}/ (Ctrl-C to stop)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


def _parse_assignment(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise typer.BadParameter(f"expected column=value, got {text!r}")
    column, value = text.split("=", 1)
    return column.strip(), value


@app.command()
def add(
    table: Annotated[str, typer.Argument(help="Table name (e.g. preclinical_studies) or file.")],
    assignments: Annotated[
        list[str] | None,
        typer.Option("--set", help="A cell of the new row: column=value (repeat per column)."),
    ] = None,
    prompt: Annotated[bool, typer.Option("--prompt", help="Ask for every column.")] = False,
) -> None:
    """Append one validated row to a data table; no other line of the file changes."""
    from livingreview import authoring

    project = _project()
    resource = authoring.find_resource(project, table)
    if resource is None:
        _fail(f"unknown table '{table}' (tables: {', '.join(resources(project))})")
        return
    values = dict(_parse_assignment(a) for a in assignments or [])
    missing = [f for f in resource.fields if f.required and not values.get(f.name, "").strip()]
    if prompt or (missing and sys.stdin.isatty()):
        for f in resource.fields:
            if prompt or f.name not in values:
                rules = [f.type, *(["required"] if f.required else [])]
                if "enum" in f.constraints:
                    rules.append("one of: " + ", ".join(map(str, f.constraints["enum"])))
                typer.echo(f"{f.name}: {f.description}", err=True)
                values[f.name] = typer.prompt(
                    f"  {f.name} [{'; '.join(rules)}]",
                    default=values.get(f.name, ""),
                    show_default=bool(values.get(f.name)),
                )
    try:
        line = authoring.add_row(project, table, values)
    except authoring.RowRejected as exc:
        for problem in exc.problems:
            typer.echo(problem, err=True)
        _fail(f"row rejected: {len(exc.problems)} problem(s); data/{resource.path} was not changed")
    typer.echo(f"added data/{resource.path} line {line}; `livingreview book` updates the book")


@app.command()
def changes(
    since: Annotated[
        str | None,
        typer.Option(help="Git revision, release tag vX.Y.Z or version (default: latest tag)."),
    ] = None,
) -> None:
    """Rows added, removed and changed since a revision or release, and changed glued values."""
    from livingreview import authoring

    project = _project()
    try:
        found = authoring.changed_evidence(project, since)
    except (authoring.ChangesFailed, ManifestInvalid) as exc:
        _fail(str(exc))
        return
    typer.echo(authoring.format_changes(found))


@app.command()
def release(
    version: Annotated[str, typer.Argument(help="The new version, X.Y.Z.")],
    date: Annotated[
        str | None, typer.Option(help="Release date YYYY-MM-DD (default: today).")
    ] = None,
    conclusions: Annotated[
        str, typer.Option(help="Did a conclusion of the review change? yes or no.")
    ] = "no",
    note: Annotated[str, typer.Option(help="Which conclusion changed, or a note.")] = "",
) -> None:
    """Record a version: snapshot, releases.csv, version numbers, CHANGELOG (no commit)."""
    from livingreview import authoring

    project = _project()
    try:
        snapshot = authoring.release(project, version, date, conclusions, note, report=typer.echo)
    except authoring.ReleaseRefused as exc:
        _fail(f"release refused: {exc}")
        return
    typer.echo(
        f"released {version}: wrote {project.rel(snapshot)} and updated data/releases.csv, "
        "data/datapackage.json, CITATION.cff and CHANGELOG.md\nreview the diff, then record it:"
    )
    for command in authoring.git_commands(version):
        typer.echo(f"  {command}")


@app.command("refresh-trials")
def refresh_trials(
    apply: Annotated[
        bool, typer.Option(help="Write the changes (default: only show them).")
    ] = False,
) -> None:
    """Compare each NCT trial with ClinicalTrials.gov; --apply writes status, dates, enrollment."""
    from livingreview.registry import (
        RefreshError,
        RegistryUnavailable,
        apply_refresh,
        format_report,
        plan_refresh,
    )

    project = _project()
    try:
        report = plan_refresh(project)
    except RegistryUnavailable as exc:
        _fail(str(exc))
        return
    typer.echo(format_report(report))
    if apply and report.changed:
        try:
            written = apply_refresh(project, report)
        except RefreshError as exc:
            _fail(f"nothing written: {exc}")
            return
        typer.echo(f"updated {len(written)} trial(s) in data/registered_trials.csv")
    elif report.changed:
        typer.echo("dry run: pass --apply to write these changes")
    if report.errors:
        _fail(f"{len(report.errors)} trial(s) could not be refreshed")


@app.command()
def pdf() -> None:
    """Print every chapter and the whole book to PDF (needs Debian's chromium)."""
    from livingreview.pdf import PdfFailed, build_pdfs

    try:
        build_pdfs(_project())
    except PdfFailed as exc:
        _fail(str(exc))
