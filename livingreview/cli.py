"""Command line: a thin adapter over the library.

Each command calls one library function. Every error a user can cause is a
``LivingReviewError``: its message is printed and the command exits with its code, without a
traceback. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from livingreview.data.project import Project, find_project
from livingreview.errors import LivingReviewError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Validate the evidence, run the analyses and build the living review.",
)


def reports_errors(command):
    """Turn a LivingReviewError into its message on stderr and its exit code."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except LivingReviewError as exc:
            typer.echo(f"error: {exc}" if exc.exit_code == 2 else str(exc), err=True)
            raise typer.Exit(exc.exit_code) from None

    return wrapper


def _project_for_run() -> Project:
    """The checkout around the cwd, else the one this package was installed from.

    So `.venv/bin/livingreview run NAME -p data_path=mine.csv` works from the folder that
    holds the reader's file.
    """
    from livingreview.data.project import ProjectNotFound

    try:
        return find_project()
    except ProjectNotFound:
        home = Path(__file__).resolve().parent.parent
        try:
            return find_project(home)
        except ProjectNotFound:
            raise ProjectNotFound(
                f"no book checkout (a folder with _config.yml and data/) at or above {Path.cwd()}"
            ) from None


class ValidationFailed(LivingReviewError):
    pass


def _validate(project: Project, as_json: bool = False) -> None:
    from livingreview.data.package import resources
    from livingreview.data.rules import explained
    from livingreview.data.validate import validate_project

    problems = explained(validate_project(project), resources(project))
    if as_json:
        typer.echo(json.dumps([p.as_dict() for p in problems], indent=1, ensure_ascii=False))
    if problems:
        listed = "" if as_json else "\n".join(str(p) for p in problems) + "\n"
        raise ValidationFailed(
            f"{listed}validation failed: {len(problems)} problem(s); no file was changed"
        )
    if not as_json:
        typer.echo("data valid")


@app.command()
@reports_errors
def validate(
    as_json: Annotated[bool, typer.Option("--json", help="Print the problems as JSON.")] = False,
) -> None:
    """Check every data file against its schema and the cross-file rules."""
    _validate(find_project(), as_json)


@app.command()
@reports_errors
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
    """Execute the analyses whose notebook, parameters, inputs or code changed.

    With -p the run always executes, into its own NAME-custom files (the book's run stays
    untouched): the executed notebook, an offline HTML page of it and its glued values.
    """
    from livingreview.book.export import export_run
    from livingreview.book.manifest import select_runs
    from livingreview.book.runner import (
        ParameterInvalid,
        custom_run,
        output_path,
        parse_parameter,
        run_analyses,
    )

    project = _project_for_run()
    selected = select_runs(project, names)
    if parameter:
        if len(selected) != 1:
            raise ParameterInvalid("-p needs exactly one analysis name")
        overrides = dict(parse_parameter(p) for p in parameter)
        selected = [custom_run(project, selected[0], overrides)]
    else:  # the book's runs: every edition (a translation takes its language parameter)
        from livingreview.book.manifest import all_editions

        selected = all_editions(project, selected)
    run_analyses(project, selected, force=force or bool(parameter), jobs=jobs)
    if parameter:
        notebook = output_path(project, selected[0])
        typer.echo(f"executed notebook: {notebook}")
        for what, path in export_run(notebook, selected[0].title or selected[0].name).items():
            typer.echo(f"{what}: {path}")


@app.command()
@reports_errors
def reproduce(
    name: Annotated[str, typer.Argument(help="The analysis to reproduce (e.g. pooled_effects).")],
) -> None:
    """Re-run one analysis as the book did, into its own NAME-reproduced files, and compare its
    glued values with the book's (the release's when this checkout is its tag)."""
    from livingreview.book.reproduce import reproduce as reproduce_run

    reproduce_run(_project_for_run(), name, report=typer.echo)


