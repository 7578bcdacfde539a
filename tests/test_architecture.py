"""The package's rooms and the one-way flow between them: data -> analysis -> book -> authoring."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "livingreview"
# What each subpackage may import from the package besides itself (the top-level modules
# __init__ and errors are shared by all).
ALLOWED = {
    "data": set(),
    "analysis": {"data"},
    "book": {"analysis", "data"},
    "authoring": {"book", "analysis", "data"},
}


def _imports(path: Path) -> set[str]:
    """The package modules a file imports, as dotted names below ``livingreview``."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found |= {n.split(".", 1)[1] for n in names if n.startswith("livingreview.")}
    return found


def _room(module: str) -> str:
    return module.split(".", 1)[0]


@pytest.mark.parametrize("room", sorted(ALLOWED))
def test_imports_run_one_way(room):
    wrong = []
    for path in sorted((PACKAGE / room).rglob("*.py")):
        for module in _imports(path):
            target = _room(module)
            if target in ALLOWED and target != room and target not in ALLOWED[room]:
                wrong.append(f"{path.relative_to(PACKAGE)} imports livingreview.{module}")
    assert wrong == []


def test_only_the_cli_imports_authoring():
    importers = [
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if path.relative_to(PACKAGE).parts[0] != "authoring"
        and any(_room(m) == "authoring" for m in _imports(path))
    ]
    assert importers == ["cli.py"]


def test_notebook_code_is_what_the_run_fingerprint_covers():
    """Notebooks import data and analysis only, so editing anything else re-runs nothing."""
    from livingreview.book.runner import NOTEBOOK_CODE

    notebooks = Path(__file__).resolve().parents[1] / "analyses"
    for notebook in notebooks.glob("*.ipynb"):
        for line in notebook.read_text(encoding="utf-8").splitlines():
            if "from livingreview" in line or "import livingreview" in line:
                module = line.split("livingreview", 1)[1].lstrip(".").split()[0]
                assert module == "" or _room(module) in NOTEBOOK_CODE, (notebook.name, line)
    for part in ("data", "analysis"):
        assert part in NOTEBOOK_CODE


def test_every_user_error_shares_one_base_class():
    from livingreview.errors import LivingReviewError

    classes = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(
                getattr(b, "id", getattr(b, "attr", "")).endswith(("Error", "Exception"))
                for b in node.bases
            ):
                classes.append((path.name, node.name, [ast.unparse(b) for b in node.bases]))
    builtin = {"Exception", "RuntimeError", "ValueError", "OSError", "PermissionError"}
    stray = [c for c in classes if set(c[2]) & builtin and "LivingReviewError" not in c[2]]
    assert stray == [("errors.py", "LivingReviewError", ["Exception"])]
    assert issubclass(LivingReviewError, Exception)
