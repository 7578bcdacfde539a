"""Command line: each command hands off to a library function and maps failure to exit 1."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
import yaml

from livingreview.build import BuildFailed, build_html
from livingreview.manifest import ManifestInvalid, Run, check_parameters, load_manifest
from livingreview.project import Project, ProjectNotFound, find_project
from livingreview.runner import AnalysisFailed, run_analyses
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
    return key.strip(), yaml.safe_load(raw)


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
    try:
        run_analyses(project, runs, jobs=jobs)
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


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    app()
