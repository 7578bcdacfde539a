"""Build-speed benchmark: prints times and ratios, from one run on temporary copies.

Compares `livingreview book` (papermill runs with reuse + incremental Sphinx) with plain
`jupyter-book build` of the same book in `execute_notebooks: force` and `cache` modes, for
(a) a clean build, (b) a no-op rebuild and (c) a rebuild after editing one row of one data
file, and says whether the edited value reached the pages. Also prints:

- the floor for (c): running only the affected analysis plus Sphinx's incremental write;
- the same three builds on a synthetic copy with 10 times the evidence rows and 3 times the
  analyses (generated here, never committed), so the growth of cost is visible;
- the seconds from a one-row edit to the page reloaded by `livingreview serve --watch`
  showing the new value (needs Debian's chromium; skipped without it).

The edit is derived from the data: the first pooled estimate moves by 0.01 towards its upper
bound, and the new summary text is computed with the package's own formatting.

    .venv/bin/python benchmarks/build.py
"""

from __future__ import annotations

import csv
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
IGNORE = shutil.ignore_patterns(".venv", "_build", ".git", "__pycache__", ".*_cache")
CLI = [str(BIN / "livingreview")]


def timed(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return elapsed


class Edit:
    """Move the first pooled estimate by 0.01 and back; the summary text each way."""

    def __init__(self, root: Path):
        from livingreview.analysis.pooled import summary

        self.path = root / "data" / "pooled_effects.csv"
        self.original = self.path.read_text(encoding="utf-8")
        rows = list(csv.DictReader(io.StringIO(self.original)))
        first = dict(rows[0])
        self.old_text = summary(_typed(first))
        step = 0.01 if float(first["estimate"]) + 0.01 <= float(first["ci_high"]) else -0.01
        first["estimate"] = f"{float(first['estimate']) + step:.2f}"
        self.new_text = summary(_typed(first))
        lines = self.original.splitlines(keepends=True)
        out = io.StringIO()
        csv.writer(out, lineterminator=lines[1][len(lines[1].rstrip("\r\n")) :]).writerow(
            first.values()
        )
        self.edited = lines[0] + out.getvalue() + "".join(lines[2:])

    def apply(self) -> None:
        self.path.write_text(self.edited, encoding="utf-8")

    def revert(self) -> None:
        self.path.write_text(self.original, encoding="utf-8")


def _typed(row: dict) -> dict:
    return {**row, **{k: float(row[k]) for k in ("estimate", "ci_low", "ci_high")}}


def shows(html: Path, text: str) -> bool:
    return any(text in p.read_text(encoding="utf-8") for p in html.glob("chapters/*.html"))


def bench_livingreview(root: Path, floor: bool = True) -> dict[str, tuple[float, bool | None]]:
    html = root / "_build" / "html"
    edit = Edit(root)
    out = {"clean": (timed([*CLI, "book"], root), shows(html, edit.old_text))}
    out["no-op"] = (timed([*CLI, "book"], root), shows(html, edit.old_text))
    edit.apply()
    out["one-row edit"] = (timed([*CLI, "book"], root), shows(html, edit.new_text))
    if floor:  # only the affected analysis, then Sphinx's incremental write
        edit.revert()
        seconds = timed([*CLI, "run", "pooled_effects"], root) + timed([*CLI, "build"], root)
        out["floor for edit"] = (seconds, shows(html, edit.old_text))
    return out


def bench_jupyter_book(root: Path, mode: str) -> dict[str, tuple[float, bool | None]]:
    config = root / f"_config.{mode}.yml"
    config.write_text(
        (root / "_config.yml")
        .read_text(encoding="utf-8")
        .replace('execute_notebooks: "off"', f'execute_notebooks: "{mode}"'),
        encoding="utf-8",
    )
    out_dir = root / "_build" / f"jb-{mode}"
    cmd = [str(BIN / "jupyter-book"), "build", ".", "--config", str(config)]
    cmd += ["--path-output", str(out_dir), "-q"]
    html = out_dir / "_build" / "html"
    # Jupyter Book on its own: the book's extension otherwise refuses unstaged sources.
    env = {**os.environ, "LIVINGREVIEW_PLAIN_BUILD": "1"}
    edit = Edit(root)
    out = {"clean": (timed(cmd, root, env), shows(html, edit.old_text))}
    out["no-op"] = (timed(cmd, root, env), shows(html, edit.old_text))
    edit.apply()
    out["one-row edit"] = (timed(cmd, root, env), shows(html, edit.new_text))
    edit.revert()
    return out


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


def bench_watch(root: Path) -> float | None:
    """Seconds from saving a one-row edit to the open page showing the new value."""
    chromium = shutil.which("chromium")
    if not chromium:
        return None
    from playwright.sync_api import sync_playwright

    from livingreview.book.pdf import CHROMIUM_ARGS

    timed([*CLI, "book"], root)
    edit = Edit(root)
    port = 8700 + os.getpid() % 200
    server = subprocess.Popen(
        [*CLI, "serve", "--watch", "--port", str(port)],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            page = browser.new_page()
            for _ in range(50):
                try:
                    page.goto(f"http://127.0.0.1:{port}/chapters/preclinical.html")
                    break
                except Exception:
                    time.sleep(0.2)
            page.wait_for_timeout(1500)  # the watcher is up and the page polls
            start = time.perf_counter()
            edit.apply()
            page.wait_for_function(
                "text => document.body.innerText.includes(text)", arg=edit.new_text, timeout=60_000
            )
            seconds = time.perf_counter() - start
            browser.close()
    finally:
        server.terminate()
        server.wait()
    return seconds


def table(results: dict, reference: float) -> None:
    print(f"{'pipeline':<30} {'step':<16} {'seconds':>8} {'/ clean':>8}  correct")
    for name, steps in results.items():
        for step, (seconds, correct) in steps.items():
            flag = {True: "yes", False: "NO (stale)", None: "-"}[correct]
            print(f"{name:<30} {step:<16} {seconds:8.2f} {seconds / reference:8.2f}  {flag}")


def main() -> None:
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, bench in (
            ("livingreview book", bench_livingreview),
            ("jupyter-book, force", lambda r: bench_jupyter_book(r, "force")),
            ("jupyter-book, cache", lambda r: bench_jupyter_book(r, "cache")),
        ):
            root = Path(tmp) / name.replace(" ", "_").replace(",", "")
            shutil.copytree(REPO, root, ignore=IGNORE)
            print(f"benchmarking {name} ...", file=sys.stderr, flush=True)
            results[name] = bench(root)
        scaled = Path(tmp) / "scaled"
        shutil.copytree(REPO, scaled, ignore=IGNORE)
        scale_up(scaled)
        print("benchmarking the scaled copy ...", file=sys.stderr, flush=True)
        scale = bench_livingreview(scaled, floor=False)
        watched = Path(tmp) / "watched"
        shutil.copytree(REPO, watched, ignore=IGNORE)
        print("benchmarking serve --watch ...", file=sys.stderr, flush=True)
        watch = bench_watch(watched)

    ours = results["livingreview book"]
    ours_clean = ours["clean"][0]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    table(results, ours_clean)
    force_clean = results["jupyter-book, force"]["clean"][0]
    print()
    print(f"no-op / clean           {ours['no-op'][0] / ours_clean:6.2f}  (target <= 0.05)")
    print(f"one-row edit / clean    {ours['one-row edit'][0] / ours_clean:6.2f}  (target <= 0.25)")
    print(f"clean / force clean     {ours_clean / force_clean:6.2f}  (target <= 0.90)")
    print()
    print("scale: 10x evidence rows, 3x analyses")
    table({"livingreview book (real)": ours, "livingreview book (scaled)": scale}, ours_clean)
    print(
        f"scaled one-row edit / scaled clean {scale['one-row edit'][0] / scale['clean'][0]:6.2f}"
        "  (target <= 0.25)"
    )
    print()
    if watch is None:
        print("serve --watch: skipped (no chromium)")
    else:
        print(f"serve --watch, one-row edit to reloaded page: {watch:.2f} s  (goal < 5 s)")


if __name__ == "__main__":
    main()
