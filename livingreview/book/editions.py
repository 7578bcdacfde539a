"""The translation coverage of the editions (no Sphinx import: the build's no-op path reads
this without loading the extension). The editions themselves: ``livingreview.data.editions``.

Coverage is counted against the current English text: of the messages a page has now, those
with a non-fuzzy translation in its catalog under ``locales/<lang>/LC_MESSAGES``. The English
build records each page's messages (``MESSAGES_FILE``), the translated edition's build counts
its coverage against them (``sphinx.translation``) and writes it to ``COVERAGE_FILE`` beside
its output; the build prints it, and the extension notes a page below 100% at its
top. The catalogs alone (``page_coverage``) would miss English changed since the last
``catalogs`` run: they still hold the old sentence, translated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from livingreview.data.editions import edition, read_po

# The extension's own words (stamp, reproduce box): a catalog per language, compiled at build.
EXTENSION_LOCALE_DIR = Path(__file__).resolve().parent / "sphinx" / "locale"
# Catalogs that are not pages: the analyses' words, the data's words (reported per table by
# ``livingreview.analysis.data_catalog``) and Sphinx's own overrides.
NOT_PAGES = {"analysis", "data", "sphinx"}
# Each page's English messages, written by the English edition's build and staged for the
# translated ones; each page's (translated, total) of those, written by a translated build.
MESSAGES_FILE = "english-messages.json"
COVERAGE_FILE = "translation-coverage.json"


@dataclass(frozen=True)
class Coverage:
    docname: str
    translated: int
    total: int
    problems: tuple[str, ...] = ()  # translations that change a number's glue or a citation

    @property
    def percent(self) -> int:
        return 100 if not self.total else int(100 * self.translated / self.total)


def page_coverage(root: Path, language: str, cache: Path | None = None) -> dict[str, Coverage]:
    """Coverage of each page catalog (``chapters/introduction`` -> Coverage) from the .po files
    of the book (or staged book) in ``root``.

    With ``cache``, a catalog whose size and modification time are unchanged is not re-read
    (a no-op build stays fast).
    """
    import json

    folder = edition(language).catalog_dir(root)
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
        if not entry or entry[0] != key or len(entry) != 4:
            entry = [key, *_count(path, path.relative_to(root).as_posix())]
        fresh[docname] = entry
        found[docname] = Coverage(docname, entry[1], entry[2], tuple(entry[3]))
    if cache is not None and fresh != known:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(fresh, sort_keys=True), encoding="utf-8")
    return found


def write_json(path: Path, table: dict) -> None:
    """Only when its bytes change: the staged copy keeps its time, and Sphinx its pages."""
    import json

    from livingreview.data.files import sync_file

    text = json.dumps(table, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    sync_file(text.encode(), path)


def built_coverage(path: Path) -> dict[str, Coverage] | None:
    """The coverage a build counted (None before the edition's first build)."""
    import json

    if not path.is_file():
        return None
    counts = json.loads(path.read_text(encoding="utf-8"))
    return {d: Coverage(d, done, total) for d, (done, total) in counts.items()}


def _count(path: Path, shown: str) -> tuple[int, int, list[str]]:
    """(translated non-fuzzy, all) messages of one catalog, and its translations whose roles
    differ from the English."""
    catalog = read_po(path)
    messages = [m for m in catalog if m.id]
    used = [m for m in messages if m.string and not m.fuzzy and isinstance(m.id, str)]
    problems = [
        f"{shown}, line {m.lineno}: {problem}"
        for m in used
        if (problem := role_problem(m.id, m.string))
    ]
    return len(used), len(messages), problems


# Roles a translation keeps character for character: a glued number, a citation, a numbered
# reference. A translation that drops one would type the number or lose the source.
KEPT_ROLE = re.compile(r"\{(glue(?::\w*)?|cite(?::\w+)?|numref|eq)\}`[^`]*`")


def role_problem(english: str, translation: str) -> str | None:
    """Why ``translation`` cannot stand for ``english`` (None when its kept roles match)."""
    want = sorted(m.group(0) for m in KEPT_ROLE.finditer(english))
    have = sorted(m.group(0) for m in KEPT_ROLE.finditer(translation))
    if want == have:
        return None
    missing = [role for role in want if role not in have or want.count(role) > have.count(role)]
    extra = [role for role in have if role not in want or have.count(role) > want.count(role)]
    parts = []
    if missing:
        parts.append("the translation lacks " + ", ".join(dict.fromkeys(missing)))
    if extra:
        parts.append("it has " + ", ".join(dict.fromkeys(extra)) + " that the English lacks")
    return "; ".join(parts) + " (glue, cite and numref roles are copied verbatim)"


def catalog_problems(project, language: str) -> list[str]:
    """Translations of ``language`` whose glue, citation or numref roles differ from the
    English; the build refuses to publish while any remain."""
    cache = project.build_dir / "cache" / f"coverage-{language}.json"
    table = page_coverage(project.root, language, cache)
    return [problem for coverage in table.values() for problem in coverage.problems]


def coverage_note(language: str, coverage: Coverage) -> str:
    return edition(language).coverage_note.format(untranslated=100 - coverage.percent)


def report_coverage(project, language: str, report, built: Path) -> dict[str, Coverage]:
    """Print each page's translation coverage for ``language`` as the edition's build counted
    it (``built``: its COVERAGE_FILE); the build calls this."""
    table = built_coverage(built) or {}
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
