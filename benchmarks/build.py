"""Build-speed benchmark: prints times and ratios, from one run on temporary copies.

Stages (``--stages`` picks some, comma-separated; the default runs all, in this order):

- ``clean``, ``noop``, ``edit``: `livingreview book` (both editions) on a fresh copy: a clean
  build, a rebuild with nothing changed, and a rebuild after editing one row of one data file,
  checked in both editions (the edited value on the English and on the Chinese page);
- ``force``, ``cache``: plain `jupyter-book build` of the same two editions (English, then the
  Chinese with ``language: zh_CN``, as livingreview stages it) with ``execute_notebooks`` set
  to ``force`` or ``cache``: clean, no-op and the same one-row edit;
- ``scale``: `livingreview book` on a synthetic copy with 10 times the evidence rows and 3 times
  the analyses (generated here, never committed): clean, no-op, one-row edit;
- ``watch``: seconds from saving a file to the page reloaded by `livingreview serve --watch`
  showing the change, for a data edit, a chapter edit and a translation edit (a msgstr of the
  Chinese catalog, checked on the Chinese page). Needs Debian's chromium.

The no-op and one-row edit builds run three times (the edit, its revert, the edit again) and
their median is reported. Every figure is printed as soon as it is measured; a stage that
fails is reported and the others go on. The summary at the end gives each ratio and whether
its target is met. Exit status 0 only when every selected stage ran.

The edits are derived from the data: the first pooled estimate moves by 0.01 towards its upper
bound and the expected text is computed with the package's own formatting, in each edition's
words; the chapter and translation edits append a marker to text found in the files.

    .venv/bin/python benchmarks/build.py [--stages clean,noop,edit]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
IGNORE = shutil.ignore_patterns(".venv", "_build", ".git", "__pycache__", ".*_cache")
# `python -m livingreview` run in the copy imports the copy's package (the console script
# would import wherever the virtualenv's editable install points).
CLI = [sys.executable, "-m", "livingreview"]
STAGES = ("clean", "noop", "edit", "force", "cache", "scale", "watch")
REPEAT = 3  # no-op and one-row edit builds per pipeline; the median is reported
TIMEOUT = 1800  # seconds for any one command: a hung build fails its stage, not the run
ZH = "zh_CN"
LIVINGREVIEW = "livingreview book"
SCALED = "livingreview book, scaled"  # 10 times the evidence rows, 3 times the analyses

TARGETS = {  # ratio or seconds, and the figure it bounds
    "no-op / clean": 0.05,
    "one-row edit / clean": 0.25,
    "clean / plain force clean": 0.90,
    "scaled one-row edit / scaled clean": 0.25,
    "edit to reloaded page (s)": 5.0,
}


def median(values: list[float]) -> float:
    return statistics.median(values)


class StageFailed(Exception):
    pass


def say(text: str = "") -> None:
    print(text, flush=True)


def environment(root: Path, **extra: str) -> dict[str, str]:
    # The copy's package for the CLI, the kernels and the Sphinx extension alike.
    return {**os.environ, "PYTHONPATH": str(root), **extra}


def timed(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            cmd, cwd=cwd, capture_output=True, text=True, env=env or environment(cwd),
            timeout=TIMEOUT,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise StageFailed(f"{' '.join(cmd)} did not finish in {TIMEOUT} s") from None
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise StageFailed(f"{' '.join(cmd)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return elapsed


def copy_of(tmp: Path, name: str) -> Path:
    """A copy of the snapshot taken when the run started (edits made meanwhile stay out)."""
    root = tmp / name
    shutil.copytree(tmp / "snapshot", root)
    return root


@contextlib.contextmanager
def edition_words(root: Path, language: str):
    """The analysis translator of ``language`` (as the edition's runs use it) meanwhile."""
    from livingreview.analysis import i18n

    previous = i18n.active()
    i18n._active = i18n.translator(language, root)
    try:
        yield
    finally:
        i18n._active = previous


class Edit:
    """Move the first pooled estimate by 0.01 and back; the summary text each way, per edition."""

    def __init__(self, root: Path):
        from livingreview.analysis.pooled import summary

        self.path = root / "data" / "pooled_effects.csv"
        self.original = self.path.read_text(encoding="utf-8")
        rows = list(csv.DictReader(io.StringIO(self.original)))
        first = dict(rows[0])
        step = 0.01 if float(first["estimate"]) + 0.01 <= float(first["ci_high"]) else -0.01
        edited = {**first, "estimate": f"{float(first['estimate']) + step:.2f}"}
        self.old_text, self.new_text = {}, {}
        for language in ("en", ZH):
            with edition_words(root, language):
                self.old_text[language] = summary(_typed(first))
                self.new_text[language] = summary(_typed(edited))
        lines = self.original.splitlines(keepends=True)
        out = io.StringIO()
        csv.writer(out, lineterminator=lines[1][len(lines[1].rstrip("\r\n")) :]).writerow(
            edited.values()
        )
        self.edited = lines[0] + out.getvalue() + "".join(lines[2:])

    def apply(self) -> None:
        self.path.write_text(self.edited, encoding="utf-8")

    def revert(self) -> None:
        self.path.write_text(self.original, encoding="utf-8")


def _typed(row: dict) -> dict:
    return {**row, **{k: float(row[k]) for k in ("estimate", "ci_low", "ci_high")}}


def shows(html: Path, texts: dict[str, str], folders: dict[str, Path] | None = None) -> str:
    """'yes' when every edition's chapters show its text, else which editions are stale."""
    folders = folders or {"en": html, ZH: html / "zh"}
    stale = [
        language
        for language, text in texts.items()
        if not any(
            text in p.read_text(encoding="utf-8") for p in folders[language].glob("chapters/*.html")
        )
    ]
    return "yes" if not stale else "NO (value not on the page: " + ", ".join(stale) + ")"


def bench_livingreview(root: Path, steps: list[str], label: str, figures: dict) -> None:
    html = root / "_build" / "html"
    edit = Edit(root)
    first = timed([*CLI, "book"], root)
    record(figures, label, "clean", first, shows(html, edit.old_text), shown="clean" in steps)
    # The shared machine is noisy: the short steps are repeated and their median kept (the
    # edit and its revert are each a one-row edit).
    if "noop" in steps:
        runs = [timed([*CLI, "book"], root) for _ in range(REPEAT)]
        record(figures, label, "no-op", median(runs), shows(html, edit.old_text), runs=runs)
    if "edit" in steps:
        runs, correct = [], []
        for number in range(REPEAT):
            forward = number % 2 == 0
            edit.apply() if forward else edit.revert()
            runs.append(timed([*CLI, "book"], root))
            correct.append(shows(html, edit.new_text if forward else edit.old_text))
        verdict = "yes" if all(c == "yes" for c in correct) else "; ".join(correct)
        record(figures, label, "one-row edit", median(runs), verdict, runs=runs)


def plain_configs(root: Path, mode: str) -> dict[str, Path]:
    """_config.yml for plain Jupyter Book in ``mode``, one per edition (as livingreview stages
    the Chinese one: the same sources with ``language: zh_CN`` and the search dictionary)."""
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    config["execute"]["execute_notebooks"] = mode
    out = {}
    for language in ("en", ZH):
        edition = json.loads(json.dumps(config))
        if language != "en":
            sphinx = edition.setdefault("sphinx", {}).setdefault("config", {})
            sphinx["language"] = language
            words = Path("locales") / language / "search-dictionary.txt"
            if (root / words).is_file():
                sphinx["html_search_options"] = {"dict": words.as_posix()}
        path = root / f"_config.{mode}.{language}.yml"
        path.write_text(yaml.safe_dump(edition, allow_unicode=True, sort_keys=False), "utf-8")
        out[language] = path
    return out


def bench_jupyter_book(root: Path, mode: str, figures: dict) -> None:
    configs = plain_configs(root, mode)
    outputs = {lang: root / "_build" / f"jb-{mode}-{lang}" for lang in configs}
    # Jupyter Book on its own: the book's extension otherwise refuses unstaged sources.
    env = environment(root, LIVINGREVIEW_PLAIN_BUILD="1")

    def build() -> float:
        seconds = 0.0
        for language, config in configs.items():
            cmd = [str(BIN / "jupyter-book"), "build", ".", "--config", str(config)]
            cmd += ["--path-output", str(outputs[language]), "-q"]
            seconds += timed(cmd, root, env)
        return seconds

    folders = {lang: out / "_build" / "html" for lang, out in outputs.items()}
    edit = Edit(root)
    label = f"jupyter-book, {mode}"
    record(figures, label, "clean", build(), shows(root, edit.old_text, folders))
    record(figures, label, "no-op", build(), shows(root, edit.old_text, folders))
    edit.apply()
    record(figures, label, "one-row edit", build(), shows(root, edit.new_text, folders))


def scale_up(root: Path, rows: int = 10, analyses: int = 3) -> None:
    """A larger book: every evidence table times ``rows``, every analysis times ``analyses``."""
    descriptor = json.loads((root / "data" / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        if resource["name"] in ("releases", "surveillance_log", "screening"):
            continue  # the record of the review, not evidence rows
        path = root / "data" / resource["path"]
        header, *body = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        key = header.index(resource["schema"]["primaryKey"][0])
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(body)
        for copy in range(1, rows):
            for number, row in enumerate(body):
                row = list(row)
                if row[key].startswith("NCT"):
                    row[key] = f"NCT9{copy:02d}{number:05d}"
                elif row[key].startswith("ChiCTR"):
                    row[key] = f"ChiCTR9{copy:02d}{number:07d}"
                else:
                    row[key] = f"{row[key]}_s{copy}"
                writer.writerow(row)
        path.write_text(out.getvalue(), encoding="utf-8")
    manifest = yaml.safe_load((root / "analyses" / "manifest.yml").read_text(encoding="utf-8"))
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    extra = []
    for copy in range(1, analyses):
        for run in list(manifest["runs"]):
            if "_x" in run["name"]:
                continue
            name = f"{run['name']}_x{copy}"
            shutil.copy(root / run["notebook"], root / "analyses" / f"{name}.ipynb")
            manifest["runs"].append({**run, "name": name, "notebook": f"analyses/{name}.ipynb"})
            extra.append({"file": f"analyses/{name}"})
    toc["parts"].append({"caption": "Synthetic copies", "chapters": extra})
    (root / "analyses" / "manifest.yml").write_text(yaml.safe_dump(manifest), encoding="utf-8")
    (root / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False), encoding="utf-8")
    timed([*CLI, "validate"], root)  # the synthetic book must be valid data too


# Plain text a marker can follow: no markup that would split it on the page.
PLAIN = re.compile(r"[^`{}\[\]<>*_\\|#:$]{12,}")
LIST_ITEM = re.compile(r"^\s*(?:[-+]|\d+\.)\s+")


class ChapterEdit:
    """Append a marker to the first plain paragraph of a chapter found as such on its page."""

    MARKER = " Benchmark marker 4711."

    def __init__(self, root: Path, chapter: str):
        page = (root / "_build" / "html" / "chapters" / f"{chapter}.html").read_text("utf-8")
        self.path = root / "chapters" / f"{chapter}.md"
        self.original = self.path.read_text(encoding="utf-8")
        lines = self.original.splitlines(keepends=True)
        fence = False
        for number, line in enumerate(lines):
            fence ^= line.lstrip().startswith(("```", ":::"))
            text = line.rstrip("\n")
            nxt = lines[number + 1].strip() if number + 1 < len(lines) else ""
            shown = LIST_ITEM.sub("", text)
            if (
                not (fence or nxt)
                and PLAIN.fullmatch(text)
                and shown.endswith(".")
                and shown in page
            ):
                lines[number] = text + self.MARKER + "\n"
                # as the page shows it: a list item without its bullet or number
                self.paragraph = LIST_ITEM.sub("", text)
                self.expected = self.paragraph + self.MARKER
                self.edited = "".join(lines)
                return
        raise StageFailed(f"no plain paragraph to edit in {self.path}")

    def apply(self) -> None:
        self.path.write_text(self.edited, encoding="utf-8")


class TranslationEdit:
    """Append a marker to a one-line plain msgstr of the chapter's Chinese catalog that its
    Chinese page shows as such (hidden text such as a solution counts: the check reads the
    page's whole text)."""

    MARKER = "（基准测试标记）"

    def __init__(self, root: Path, chapter: str, avoid: str = ""):
        page = (root / "_build" / "html" / "zh" / "chapters" / f"{chapter}.html").read_text("utf-8")
        self.path = root / "locales" / ZH / "LC_MESSAGES" / "chapters" / f"{chapter}.po"
        self.original = self.path.read_text(encoding="utf-8")
        pairs = re.finditer(r'^msgid "(.+)"\nmsgstr "(.+)"$', self.original, re.MULTILINE)
        for match in pairs:
            english, text = match.groups()
            if english == avoid or text not in page:  # the chapter edit made it untranslated
                continue
            if PLAIN.fullmatch(text) and '"' not in text and re.search(r"[\u4e00-\u9fff]", text):
                self.expected = text + self.MARKER
                start, end = match.span(2)
                self.edited = self.original[:start] + self.expected + self.original[end:]
                return
        raise StageFailed(f"no plain one-line translation to edit in {self.path}")

    def apply(self) -> None:
        self.path.write_text(self.edited, encoding="utf-8")


def bench_watch(root: Path, figures: dict) -> None:
    """Seconds from saving an edit to the open page (served by `serve --watch`) showing it."""
    chromium = shutil.which("chromium")
    if not chromium:
        raise StageFailed("no chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    from livingreview.book.pdf import CHROMIUM_ARGS

    timed([*CLI, "book"], root)
    html = root / "_build" / "html"
    data = Edit(root)
    pages = [
        p for p in sorted(html.glob("chapters/*.html")) if data.old_text["en"] in p.read_text()
    ]
    if not pages:
        raise StageFailed("no page shows the edited value")
    chapter = pages[0].stem
    port = 8700 + os.getpid() % 200
    log = (root / "_build" / "serve.log").open("w")
    server = subprocess.Popen(
        [*CLI, "serve", "--watch", "--port", str(port)],
        cwd=root, env=environment(root), stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            page = browser.new_page()

            def open_page(path: str) -> None:
                for _ in range(100):
                    try:
                        page.goto(f"http://127.0.0.1:{port}/{path}")
                        break
                    except Exception:
                        time.sleep(0.2)
                page.wait_for_timeout(1500)  # the watcher is up and the page polls

            def until_shown(text: str, timeout: float = 120) -> float:
                start = time.perf_counter()
                while time.perf_counter() - start < timeout:
                    try:
                        # a reloading page may briefly have no body
                        if page.evaluate("t => !!document.body?.textContent?.includes(t)", text):
                            return time.perf_counter() - start
                    except Exception:  # the page navigated while we asked
                        pass
                    time.sleep(0.05)
                lines = (root / "_build" / "serve.log").read_text("utf-8").splitlines()
                server_log = "\n".join(ln for ln in lines if '"GET /' not in ln)[-3000:]
                raise StageFailed(f"the page never showed {text!r}\n{server_log}")

            for kind, edit, path, text in (
                ("data edit", data, f"chapters/{chapter}.html", data.new_text["en"]),
                (
                    "chapter edit",
                    (chapter_edit := ChapterEdit(root, chapter)),
                    f"chapters/{chapter}.html",
                    chapter_edit.expected,
                ),
                (
                    "translation edit",
                    (translation := TranslationEdit(root, chapter, chapter_edit.paragraph)),
                    f"zh/chapters/{chapter}.html",
                    translation.expected,
                ),
            ):
                try:
                    open_page(path)
                    start = time.perf_counter()
                    edit.apply()
                    until_shown(text)
                    record(figures, "serve --watch", kind, time.perf_counter() - start, "yes")
                except StageFailed as exc:
                    record(figures, "serve --watch", kind, None, f"FAILED: {exc}")
            browser.close()
    finally:
        server.terminate()
        server.wait()
        log.close()


def record(
    figures: dict,
    pipeline: str,
    step: str,
    seconds: float | None,
    correct: str,
    shown: bool = True,
    runs: list[float] | None = None,
) -> None:
    """Keep a figure and print it at once (a later stage may still fail)."""
    figures.setdefault(pipeline, {})[step] = (seconds, correct)
    if shown:
        value = "   -" if seconds is None else f"{seconds:8.2f} s"
        each = f" (median of {', '.join(f'{r:.2f}' for r in runs)})" if runs else ""
        say(f"  {pipeline:<26} {step:<18} {value}{each}  correct: {correct}")


def ratio_line(name: str, value: float | None, label: str | None = None) -> str:
    target = TARGETS[name]
    label = label or name
    unit = " s" if name.endswith("(s)") else ""
    if value is None:
        return f"{label:<40} {'-':>7}{unit}  (target <= {target:g}{unit}): not measured"
    verdict = "met" if value <= target else "NOT MET"
    return f"{label:<40} {value:7.2f}{unit}  (target <= {target:g}{unit}): {verdict}"


def summary(figures: dict, failed: dict[str, str]) -> None:
    def seconds(pipeline: str, step: str) -> float | None:
        return figures.get(pipeline, {}).get(step, (None, ""))[0]

    def ratio(a: float | None, b: float | None) -> float | None:
        return None if a is None or not b else a / b

    ours = seconds(LIVINGREVIEW, "clean")
    say()
    say("=" * 78)
    say(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    say(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    say("every figure builds both editions (English and Chinese)")
    say("scaled: a copy with 10 times the evidence rows and 3 times the analyses")
    say()
    say(f"{'pipeline':<30} {'step':<18} {'seconds':>8} {'/ clean':>8}  correct after the step")
    for pipeline, steps in figures.items():
        for step, (value, correct) in steps.items():
            shown = "-" if value is None else f"{value:8.2f}"
            rel = "" if value is None or not ours or pipeline == "serve --watch" else value / ours
            rel = f"{rel:8.2f}" if rel != "" else f"{'':>8}"
            say(f"{pipeline:<30} {step:<18} {shown:>8} {rel}  {correct}")
    if any(name.startswith("jupyter-book") for name in figures):
        say("(plain jupyter-book cannot give the notebooks an edition's language, so its Chinese")
        say(" pages show the English words of the analyses; after a data edit it executes nothing,")
        say(" since no source it reads changed, so its pages keep the old value)")
    say()
    say(ratio_line("no-op / clean", ratio(seconds(LIVINGREVIEW, "no-op"), ours)))
    say(ratio_line("one-row edit / clean", ratio(seconds(LIVINGREVIEW, "one-row edit"), ours)))
    say(
        ratio_line(
            "clean / plain force clean", ratio(ours, seconds("jupyter-book, force", "clean"))
        )
    )
    scaled = SCALED
    say(
        ratio_line(
            "scaled one-row edit / scaled clean",
            ratio(seconds(scaled, "one-row edit"), seconds(scaled, "clean")),
        )
    )
    for kind in ("data edit", "chapter edit", "translation edit"):
        value = seconds("serve --watch", kind)
        say(ratio_line("edit to reloaded page (s)", value, f"serve --watch, {kind} to page"))
    if failed:
        say()
        for stage, reason in failed.items():
            say(f"stage {stage} FAILED: {reason.splitlines()[0]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--stages",
        default=",".join(STAGES),
        help=f"comma-separated subset of {','.join(STAGES)} (default: all)",
    )
    args = parser.parse_args(argv)
    stages = [s.strip() for s in args.stages.split(",") if s.strip()]
    unknown = [s for s in stages if s not in STAGES]
    if unknown:
        parser.error(f"unknown stage(s) {', '.join(unknown)}; choose from {', '.join(STAGES)}")
    sys.path.insert(0, str(REPO))  # the package the copies carry, for the expected texts

    figures: dict = {}
    failed: dict[str, str] = {}
    say(f"stages: {', '.join(stages)}; started {time.strftime('%Y-%m-%d %H:%M:%S')}")
    say(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    ours = [s for s in ("clean", "noop", "edit") if s in stages]
    work = []
    if ours:
        work.append((
            "+".join(ours),
            lambda tmp: bench_livingreview(copy_of(tmp, "ours"), ours, LIVINGREVIEW, figures),
        ))  # fmt: skip
    for mode in ("force", "cache"):
        if mode in stages:
            work.append((
                mode,
                lambda tmp, m=mode: bench_jupyter_book(copy_of(tmp, f"jb-{m}"), m, figures),
            ))  # fmt: skip
    if "scale" in stages:

        def scale(tmp: Path) -> None:
            root = copy_of(tmp, "scaled")
            scale_up(root)
            label = SCALED
            bench_livingreview(root, ["clean", "noop", "edit"], label, figures)

        work.append(("scale", scale))
    if "watch" in stages:
        work.append(("watch", lambda tmp: bench_watch(copy_of(tmp, "watched"), figures)))

    with tempfile.TemporaryDirectory(prefix="livingreview-bench-") as tmp:
        shutil.copytree(REPO, Path(tmp) / "snapshot", ignore=IGNORE)
        for name, bench in work:
            say(f"stage {name} ...")
            start = time.perf_counter()
            try:
                bench(Path(tmp))
            except Exception as exc:  # report it and go on with the next stage
                reason = str(exc) if isinstance(exc, StageFailed) else traceback.format_exc()
                failed[name] = reason
                say(f"stage {name} FAILED after {time.perf_counter() - start:.0f} s:\n{reason}")
    summary(figures, failed)
    watch_failed = any(
        correct.startswith("FAILED") for _, correct in figures.get("serve --watch", {}).values()
    )
    return 1 if failed or watch_failed else 0


if __name__ == "__main__":
    sys.exit(main())