@app.command()
@reports_errors
def build(full: Annotated[bool, typer.Option(help="Rebuild every page.")] = False) -> None:
    """Build the HTML book from the executed analyses (nothing is executed)."""
    from livingreview.book.build import build_html
    from livingreview.book.manifest import load_manifest

    project = find_project()
    build_html(project, load_manifest(project), full=full)


@app.command()
@reports_errors
def book(jobs: Annotated[int | None, typer.Option(help="Parallel kernels.")] = None) -> None:
    """Validate, run what changed, build the HTML: everything `make book` does."""
    from livingreview.book.build import make_book

    project = find_project()
    _validate(project)
    make_book(project, jobs=jobs)


@app.command()
@reports_errors
def catalogs() -> None:
    """Update the translation catalogs (locales/) from the English text; run after `make book`."""
    from livingreview.book.catalogs import update_catalogs
    from livingreview.book.manifest import load_manifest

    project = find_project()
    update_catalogs(project, load_manifest(project))


@app.command()
@reports_errors
def serve(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8000,
    watch: Annotated[
        bool, typer.Option(help="Rebuild on a change to data, chapters or analyses; reload.")
    ] = False,
) -> None:
    """Serve the built book on 127.0.0.1 for preview."""
    from livingreview.book.serve import preview

    preview(find_project(), port=port, watch=watch, report=typer.echo)


REFERENCE = "reference"  # `add reference`: a bibliography entry, not a table row
REF_PANEL = "add reference"


def _tables_help() -> str:
    """The tables `add` takes, read from the data package (not typed here)."""
    from livingreview.data.package import resources
    from livingreview.data.project import ProjectNotFound

    try:
        names = list(resources(find_project()))
    except (ProjectNotFound, OSError, ValueError):
        return "Tables: run this inside the book's checkout to list them."
    return (
        f"Tables (data/datapackage.json): {', '.join(names)}; and '{REFERENCE}' for an entry of "
        "data/references.bib.\n`livingreview add TABLE --help` lists a table's columns, their "
        "types, allowed values and when each is required."
    )


# `add --help` and `add TABLE --help` are generated from the data package: the tables, and a
# table's columns with their rules, are never typed in this file
@app.command(context_settings={"help_option_names": []})
@reports_errors
def add(
    ctx: typer.Context,
    table: Annotated[
        str | None,
        typer.Argument(
            help="Table name (e.g. preclinical_studies) or file; or 'reference' for a "
            "bibliography entry. The tables are listed below.",
            show_default=False,
        ),
    ] = None,
    assignments: Annotated[
        list[str] | None,
        typer.Option("--set", help="A cell of the new row: column=value (repeat per column)."),
    ] = None,
    prompt: Annotated[
        bool,
        typer.Option(
            "--prompt",
            help="Ask for every column; each answer, and each rule across columns, is checked "
            "as soon as its answers are in.",
        ),
    ] = False,
    show_help: Annotated[
        bool,
        typer.Option(
            "--help", "-h", help="Show this help and the tables; after TABLE, its columns."
        ),
    ] = False,
    key: Annotated[
        str, typer.Option(help="Entry key, e.g. smith2026.", rich_help_panel=REF_PANEL)
    ] = "",
    doi: Annotated[str, typer.Option(help="DOI, 10.NNNN/...", rich_help_panel=REF_PANEL)] = "",
    title: Annotated[str, typer.Option(help="Title.", rich_help_panel=REF_PANEL)] = "",
    author: Annotated[
        list[str] | None,
        typer.Option(
            help="An author, 'Family, Given' (repeat, in order).", rich_help_panel=REF_PANEL
        ),
    ] = None,
    journal: Annotated[str, typer.Option(help="Journal.", rich_help_panel=REF_PANEL)] = "",
    year: Annotated[str, typer.Option(help="Year, YYYY.", rich_help_panel=REF_PANEL)] = "",
    volume: Annotated[str, typer.Option(help="Volume.", rich_help_panel=REF_PANEL)] = "",
    pages: Annotated[str, typer.Option(help="Pages, e.g. 12-20.", rich_help_panel=REF_PANEL)] = "",
    bibtex: Annotated[
        str, typer.Option(help="One BibTeX entry, pasted.", rich_help_panel=REF_PANEL)
    ] = "",
    bibtex_file: Annotated[
        Path | None,
        typer.Option(help="A file holding one BibTeX entry.", rich_help_panel=REF_PANEL),
    ] = None,
) -> None:
    """Append one validated row to a data table, or (`add reference`) one entry to
    data/references.bib; no other line of the file changes."""
    if show_help or table is None:
        _add_help(ctx, table, show_help)
        return
    fields = {
        "key": key, "doi": doi, "title": title, "authors": author or [], "journal": journal,
        "year": year, "volume": volume, "pages": pages,
    }  # fmt: skip
    if table == REFERENCE:
        if assignments or prompt:
            raise typer.BadParameter("--set and --prompt add table rows, not references")
        _add_reference(fields, bibtex, bibtex_file)
        return
    if any(fields.values()) or bibtex or bibtex_file:
        raise typer.BadParameter(f"the reference options need `add {REFERENCE}`, not `add {table}`")
    _add_row(table, assignments, prompt)


