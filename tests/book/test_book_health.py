"""Book health: clean notebooks, a consistent table of contents, internal links, determinism."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml
from conftest import REPO

from livingreview.analysis.confirmation import MARKER
from livingreview.analysis.display import SYMBOL
from livingreview.book.manifest import load_manifest
from livingreview.data.bib import anchor, citation_labels
from livingreview.data.identity import identity
from livingreview.data.package import evidence_current_to, load_table, resources, split_list
from livingreview.data.project import Project
from livingreview.data.releases import evidence_words, next_update_due, past_releases

SKELETON = ("## Overview", "## Prerequisites", "## Content", "## Summary", "## Resources")


def committed_notebooks(root: Path) -> list[Path]:
    return sorted((root / "analyses").glob("*.ipynb"))


def test_committed_notebooks_carry_no_outputs_and_share_one_skeleton(book_source):
    assert committed_notebooks(book_source)
    for path in committed_notebooks(book_source):
        nb = json.loads(path.read_text(encoding="utf-8"))
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert all(not c["outputs"] and c["execution_count"] is None for c in code), path.name
        assert any("parameters" in c["metadata"].get("tags", []) for c in code), path.name
        # results first: every code cell a reader could see is folded behind "Show code"
        shown = [c for c in code if "remove-cell" not in c["metadata"].get("tags", [])]
        assert all("hide-input" in c["metadata"].get("tags", []) for c in shown), path.name
        markdown = "\n".join(
            "".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"
        )
        missing = [heading for heading in SKELETON if heading not in markdown]
        assert not missing, f"{path.name} lacks {missing}"


def toc_files(root: Path) -> list[str]:
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]
    for part in toc["parts"]:
        files += [entry["file"] for entry in part["chapters"]]
    return files


def test_every_analysis_run_is_in_the_book_and_every_toc_entry_exists(book_source):
    runs = load_manifest(Project(book_source))
    files = toc_files(book_source)
    assert {f"analyses/{run.name}" for run in runs} <= set(files)
    for entry in files:
        folder = entry.split("/")[0]
        suffix = ".ipynb" if folder == "analyses" else ".md"
        assert (book_source / f"{entry}{suffix}").is_file(), entry
    chapters = {p.stem for p in (book_source / "chapters").glob("*.md")}
    assert chapters == {f.split("/")[1] for f in files if f.startswith("chapters/")}


def test_chapter_labels_match_file_names(book_source):
    for path in (book_source / "chapters").glob("*.md"):
        first = path.read_text(encoding="utf-8").lstrip().splitlines()[0]
        assert first == f"({path.stem})=", path.name


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        for key in ("href", "src"):
            if attrs.get(key):
                self.links.append(attrs[key])


def parse(path: Path) -> Links:
    parser = Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_internal_links_and_anchors_resolve(checked_book):
    html = checked_book / "_build" / "html"
    pages = {p: parse(p) for p in html.rglob("*.html") if "_static" not in p.parts}
    broken = []
    for page, parsed in pages.items():
        for link in parsed.links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith(("//", "mailto:", "javascript:")):
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(html)} -> {link}")
            elif parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else parse(target).ids
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{page.relative_to(html)} -> {link} (no anchor)")
    assert broken == []


def test_every_page_with_a_figure_offers_reproduce_and_downloads(checked_book):
    html = checked_book / "_build" / "html"
    for page in html.rglob("chapters/*.html"):
        text = page.read_text(encoding="utf-8")
        figures = text.count('class="analysis-figure')
        if figures:
            assert text.count("reproduce-box") == figures, page.name
            assert re.search(r'href="\.\./_downloads/[0-9a-f]+/[a-z_]+\.(csv|json)"', text), (
                page.name
            )


def test_a_figure_holding_a_table_is_numbered_as_a_table(checked_book):
    """A table must not be captioned "Fig.": its directive needs a ``tbl-`` name."""
    html = checked_book / "_build" / "html"
    checked = 0
    for page in html.rglob("chapters/*.html"):
        text = page.read_text(encoding="utf-8")
        for figure in re.findall(r'<figure class="analysis-figure.*?</figure>', text, re.S):
            number = re.search(r'class="caption-number">([^<]*)<', figure)
            if "<table" in figure and number:
                checked += 1
                assert not number.group(1).startswith("Fig"), (page.name, number.group(1))
    assert checked


def test_reproduce_boxes_give_commands_that_start_from_a_clone(checked_book):
    """The box's commands: clone the book's repository, check out the release the page was
    built from (when it is a tagged release), set up as the README says, reproduce."""
    from livingreview.book.reproduce import built_from

    me = identity(Project(checked_book))
    runs = {run.name for run in load_manifest(Project(checked_book))}
    built = built_from(Project(checked_book))
    checkout = [f"git checkout {built.tag}"] if built.tag else []
    html = checked_book / "_build" / "html"
    boxes = 0
    for page in html.rglob("chapters/*.html"):
        for box in re.findall(r"reproduce-box.*?</pre>", page.read_text(encoding="utf-8"), re.S):
            lines = re.sub(r"<[^>]+>", "", box.split("<pre>", 1)[1]).strip().splitlines()
            assert lines[:-1] == [f"git clone {me.repository_url}", f"cd {me.clone_folder}",
                                  *checkout, "make book"], page.name  # fmt: skip
            command = lines[-1].split()
            assert command[:2] == [".venv/bin/livingreview", "reproduce"] and command[2] in runs
            boxes += 1
    assert boxes


def test_two_clean_builds_are_identical(built_book, cloned_book):
    other = cloned_book  # built in another folder, from a clone
    for folder in ("_build/executed", "_build/html"):
        first = {
            p.relative_to(built_book / folder): p.read_bytes()
            for p in (built_book / folder).rglob("*")
            if p.is_file()
        }
        second = {
            p.relative_to(other / folder): p.read_bytes()
            for p in (other / folder).rglob("*")
            if p.is_file()
        }
        assert sorted(first) == sorted(second), folder
        differing = [str(name) for name in first if first[name] != second[name]]
        assert differing == [], f"{folder}: {differing[:10]}"


def test_moved_pages_redirect_to_pages_that_exist(checked_book):
    config = yaml.safe_load((checked_book / "_config.yml").read_text(encoding="utf-8"))
    redirects = config["sphinx"]["config"]["redirects"]  # sphinx-reredirects: relative targets
    html = checked_book / "_build" / "html"
    assert redirects
    for old, new in redirects.items():
        page = (html / f"{old}.html").read_text(encoding="utf-8")
        target = re.search(r'url=([^"]+)"', page).group(1)
        assert target == new
        assert (html / old).parent.joinpath(target).is_file()


def test_about_page_shows_bibtex_for_the_book_and_each_chapter(checked_book):
    page = (checked_book / "_build" / "html" / "chapters" / "about.html").read_text(
        encoding="utf-8"
    )
    about = re.sub(r"<[^>]+>", "", page)  # the BibTeX is syntax-highlighted
    assert "@book{msc_sepsis_living_review" in about
    assert "@incollection{msc_sepsis_preclinical" in about
    citation = yaml.safe_load((checked_book / "CITATION.cff").read_text(encoding="utf-8"))
    assert f"Version {citation['version']}" in about


def test_every_review_chapter_shows_its_evidence_date_search_next_update_and_version(checked_book):
    project = Project(checked_book)
    current_to = evidence_current_to(project)
    due = next_update_due(project, current_to)
    assert due and due > current_to  # the book sets an update interval
    version = past_releases(project)[-1]["version"]
    # the first words follow the log: the evidence date and a complete run's date, else the
    # date known records were verified and the pending run
    evidence = (
        f"{'; '.join(evidence_words(project))}; next update due {due}. Book version {version}"
    )
    for docname in project.review_chapters():
        text = (checked_book / "_build" / "html" / f"{docname}.html").read_text(encoding="utf-8")
        assert evidence in text, docname


def test_every_glued_chart_carries_a_static_svg_for_print(checked_book):
    charts = 0
    for notebook in (checked_book / "_build" / "executed").glob("*.ipynb"):
        nb = json.loads(notebook.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                html = data.get("application/papermill.record/text/html", "")
                if 'class="vega-chart"' in html:
                    charts += 1
                    svg = data.get("application/papermill.record/image/svg+xml", "")
                    assert svg.lstrip().startswith("<svg"), notebook.name
                    assert 'aria-label="' in html, notebook.name  # text alternative
    assert charts >= 4  # forest plot, trial timeline, evidence map, meta-analysis forest plot


def test_vega_loads_only_on_pages_that_draw_a_chart(checked_book):
    html = checked_book / "_build" / "html"
    pages = [p for p in html.rglob("*.html") if "_static" not in p.parts]
    with_chart = [p for p in pages if 'class="vega-chart"' in p.read_text(encoding="utf-8")]
    assert with_chart and len(with_chart) < len(pages)
    for page in pages:
        loads = "vega-bundle.js" in page.read_text(encoding="utf-8")
        assert loads == (page in with_chart), page.relative_to(html)


# What the evidence analyses glue: pooled estimates and their limits (two decimals), and counts
# of studies, animals, experiments, trials and patients. A chapter must paste these, not type them.
COUNT_NOUN = r"(?:studies|animals|experiments|trials|patients|participants|publications)"
TYPED_DECIMAL = re.compile(r"(?<![\w.,/-])(\d+\.\d\d)(?![\w/-]|\.\d)")
TYPED_COUNT = re.compile(r"(?<![\w.,/-])(\d{1,3}(?:,\d{3})+|\d+)\s+(?:\w+\s+){0,2}?" + COUNT_NOUN)
PASTED_OR_CODE = re.compile(
    r"\{glue:[^}]*\}`[^`]*`|\{(?:cite|numref|ref|doc|term)[^}]*\}`[^`]*`|```.*?```|`[^`]*`", re.S
)


def glued_evidence_numbers(root: Path) -> tuple[set[str], set[str]]:
    from conftest import table_rows

    effects = table_rows(root, "pooled_effects")
    decimals = {f"{float(r[c]):.2f}" for r in effects for c in ("estimate", "ci_low", "ci_high")}
    counts = {r[c] for r in effects for c in ("n_studies", "n_animals") if r[c]}
    counts |= {r["n_patients"] for r in table_rows(root, "clinical_studies") if r["n_patients"]}
    counts |= {
        str(len(table_rows(root, name))) for name in ("preclinical_studies", "clinical_studies")
    }
    return decimals, {c for c in counts if int(c) >= 10}


# Times and doses the analyses glue as text (an animal study's timing, a subgroup's cut-off), and
# the ways prose could type them again: "6 h" or "6 hours", "day 8", "1.0×10⁶" or "1.0 × 10⁶".
HOURS = re.compile(r"(\d+(?:\.\d+)?)\s*(?:h|hours?)\b")
DAY = re.compile(r"\bday\s+(\d+)\b")
POWER = re.compile(r"(\d+(?:\.\d+)?)\s*×\s*10([⁰¹²³⁴⁵⁶⁷⁸⁹]+)")


def glued_quantity_patterns(root: Path) -> dict[str, re.Pattern]:
    """One pattern per time or dose in a glued text value, matching any spelling of it."""
    from conftest import table_rows

    values = [r["timing"] for r in table_rows(root, "preclinical_studies")]
    values += [r["subgroup"] for r in table_rows(root, "pooled_effects")]
    patterns = {}
    for value in values:
        for n in HOURS.findall(value):
            patterns[f"{n} h"] = re.compile(rf"(?<![\w.]){re.escape(n)}\s*(?:h|hours?)\b")
        for n in DAY.findall(value):
            patterns[f"day {n}"] = re.compile(rf"\bday\s+{re.escape(n)}\b")
        for base, power in POWER.findall(value):
            patterns[f"{base}×10{power}"] = re.compile(rf"{re.escape(base)}\s*×\s*10{power}")
    return patterns


def book_prose(root: Path) -> dict[str, str]:
    """Each chapter and the markdown of each analysis, without pasted values and code."""
    prose = {
        c.name: c.read_text(encoding="utf-8") for c in sorted((root / "chapters").glob("*.md"))
    }
    for notebook in sorted((root / "analyses").glob("*.ipynb")):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        prose[notebook.name] = "\n".join(
            "".join(c["source"]) for c in cells if c["cell_type"] == "markdown"
        )
    return {name: PASTED_OR_CODE.sub("", text) for name, text in prose.items()}


def typed_numbers(prose: dict[str, str], root: Path) -> list[tuple[str, str]]:
    decimals, counts = glued_evidence_numbers(root)
    quantities = glued_quantity_patterns(root)
    typed = []
    for name, text in prose.items():
        typed += [(name, n) for n in TYPED_DECIMAL.findall(text) if n in decimals]
        typed += [(name, n) for n in TYPED_COUNT.findall(text) if n.replace(",", "") in counts]
        typed += [(name, q) for q, pattern in quantities.items() if pattern.search(text)]
    return typed


def test_no_chapter_types_a_number_the_analyses_glue(book_source):
    assert typed_numbers(book_prose(book_source), book_source) == []


def test_the_typed_number_check_catches_a_typed_estimate(tmp_path):
    decimals, counts = glued_evidence_numbers(REPO)
    estimate, count = sorted(decimals)[0], sorted(counts)[0]
    prose = f"MSCs gave an odds ratio of {estimate} across {count} animal studies."
    assert TYPED_DECIMAL.findall(prose) == [estimate]
    assert TYPED_COUNT.findall(prose) == [count]
    assert sorted(n for _, n in typed_numbers({"x.md": prose}, REPO)) == sorted([estimate, count])


def test_the_typed_number_check_catches_a_typed_time_or_dose():
    from conftest import table_rows

    # The first animal study whose glued timing holds a number of hours, and the dose cut-off.
    timing = next(
        r["timing"] for r in table_rows(REPO, "preclinical_studies") if HOURS.search(r["timing"])
    )
    hours = HOURS.search(timing).group(1)
    cut_off = next(
        r["subgroup"] for r in table_rows(REPO, "pooled_effects") if POWER.search(r["subgroup"])
    )
    base, power = POWER.search(cut_off).groups()
    for prose in (
        f"Cells were given {hours} hours after surgery.",
        f"Cells were given {hours} h after surgery.",
        f"Doses of {base} × 10{power} cells or more.",
    ):
        assert typed_numbers({"x.md": prose}, REPO), prose
    pasted = "Cells were given {glue:text}`../analyses/evidence_tables.ipynb::t:s`."
    assert typed_numbers(book_prose_of({"x.md": pasted}), REPO) == []


def book_prose_of(texts: dict[str, str]) -> dict[str, str]:
    return {name: PASTED_OR_CODE.sub("", text) for name, text in texts.items()}


class Cells(HTMLParser):
    """Each table cell of a page: its text and the links in it."""

    def __init__(self):
        super().__init__()
        self.cells: list[tuple[str, list[tuple[str, str]]]] = []
        self._cell: list | None = None
        self._href: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "td":
            self._cell = ["", []]
        elif tag == "a" and self._cell is not None:
            self._href = dict(attrs).get("href", "")
            self._cell[1].append([self._href, ""])

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self.cells.append((self._cell[0], [tuple(link) for link in self._cell[1]]))
            self._cell = None
        elif tag == "a":
            self._href = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[0] += data
            if self._href is not None:
                self._cell[1][-1][1] += data


def test_every_table_cell_naming_a_reference_links_to_its_bibliography_entry(checked_book):
    project = Project(checked_book)
    html = checked_book / "_build" / "html"
    bibliography = html / "chapters" / "bibliography.html"
    entries = parse(bibliography).ids
    labels = citation_labels(project)
    key_of = {anchor(key): key for key in labels}
    # every key a data table names in a reference column, as the data says
    named = set()
    for name, resource in resources(project).items():
        for f in resource.fields:
            if f.bibkeys:
                for value in load_table(name, project)[f.name].dropna():
                    named.update(split_list(value))
    linked, raw = set(), []
    for page in [*html.glob("chapters/*.html"), *html.glob("analyses/*.html")]:
        cells = Cells()
        cells.feed(page.read_text(encoding="utf-8"))
        for text, links in cells.cells:
            for href, label in links:
                target, _, fragment = href.partition("#")
                if (page.parent / target).resolve() != bibliography.resolve():
                    continue
                assert fragment in entries, f"{page.name}: {href} has no entry"
                # an unconfirmed study's name carries the symbol (the evidence map's marker)
                shown_label = label.removesuffix(SYMBOL).removesuffix(f" [{MARKER}]")
                assert shown_label == labels[key_of[fragment]], (
                    f"{page.name}: {href} shows {label!r}"
                )
                linked.add(key_of[fragment])
            if not links and text.strip() in named:
                raw.append(f"{page.name}: {text.strip()}")
    assert raw == []
    shown = {"preclinical_studies", "clinical_studies", "mechanisms"}  # tables with a reference
    for name in shown:  # column in the book
        column = next(f.name for f in resources(project)[name].fields if f.bibkeys)
        keys = {k for v in load_table(name, project)[column].dropna() for k in split_list(v)}
        assert keys <= linked, name
