"""The editions of the book and their translation coverage (no Sphinx import: the build's
no-op path reads this without loading the extension).

Coverage: translated (non-fuzzy) messages / all messages of each page's catalog under
``locales/<lang>/LC_MESSAGES``; the build prints it, and the extension notes a page below
100% at its top.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# The extension's own words (stamp, reproduce box): a catalog per language, compiled at build.
EXTENSION_LOCALE_DIR = Path(__file__).resolve().parent / "sphinx" / "locale"
# Where each edition lives relative to the English root, and how its switcher link reads.
FOLDERS = {"en": "", "zh_CN": "zh"}
NAMES = {"en": ("English", "en"), "zh_CN": ("中文", "zh-CN")}
# Catalogs that are not pages: the analyses' words and Sphinx's own overrides.
NOT_PAGES = {"analysis", "sphinx"}


@dataclass(frozen=True)
class Coverage:
    docname: str
    translated: int
    total: int

    @property
    def percent(self) -> int:
        return 100 if not self.total else int(100 * self.translated / self.total)


def page_coverage(
    locale_root: Path, language: str, cache: Path | None = None
) -> dict[str, Coverage]:
    """Coverage of each page catalog (``chapters/introduction`` -> Coverage) from the .po files.

    With ``cache``, a catalog whose size and modification time are unchanged is not re-read
    (a no-op build stays fast).
    """
    import json

    folder = Path(locale_root) / language / "LC_MESSAGES"
    known = {}
    if cache is not None and cache.is_file():
        known = json.loads(cache.read_text(encoding="utf-8"))
    fresh = {}
    found: dict[str, Coverage] = {}
    for path in sorted(folder.rglob("*.po")):
        docname = path.relative_to(folder).with_suffix("").as_posix()
        if docname in NOT_PAGES:
            continue
        stat = path.stat()
        key = f"{stat.st_size}:{stat.st_mtime_ns}"
        entry = known.get(docname)
        if not entry or entry[0] != key:
            entry = [key, *_count(path)]
        fresh[docname] = entry
        found[docname] = Coverage(docname, entry[1], entry[2])
    if cache is not None and fresh != known:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(fresh, sort_keys=True), encoding="utf-8")
    return found


def _count(path: Path) -> tuple[int, int]:
    """(translated non-fuzzy, all) messages of one catalog."""
    from babel.messages.pofile import read_po

    with path.open("rb") as handle:
        catalog = read_po(handle)
    messages = [m for m in catalog if m.id]
    return sum(1 for m in messages if m.string and not m.fuzzy), len(messages)


def coverage_note(language: str, coverage: Coverage) -> str:
    if language == "zh_CN":
        return f"本章尚有 {100 - coverage.percent}% 未翻译，未翻译段落以英文显示。"
    return f"{100 - coverage.percent}% of this page is not yet translated."


def report_coverage(project, language: str, report) -> dict[str, Coverage]:
    """Print each page's translation coverage for ``language`` (the build calls this)."""
    cache = project.build_dir / "cache" / f"coverage-{language}.json"
    table = page_coverage(project.root / "locales", language, cache)
    total = sum(c.total for c in table.values())
    done = sum(c.translated for c in table.values())
    report(
        f"translation {language}: {done}/{total} messages"
        f" ({100 * done // total if total else 100}%)"
    )
    for coverage in table.values():
        report(
            f"  {coverage.docname}: {coverage.percent}% ({coverage.translated}/{coverage.total})"
        )
    return table