def _add_help(ctx: typer.Context, table: str | None, asked: bool) -> None:
    """`add --help`: the command's options and the tables; `add TABLE --help`: its columns."""
    if table and table != REFERENCE:
        from livingreview.authoring.add import require_resource
        from livingreview.data.rules import table_help

        resource = require_resource(find_project(), table)
        typer.echo(f"Usage: livingreview add {resource.name} --set COLUMN=VALUE ... | --prompt\n")
        typer.echo(table_help(resource))
        return
    if not asked:
        raise typer.BadParameter(f"missing TABLE. {_tables_help()}", ctx)
    help_text = ctx.get_help()  # typer's rich help prints itself and returns ''
    if help_text:
        typer.echo(help_text)
    typer.echo(_tables_help())


def _add_reference(fields: dict, bibtex: str, bibtex_file: Path | None) -> None:
    from livingreview.authoring.references import add_reference, from_bibtex, from_options

    project = find_project()
    if bibtex and bibtex_file:
        raise typer.BadParameter("give --bibtex or --bibtex-file, not both")
    if bibtex_file:
        try:
            bibtex = bibtex_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise typer.BadParameter(f"cannot read {bibtex_file}: {exc}") from None
    if bibtex and any(fields.values()):
        raise typer.BadParameter("give either a BibTeX entry or the field options, not both")
    ref = from_bibtex(bibtex) if bibtex else from_options(**fields)
    entry = add_reference(project, ref)
    typer.echo(
        f"added {entry.key} to data/references.bib; cite it from a data row "
        f"(e.g. --set ref_key={entry.key}) or a chapter before `livingreview book`"
    )


def _add_row(table: str, assignments: list[str] | None, prompt: bool) -> None:
    from livingreview.authoring.add import (
        RowRejected,
        add_row,
        cell_checker,
        describe,
        prompt_row,
        require_resource,
        row_checker,
        set_command,
    )

    project = find_project()
    resource = require_resource(project, table)
    values = {}
    for text in assignments or []:
        if "=" not in text:
            raise typer.BadParameter(f"expected column=value, got {text!r}")
        column, value = text.split("=", 1)
        values[column.strip()] = value
    missing = [f for f in resource.fields if f.required and not values.get(f.name, "").strip()]
    prompted = prompt or (missing and sys.stdin.isatty())
    if prompted:

        def ask(f, default: str) -> str:
            typer.echo(f"{f.name}: {f.description}", err=True)
            return typer.prompt(
                f"  {f.name} [{describe(resource, f)}]",
                default=default,
                show_default=bool(default),
            )

        def tell(message: str) -> None:
            typer.echo(message, err=True)

        check, rows = cell_checker(project, resource), row_checker(project, resource)
        values = prompt_row(
            resource, values, ask, every=prompt, check=check, tell=tell, row_check=rows
        )
    try:
        line = add_row(project, table, values)
    except RowRejected as exc:
        if prompted:  # the answers are not lost: the same row, ready to correct and send again
            command = set_command(resource.name, values)
            raise RowRejected(
                exc.problems,
                f"data/{resource.path}",
                kept=f"your answers, as a command (add --prompt to be asked with them as "
                f"defaults):\n  {command}",
            ) from None
        raise
    typer.echo(f"added data/{resource.path} line {line}; `livingreview book` updates the book")


