"""Build-speed benchmark: prints times and ratios, from one run on a temporary copy.

Compares `livingreview book` (papermill runs with reuse + incremental Sphinx) with plain
`jupyter-book build` of the same book in `execute_notebooks: force` and `cache` modes, for
(a) a clean build, (b) a no-op rebuild and (c) a rebuild after editing one row of one data
file, and says whether the edited value reached the chapter. Also prints the floor for (c):
running only the affected analysis plus Sphinx's incremental write.

    .venv/bin/python benchmarks/build.py
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
IGNORE = shutil.ignore_patterns(".venv", "_build", ".git", "__pycache__", ".*_cache")
OLD_ROW, NEW_ROW = ",0.29,0.22,0.38,", ",0.31,0.22,0.38,"
OLD_TEXT, NEW_TEXT = "OR 0.29 (95% CI 0.22 to 0.38)", "OR 0.31 (95% CI 0.22 to 0.38)"


def timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return elapsed


def edit_row(root: Path, old: str, new: str) -> None:
    data = root / "data" / "pooled_effects.csv"
    text = data.read_text(encoding="utf-8")
    assert old in text, f"benchmark row {old!r} not found"
    data.write_text(text.replace(old, new, 1), encoding="utf-8")


def shows(html: Path, text: str) -> bool:
    page = html / "chapters" / "preclinical.html"
    return page.is_file() and text in page.read_text(encoding="utf-8")


def bench_livingreview(root: Path) -> dict[str, tuple[float, bool | None]]:
    cli = [str(BIN / "livingreview")]
    html = root / "_build" / "html"
    out = {"clean": (timed([*cli, "book"], root), shows(html, OLD_TEXT))}
    out["no-op"] = (timed([*cli, "book"], root), shows(html, OLD_TEXT))
    edit_row(root, OLD_ROW, NEW_ROW)
    out["one-row edit"] = (timed([*cli, "book"], root), shows(html, NEW_TEXT))
    # floor for (c): only the affected analysis, then Sphinx's incremental write
    edit_row(root, NEW_ROW, OLD_ROW)
    floor = timed([*cli, "run", "pooled_effects"], root) + timed([*cli, "build"], root)
    out["floor for edit"] = (floor, shows(html, OLD_TEXT))
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
    out = {"clean": (timed(cmd, root), shows(html, OLD_TEXT))}
    out["no-op"] = (timed(cmd, root), shows(html, OLD_TEXT))
    edit_row(root, OLD_ROW, NEW_ROW)
    out["one-row edit"] = (timed(cmd, root), shows(html, NEW_TEXT))
    edit_row(root, NEW_ROW, OLD_ROW)
    return out


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

    ours_clean = results["livingreview book"]["clean"][0]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"{'pipeline':<22} {'step':<16} {'seconds':>8} {'/ our clean':>12}  correct")
    for name, steps in results.items():
        for step, (seconds, correct) in steps.items():
            flag = {True: "yes", False: "NO (stale)", None: "-"}[correct]
            print(f"{name:<22} {step:<16} {seconds:8.2f} {seconds / ours_clean:12.2f}  {flag}")
    ours = results["livingreview book"]
    force_clean = results["jupyter-book, force"]["clean"][0]
    print()
    print(f"no-op / clean           {ours['no-op'][0] / ours_clean:6.2f}  (target < 0.10)")
    print(f"one-row edit / clean    {ours['one-row edit'][0] / ours_clean:6.2f}  (target < 0.35)")
    print(f"clean / force clean     {ours_clean / force_clean:6.2f}  (target <= 1.00)")


if __name__ == "__main__":
    main()