@app.command()
@reports_errors
def changes(
    since: Annotated[
        str | None,
        typer.Option(
            help="Git revision, release tag vX.Y.Z or version X.Y.Z "
            "(default: the latest release in data/releases.csv, else HEAD)."
        ),
    ] = None,
    markdown: Annotated[
        bool,
        typer.Option(
            help="Markdown for a pull request: new records and registry changes in sentences."
        ),
    ] = False,
    summary: Annotated[
        bool,
        typer.Option(help="One line of counts: 'N new records, M registry changes'."),
    ] = False,
) -> None:
    """Rows added, removed and changed since the last release (or --since), and glued values."""
    from livingreview.authoring.changes import (
        changed_evidence,
        format_changes,
        format_markdown,
        format_summary,
    )

    found = changed_evidence(find_project(), since)
    if summary:
        typer.echo(format_summary(found))
    if markdown:
        typer.echo(format_markdown(found))
    if not (summary or markdown):
        typer.echo(format_changes(found))


@app.command()
@reports_errors
def release(
    version: Annotated[str, typer.Argument(help="The new version, X.Y.Z.")],
    date: Annotated[
        str | None, typer.Option(help="Release date YYYY-MM-DD (default: today).")
    ] = None,
    conclusions: Annotated[
        str, typer.Option(help="Did a conclusion of the review change? yes or no.")
    ] = "no",
    note: Annotated[str, typer.Option(help="Which conclusion changed, or a note.")] = "",
    evidence_current_to: Annotated[
        str | None,
        typer.Option(
            "--evidence-current-to",
            "--evidence-date",
            help="Date YYYY-MM-DD the evidence is current to (default: the latest complete run "
            "of the saved searches in data/surveillance_log.csv, else the current "
            "x-evidence-current-to). When rows checked after that date came in since the last "
            "release, it is asked for (interactive) or required.",
        ),
    ] = None,
) -> None:
    """Record a version: snapshot, releases.csv, version numbers, CHANGELOG (no commit).

    Re-runs the analyses whose inputs changed since their last run, saying which and why, so
    the book after the release executes nothing."""
    from livingreview.authoring.release import git_commands
    from livingreview.authoring.release import release as record_release

    def ask(question: str, default: str) -> str:
        return typer.prompt(question, default=default)

    project = find_project()
    snapshot = record_release(
        project,
        version,
        date,
        conclusions,
        note,
        typer.echo,
        evidence_current_to,
        ask=ask if sys.stdin.isatty() else None,
    )
    typer.echo(
        f"released {version}: wrote {project.rel(snapshot)} and updated data/releases.csv, "
        "data/datapackage.json, CITATION.cff and CHANGELOG.md\nreview the diff, then record it:"
    )
    for command in git_commands(version):
        typer.echo(f"  {command}")


@app.command("refresh-trials")
@reports_errors
def refresh_trials(
    apply: Annotated[
        bool, typer.Option(help="Write the changes (default: only show them).")
    ] = False,
) -> None:
    """Compare each NCT trial with its ClinicalTrials.gov record (the version it was last updated),
    show the differences; --apply writes status, dates, enrollment, results and the record date.

    The API's base URL is _config.yml livingreview.sources.ctgov, or LIVINGREVIEW_CTGOV_URL.
    """
    from livingreview.authoring.registry.refresh import refresh

    refresh(find_project(), apply=apply, report=typer.echo)


@app.command()
@reports_errors
def pdf() -> None:
    """Print every chapter and the whole book to PDF, and answer keys with the solutions shown
    to _build/pdf/answers (needs Debian's chromium)."""
    from livingreview.book.pdf import build_pdfs

    build_pdfs(find_project())


search_app = typer.Typer(
    no_args_is_help=False,
    help="Run the saved search strategies (data/search_strategies.yml); log manual searches.",
)
app.add_typer(search_app, name="search")


@search_app.callback(invoke_without_command=True)
@reports_errors
def search(
    ctx: typer.Context,
    source: Annotated[
        list[str] | None,
        typer.Option("--source", help="Run only this strategy (name or source); repeat."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print each request and what would change.")
    ] = False,
) -> None:
    """Run every saved API strategy (network): log one row per source, write the run's
    identifiers to data/searches/<run id>/, add new records to screening as awaiting."""
    if ctx.invoked_subcommand is not None:
        return
    from livingreview.authoring.search.run import search as run_search

    run_search(find_project(), source, dry_run=dry_run, report=typer.echo)


@search_app.command("log-manual")
@reports_errors
def search_log_manual(
    source: Annotated[str, typer.Option(help="The saved manual strategy (name or source).")],
    hits: Annotated[int, typer.Option(help="Total results the source reported.")],
    query: Annotated[str, typer.Option(help="Query as typed (default: the saved one).")] = "",
    date: Annotated[str, typer.Option(help="Date searched, YYYY-MM-DD (default: today).")] = "",
    record: Annotated[
        list[str] | None, typer.Option("--id", help="A record id found, e.g. ChiCTR2400082783.")
    ] = None,
    notes: Annotated[str, typer.Option(help="What the search turned up, in words.")] = "",
) -> None:
    """Log a search run by hand in a source without an API (ChiCTR, ICTRP, EU registers...)."""
    from livingreview.authoring.search.manual import log_manual

    typer.echo(log_manual(find_project(), source, hits, query, date, record or [], notes))


@search_app.command("log-lookup")
@reports_errors
def search_log_lookup(
    source: Annotated[str, typer.Option(help="Where, e.g. ClinicalTrials.gov or PubMed.")],
    query: Annotated[str, typer.Option(help="The record id or address looked up.")],
    date: Annotated[str, typer.Option(help="Date, YYYY-MM-DD (default: today).")] = "",
    notes: Annotated[str, typer.Option(help="What the record showed, in words.")] = "",
) -> None:
    """Log a verification of a known record: recorded, but it never moves 'last searched'."""
    from livingreview.authoring.search.manual import log_lookup

    typer.echo(log_lookup(find_project(), source, query, date, notes))


screening_app = typer.Typer(no_args_is_help=True, help="Screen records with external tools.")
app.add_typer(screening_app, name="screening")


@screening_app.command("export")
@reports_errors
def screening_export(
    output: Annotated[Path, typer.Option("-o", "--output", help="RIS file to write.")] = Path(
        "awaiting-screening.ris"
    ),
) -> None:
    """Write the records awaiting screening as RIS (Rayyan, EndNote, ASReview, Zotero)."""
    from livingreview.authoring.search.ris import export_awaiting

    count = export_awaiting(find_project(), output)
    typer.echo(f"wrote {count} record(s) awaiting screening to {output}")


@screening_app.command("import")
@reports_errors
def screening_import(
    file: Annotated[Path, typer.Argument(help="CSV: record_id, decision, exclusion_reason.")],
) -> None:
    """Apply screening decisions from a CSV; every problem is listed and nothing is written."""
    from livingreview.authoring.search.decisions import import_decisions

    changed = import_decisions(find_project(), file)
    typer.echo(f"updated {changed} record(s) in data/screening.csv")
